"""Hostile and unlucky traffic against a launched app: concurrent loads, one client flooding the queue,
abandoned API work, unload under use, free actions that are not free, injected names, forwarded addresses.
Each test fails on the code before its fix (see the issue's reproduction of each item)."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from llm_playground.catalog import ATTENTION, FILL_MASK, GENERATION, NEXT_SENTENCE
from llm_playground.config import Settings
from llm_playground.manager import ModelManager
from llm_playground.ui import gradio_patches

from .conftest import free_port, launched
from .http_calls import HttpCaller
from .test_reliability import slow_tiny_gpt2, stream_threads, wait_until  # noqa: F401 - fixture

MODELS = [("tiny-gpt2", GENERATION), ("tiny-bert", FILL_MASK), ("tiny-roberta", FILL_MASK),
          ("tiny-ja-gpt2", GENERATION), ("stories260K", GENERATION), ("minilm", ATTENTION),
          ("tiny-bert-no-nsp", FILL_MASK), ("tiny-bert-base", ATTENTION)]


def test_concurrent_loads_of_different_models_never_poison_the_process(models_dir):
    """from_pretrained patches process-wide state: parallel loads of different models used to fail, and
    then every later load ('Cannot copy out of meta tensor'). Four rounds of eight at once, all good."""
    manager = ModelManager(Settings(models_dir=models_dir), hub_probe=lambda: False)
    for _ in range(4):
        manager.unload()
        errors, barrier = [], threading.Barrier(len(MODELS))

        def load(name, task):
            barrier.wait()
            try:
                manager.get(name, task)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(f"{name}: {exc}")

        threads = [threading.Thread(target=load, args=m) for m in MODELS]
        [t.start() for t in threads]
        [t.join(120) for t in threads]
        assert errors == []
    assert manager.get("tiny-bert", NEXT_SENTENCE).name == "tiny-bert"


def test_concurrent_first_requests_on_a_cold_server(models_dir):
    """The same through the API: six endpoints on six different models at once, on a cold server."""
    requests = [("/generate", dict(model="tiny-gpt2", prompt="Hi", max_new_tokens=2)),
                ("/generate", dict(model="tiny-ja-gpt2", prompt="東京", max_new_tokens=2)),
                ("/fill_mask", dict(model="tiny-roberta", text="A [MASK] day.")),
                ("/fill_mask", dict(model="tiny-bert-no-nsp", text="A [MASK] day.")),
                ("/next_sentence", dict(model="tiny-bert", sentence_a="A.", sentence_b="B.")),
                ("/attention", dict(model="minilm", text="A day."))]
    for url, service in launched(Settings(models_dir=models_dir, port=free_port())):
        http = HttpCaller(url)
        outcomes = [None] * len(requests)

        def call(i):
            outcomes[i] = http.call(*requests[i])

        threads = [threading.Thread(target=call, args=(i,)) for i in range(len(requests))]
        [t.start() for t in threads]
        [t.join(120) for t in threads]
        assert all(o is not None and o.ok for o in outcomes), outcomes
        assert len(service.manager.loaded()) == len(requests)
        http.close()


# ---- one client cannot fill the shared queue ------------------------------------------------------------------

def _post(http: httpx.Client, url: str, api: str, data: list, client: str) -> httpx.Response:
    return http.post(f"{url.rstrip('/')}/gradio_api/call/{api}", json={"data": data}, headers={"X-Forwarded-For": client})


def test_one_client_cannot_fill_the_queue(models_dir, monkeypatch):
    """72 slow generations posted at once by one address: only jobs_per_client get in, the rest are refused
    with the reason (HTTP 429), and another visitor is served at once instead of waiting behind them."""
    settings = Settings(models_dir=models_dir, port=free_port(), jobs_per_client=4, queue_size=64)
    for url, service in launched(settings):
        loaded = service.manager.get("tiny-gpt2", GENERATION)
        real, release = loaded.model.forward, threading.Event()
        monkeypatch.setattr(loaded.model, "forward", lambda *a, **k: (release.wait(0.05), real(*a, **k))[1])
        body = HttpCaller(url).values("/generate", dict(model="tiny-gpt2", prompt="Hi", max_new_tokens=100,
                                                        num_sequences=8))
        with httpx.Client(timeout=30) as http:
            answers = [_post(http, url, "generate", body, "198.51.100.7") for _ in range(72)]
            codes = [r.status_code for r in answers]
            assert codes.count(200) == 4 and codes.count(429) == 68, codes
            assert "at most 4 at once per visitor" in answers[-1].json()["detail"]
            other = _post(http, url, "models", [], "198.51.100.8")
            assert other.status_code == 200
            result = http.get(f"{url.rstrip('/')}/gradio_api/call/models/{other.json()['event_id']}", timeout=30)
            assert "event: complete" in result.text  # /models has no concurrency limit: served at once
        release.set()


# ---- abandoned API work stops ---------------------------------------------------------------------------------

def test_api_generation_stops_when_the_client_disconnects(app_server, slow_tiny_gpt2):
    """/generate through the API (not the UI's stream): closing the result stream ends the work in a step."""
    loaded, calls = slow_tiny_gpt2
    http = HttpCaller(app_server[0])
    body = json.dumps({"data": http.values("/generate", dict(model="tiny-gpt2", prompt="Hi", max_new_tokens=120))})
    event, response = http.start("/generate", body)
    assert event, response.text
    with http.http.stream("GET", f"{http.url}/gradio_api/call/generate/{event}") as stream:
        assert wait_until(lambda: len(calls) >= 5, 30)
        stream.close()
    http.close()
    closed = len(calls)
    assert wait_until(lambda: not stream_threads(app_server), 5), "generation still running after the disconnect"
    assert len(calls) < closed + 10 and len(calls) < 60, f"{len(calls)} forward passes of 120"


def test_api_generation_whose_result_is_never_read_stops(app_server, slow_tiny_gpt2, monkeypatch):
    """A POST to /call/generate whose result nobody fetches stops after the unread grace period."""
    monkeypatch.setattr(gradio_patches, "UNREAD_GRACE", 1.0)
    loaded, calls = slow_tiny_gpt2
    http = HttpCaller(app_server[0])
    body = json.dumps({"data": http.values("/generate", dict(model="tiny-gpt2", prompt="Hi", max_new_tokens=120))})
    event, response = http.start("/generate", body)
    assert event, response.text
    assert wait_until(lambda: len(calls) >= 3, 30)
    assert wait_until(lambda: not stream_threads(app_server), 10), "unread generation still running"
    assert len(calls) < 100, f"{len(calls)} forward passes of 120: it ran to the end"
    http.close()
