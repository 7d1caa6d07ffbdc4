"""The HTTP APIs share the app's protections: the rate limit (same limiter and client key as the UI), the
body limit, a cap on requests in flight, and a client that goes away stops the model within a step."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlparse

import httpx
import openai
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from llm_playground.config import Settings
from llm_playground.models.catalog import GENERATION

from ..conftest import free_port, launched
from .test_reliability import slow_tiny_gpt2, stream_threads, wait_until  # noqa: F401 - fixture

BODY = {"model": "tiny-gpt2", "prompt": "Hello", "max_new_tokens": 120}


def raw_post(url: str, path: str, body: dict) -> socket.socket:
    """A POST on a bare socket, so the test can vanish mid-request like a closed browser tab."""
    address = urlparse(url)
    data = json.dumps(body).encode()
    sock = socket.create_connection((address.hostname, address.port))
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    return sock


def test_rate_limit_is_shared_by_every_front_door(models_dir):
    """One limiter: REST, OpenAI and Gradio calls count together; a forwarded client behind a local proxy
    is its own client, as in the UI."""
    for url, _ in launched(Settings(models_dir=models_dir, port=free_port(), rate_limit=3, mcp=False)):
        assert httpx.get(f"{url}api/v1/models").status_code == 200
        oa = openai.OpenAI(base_url=f"{url}v1", api_key="unused", max_retries=0)
        assert oa.models.list().data
        Client(url, verbose=False).predict(api_name="/models")
        refused = httpx.post(f"{url}api/v1/tokenize", json={"tokenizers": ["tiny-gpt2"], "text": "Hi"})
        assert refused.status_code == 429 and refused.json()["error"].startswith("Too many requests")
        with pytest.raises(openai.RateLimitError) as raised:
            oa.completions.create(model="tiny-gpt2", prompt="Hi", max_tokens=2)
        assert raised.value.body["code"] == "rate_limit_exceeded" and "3 per minute" in raised.value.body["message"]
        with pytest.raises((AppError, httpx.HTTPStatusError)) as refused_by_gradio:
            Client(url, verbose=False).predict(api_name="/models")
        err = refused_by_gradio.value  # an AppError when checked as the job runs, an HTTP 429 when it is queued
        assert "Too many requests" in str(err) or err.response.status_code == 429
        other = httpx.post(f"{url}api/v1/tokenize", json={"tokenizers": ["tiny-gpt2"], "text": "Hi"},
                           headers={"X-Forwarded-For": "203.0.113.7"})
        assert other.status_code == 200


def test_body_limit_covers_the_new_routes(app_server):
    url = app_server[0]
    big = json.dumps({"tokenizers": ["tiny-gpt2"], "text": "x" * 3_000_000})
    r = httpx.post(f"{url}api/v1/tokenize", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"].startswith("Request too large")
    r = httpx.post(f"{url}v1/completions", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["message"].startswith("Request too large")

    def chunks():  # no Content-Length: cut off once past the limit
        for _ in range(40):
            yield b" " * 100_000
    for path in ("api/v1/tokenize", "v1/completions"):
        r = httpx.post(f"{url}{path}", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413, r.text
    ok = httpx.post(f"{url}api/v1/tokenize", json={"tokenizers": ["tiny-gpt2"], "text": "x" * 4000})
    assert ok.status_code == 200


def still_stepping(calls: list, quiet: float = 0.3) -> bool:
    """Whether the model made a step within `quiet` seconds (a whole-result generation has no producer
    thread to watch: its steps are what shows it running)."""
    before = len(calls)
    time.sleep(quiet)
    return len(calls) != before


@pytest.mark.parametrize("path,body", [
    ("/api/v1/generate", BODY),
    ("/v1/completions", {"model": "tiny-gpt2", "prompt": "Hello", "max_tokens": 120, "temperature": 0}),
    ("/v1/completions", {"model": "tiny-gpt2", "prompt": "Hello", "max_tokens": 120, "stream": True}),
    # Compare: two generations and their scoring (it ran 21-59 s after its client left, issue #33)
    ("/api/v1/compare", {"prompt": "Hello", "model_a": "tiny-gpt2", "model_b": "tiny-gpt2", "dtype_b": "auto",
                         "max_new_tokens": 100}),
])
def test_disconnect_stops_the_model(app_server, slow_tiny_gpt2, path, body):  # noqa: F811
    """The client leaves after a few steps: the producer ends within a step, the model is left alone."""
    loaded, calls = slow_tiny_gpt2
    sock = raw_post(app_server[0], path, body)
    assert wait_until(lambda: len(calls) >= 3, 30), "generation did not start"
    sock.close()
    gone = time.monotonic()
    assert wait_until(lambda: not stream_threads(app_server) and not still_stepping(calls), 5), \
        "generation still running after the disconnect"
    steps = len(calls)
    assert steps < 60, f"{steps} forward passes for a client that left"
    time.sleep(0.3)
    assert len(calls) == steps and not loaded.lock.locked()
    print(f"{path}: stopped {time.monotonic() - gone:.2f} s after the disconnect, after {steps} of 120 steps")


def test_requests_in_flight_are_capped(models_dir):
    """Beyond the queue size, API requests are refused at once (503) instead of piling up."""
    for url, service in launched(Settings(models_dir=models_dir, port=free_port(), queue_size=1, mcp=False)):
        loaded = service.manager.get("tiny-gpt2", GENERATION)
        forward = loaded.model.forward
        steps = []
        loaded.model.forward = lambda *a, **k: (steps.append(1), time.sleep(0.04), forward(*a, **k))[2]
        try:
            sock = raw_post(url, "/api/v1/generate", BODY)
            assert wait_until(lambda: steps, 30)
            busy = httpx.post(f"{url}api/v1/generate", json=BODY)
            assert busy.status_code == 503 and "busy" in busy.json()["error"]
            oa_busy = httpx.post(f"{url}v1/completions", json={"prompt": "Hi", "model": "tiny-gpt2"})
            assert oa_busy.status_code == 503 and oa_busy.json()["error"]["type"] == "server_error"
            sock.close()
            assert wait_until(lambda: not still_stepping(steps), 5)
            assert wait_until(lambda: httpx.get(f"{url}api/v1/models").status_code == 200, 5)
            assert httpx.post(f"{url}api/v1/generate", json=BODY | {"max_new_tokens": 2}).status_code == 200
        finally:
            loaded.model.forward = forward
