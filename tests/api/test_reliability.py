"""Reliability: client disconnects mid-stream, memory stays bounded, a full queue says so, files stay private."""

from __future__ import annotations

import gc
import json
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from llm_playground.config import Settings
from llm_playground.models.catalog import ATTENTION, FILL_MASK, GENERATION, NEXT_SENTENCE
from llm_playground.models.manager import ModelManager
from llm_playground.service.playground import PlaygroundService

from ..conftest import free_port, slow_down
from ..http_calls import HttpCaller

STREAM_THREAD = "playground-stream"
# The Generate button's event (api_name="/generate_ui"): model, prompt, mode, max_new_tokens, temperature,
# top_k, top_p, repetition_penalty, no_repeat_ngram_size, seed, num_sequences, dtype, prefix_ids (a branch), the
# page's branches (a State: null) and the page language.
UI_ARGS = ["tiny-gpt2", "Hello", "greedy", 120, 1.0, 50, 1.0, 1.0, 0, 0, 1, "auto", "", None, "en"]


def stream_threads(app_server) -> int:
    """Generation producers still running (they run on the service's pooled threads named STREAM_THREAD)."""
    return app_server[1].workers.active


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def slow_tiny_gpt2(app_server, monkeypatch):
    """The app's own tiny-gpt2, slowed to ~40 ms per forward pass so a 120-token stream lasts ~5 s."""
    manager = app_server[1].manager
    loaded = manager.get("tiny-gpt2", GENERATION)
    calls = slow_down(loaded, monkeypatch, 0.04)
    assert wait_until(lambda: not stream_threads(app_server), 15), "a stream from an earlier test is still running"
    return loaded, calls


def _open_stream(http: HttpCaller, args: list):
    event, response = http.start("/generate_ui", json.dumps({"data": args}))
    assert event, response.text
    return http.http.stream("GET", f"{http.url}/gradio_api/call/generate_ui/{event}")


def _read_until_generating(lines, count: int) -> None:
    seen = 0
    for line in lines:
        if line.startswith("event:") and "generating" in line:
            seen += 1
            if seen >= count:
                return
        assert "event: error" not in line, line
    raise AssertionError("stream ended before it was generating")


def test_client_disconnect_mid_stream_stops_generation(app_server, slow_tiny_gpt2):
    """Closing the connection while tokens stream ends the generation thread promptly, lock free."""
    loaded, calls = slow_tiny_gpt2
    http = HttpCaller(app_server[0])
    with _open_stream(http, UI_ARGS) as stream:
        _read_until_generating(stream.iter_lines(), 3)
        assert stream_threads(app_server), "generation should be running in its worker thread"
    http.close()  # the client is gone
    disconnected = time.monotonic()
    assert wait_until(lambda: not stream_threads(app_server), 5), "generation thread still running after disconnect"
    stopped_after = time.monotonic() - disconnected
    assert wait_until(lambda: not loaded.lock.locked(), 2)
    steps = len(calls)
    assert steps < 60, f"{steps} forward passes: the model kept generating after the client left"
    time.sleep(0.3)
    assert len(calls) == steps, "the model is still being called"
    print(f"stream thread ended {stopped_after:.2f} s after the disconnect, after {steps} of 120 steps")


def test_cancel_mid_stream_stops_generation(app_server, slow_tiny_gpt2):
    """gradio_client's cancel (what the Stop button does) ends the worker thread too."""
    from gradio_client import Client

    loaded, calls = slow_tiny_gpt2
    client = Client(app_server[0], verbose=False)
    job = client.submit(*UI_ARGS, api_name="/generate_ui")
    assert wait_until(lambda: len(calls) >= 3, 30)
    assert stream_threads(app_server)
    job.cancel()
    assert wait_until(lambda: not stream_threads(app_server), 5), "generation thread still running after cancel"
    assert wait_until(lambda: not loaded.lock.locked(), 2)
    assert len(calls) < 60


def test_finished_stream_leaves_no_thread(app_server):
    http = HttpCaller(app_server[0])
    try:
        outcome = http.call("/generate_ui", data=["tiny-gpt2", "Hello", "greedy", 5, 1.0, 50, 1.0, 1.0, 0, 0, 1,
                                                  "auto", "", None, "en"])
        assert outcome.ok, outcome
    finally:
        http.close()
    assert wait_until(lambda: not stream_threads(app_server), 5)


def test_one_token_generation_reaches_the_page(app_server):
    """One token (max_new_tokens=1, or Stop after the first): the sampler's step slider has a single step, which
    a slider from 1 to 1 cannot show. Gradio refused the whole final update (the page showed 'Error', no text),
    first seen when the page's Stop landed right after an engine's first token."""
    http = HttpCaller(app_server[0])
    try:
        outcome = http.call("/generate_ui", data=["tiny-gpt2", "Hello", "greedy", 1, 1.0, 50, 1.0, 1.0, 0, 0, 1,
                                                  "auto", "", None, "en"])
    finally:
        http.close()
    assert outcome.ok, outcome
    stats = outcome.data[2]
    assert "1 tokens" in str(stats) and "generating" not in str(stats)


# ---- memory ----------------------------------------------------------------------------------------------------

MODELS_IN_TURN = [("tiny-gpt2", GENERATION), ("tiny-bert", FILL_MASK), ("stories260K", GENERATION),
                  ("tiny-roberta", FILL_MASK), ("tiny-ja-gpt2", GENERATION), ("tiny-bert-no-nsp", FILL_MASK),
                  ("tiny-bert-base", ATTENTION), ("minilm", ATTENTION), ("tiny-bert", NEXT_SENTENCE)]


@pytest.mark.parametrize("budget_models", [2, 1])
def test_budget_is_honoured_when_many_models_are_requested(models_dir, shared_manager, budget_models):
    """Whatever the order, loaded weights stay within the budget; a model bigger than the budget is
    kept alone (the one being used is never evicted)."""
    sizes = {name: shared_manager.get(name, task).nbytes for name, task in MODELS_IN_TURN}
    small = sorted(v for k, v in sizes.items() if k != "minilm")
    budget = sum(small[-budget_models:])  # room for the biggest small models; minilm alone exceeds it
    assert sizes["minilm"] > budget
    m = ModelManager(Settings(models_dir=models_dir, memory_budget=budget), hub_probe=lambda: False)
    for name, task in MODELS_IN_TURN * 2:
        m.get(name, task)
        loaded = m.loaded()
        assert name in [x.name for x in loaded]
        if m.total_bytes() > budget:
            assert [x.name for x in loaded] == [name] and sizes[name] > budget
    assert m.total_bytes() <= budget


def test_rss_stays_flat_over_500_mixed_requests(app_server):
    """RSS of this process (which runs the app) after 500 mixed cheap API requests, good and bad, is within
    10 % of RSS after the first 50."""
    http = HttpCaller(app_server[0])
    calls = [
        ("/generate", lambda i: dict(model="stories260K", prompt=f"Once upon a time {i}", max_new_tokens=4)),
        ("/fill_mask", lambda i: dict(model="tiny-bert", text=f"I played [MASK] {i} times.", top_k=5)),
        ("/next_sentence", lambda i: dict(model="tiny-bert", sentence_a=f"Match {i}.", sentence_b="We won.")),
        ("/attention", lambda i: dict(model="tiny-bert", text=f"The bank raised rates {i % 40} times.", layer=1,
                                      head=-1)),
        ("/tokenize", lambda i: dict(tokenizers=["gpt2-tokenizer", "minilm", "characters (baseline)"],
                                     text=f"Hello 東京 👩‍💻 {i}")),
        ("/detokenize", lambda i: dict(tokenizer="gpt2-tokenizer", ids=[15496, 995, i % 50000])),
        ("/models", lambda i: {}),
        ("/generate", lambda i: dict(model="stories260K", prompt="x", top_p=0)),  # bad: refused
        ("/fill_mask", lambda i: dict(model="tiny-bert", text="x" * 100_000)),  # bad: refused
    ]
    process = psutil.Process()
    marks = {}
    try:
        for i in range(500):
            api, make = calls[i % len(calls)]
            outcome = http.call(api, make(i))
            assert outcome.ok == (i % len(calls) < 7), (api, outcome)
            if i + 1 in (50, 500):
                gc.collect()
                marks[i + 1] = process.memory_info().rss
    finally:
        http.close()
    growth = marks[500] / marks[50] - 1
    print(f"RSS after 50: {marks[50] / 2**20:.0f} MiB, after 500: {marks[500] / 2**20:.0f} MiB ({growth:+.1%})")
    assert marks[500] <= marks[50] * 1.10


# ---- queue full ------------------------------------------------------------------------------------------------

def test_full_queue_is_refused_visibly(models_dir, monkeypatch):
    """With --queue-size 2, requests beyond the running ones and two waiting are refused with gradio's
    "Queue is full" (HTTP 503 on the REST API; gradio_client raises QueueError), and the app recovers."""
    from gradio_client import Client

    from llm_playground.ui.app import build_app, launch

    manager = ModelManager(Settings(models_dir=models_dir, port=free_port(), queue_size=2), hub_probe=lambda: False)
    loaded = manager.get("tiny-gpt2", GENERATION)
    release = threading.Event()
    real_forward = loaded.model.forward

    def blocked_forward(*args, **kwargs):
        release.wait(30)
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(loaded.model, "forward", blocked_forward)
    service = PlaygroundService(manager=manager)
    app = build_app(service)
    try:
        _, url, _ = launch(app, service, prevent_thread_lock=True, quiet=True)
        http = HttpCaller(url)
        body = json.dumps({"data": http.values("/generate", dict(model="tiny-gpt2", prompt="Hi",
                                                                  max_new_tokens=2))})
        # 4 run (default_concurrency_limit=4 per concurrency id), 2 wait, the rest are refused.
        answers = [http.start("/generate", body)[1] for _ in range(9)]
        accepted = [r for r in answers if r.status_code == 200]
        refused = [r for r in answers if r.status_code != 200]
        assert refused, [r.status_code for r in answers]
        assert all(r.status_code == 503 and "Queue is full" in r.text for r in refused), refused[0].text
        assert len(accepted) >= 6
        with pytest.raises(Exception, match="Queue is full"):
            Client(url, verbose=False).predict(model="tiny-gpt2", prompt="Hi", max_new_tokens=2,
                                               api_name="/generate")
        release.set()  # the running requests finish, the queue drains
        assert wait_until(lambda: http.call("/models").ok, 30)
        outcome = http.call("/generate", dict(model="tiny-gpt2", prompt="Hi", max_new_tokens=2))
        assert outcome.ok, outcome
        http.close()
    finally:
        release.set()
        app.close()


def test_concurrency_ids_are_per_task(manager):
    """The API endpoint and the UI event of one task share one concurrency id (one limit per task)."""
    from llm_playground.ui.app import build_app

    service = PlaygroundService(manager=manager)
    app = build_app(service)
    ids = {fn.api_name: fn.concurrency_id for fn in app.fns.values() if fn.api_name}
    limits = {fn.api_name: fn.concurrency_limit for fn in app.fns.values() if fn.api_name}
    assert limits["models"] is None  # a dictionary read: never waits behind model work
    assert {name: ids[name] for name in ("generate", "fill_mask", "next_sentence", "attention", "tokenize",
                                         "detokenize", "generate_ui")} == {
        "generate": "generate", "fill_mask": "fill_mask", "next_sentence": "next_sentence",
        "attention": "attention", "tokenize": "tokenize", "detokenize": "tokenize", "generate_ui": "generate"}


# ---- request size -------------------------------------------------------------------------------------------

def test_oversized_request_bodies_are_refused(app_server):
    """A body over 2 MB is refused (413) before gradio reads it; 100,000 characters still reach the app."""
    http = HttpCaller(app_server[0])
    try:
        big = json.dumps({"data": http.values("/tokenize", dict(tokenizers=["tiny-gpt2"], text="x" * 3_000_000))})
        event, response = http.start("/tokenize", big)
        assert event is None and response.status_code == 413 and "Request too large" in response.text

        def chunks():  # no Content-Length: cut off once past the limit
            for _ in range(40):
                yield b" " * 100_000
        r = http.http.post(f"{http.url}/gradio_api/call/tokenize", content=chunks(),
                           headers={"Content-Type": "application/json"})
        assert r.status_code != 200 and "event_id" not in r.text
        outcome = http.call("/tokenize", dict(tokenizers=["tiny-gpt2"], text="x" * 100_000))
        assert outcome.kind == "error" and "100,000 characters" in outcome.data
        assert http.call("/tokenize", dict(tokenizers=["tiny-gpt2"], text="still fine")).ok
    finally:
        http.close()


# ---- files -----------------------------------------------------------------------------------------------------

def test_only_gradio_cache_files_are_served(app_server, models_dir):
    """No allowed_paths: /gradio_api/file= refuses the file system, the models dir, the repository (cwd),
    path traversal and URLs (no SSRF); the attention export is written under the temp dir, from where
    gradio copies it into its own cache before serving it."""
    import httpx

    from llm_playground.ui import app as app_module

    from ..fixtures import ROOT

    url = app_server[0].rstrip("/")
    probes = ["/etc/passwd", str(models_dir / "tiny-gpt2" / "config.json"), str(ROOT / "README.md"), "README.md",
              "../../etc/passwd", "%2Fetc%2Fpasswd", "/tmp/../etc/passwd", "file:///etc/passwd",
              f"{url}/gradio_api/info", "http://169.254.169.254/latest/meta-data/"]
    with httpx.Client(timeout=30) as http:
        for path in probes:
            r = http.get(f"{url}/gradio_api/file={path}")
            assert r.status_code in (403, 404), (path, r.status_code)
            assert "root:" not in r.text
        assert http.get(f"{url}/gradio_api/proxy=http://127.0.0.1:1/").status_code >= 400
    package = Path(app_module.__file__).resolve().parents[1]
    for file in [*package.rglob("*.py"), ROOT / "app.py"]:
        source = file.read_text()
        assert "allowed_paths=" not in source and "set_static_paths(" not in source, file
    # JSON exports (attention's too: every tab writes through service.export_json) live under the temp dir,
    # served from gradio's cache; nothing under ui/ keeps a folder of its own.
    temp = Path(tempfile.gettempdir()).resolve()
    assert app_server[1].exports.root.resolve().is_relative_to(temp)
    for file in package.joinpath("ui").rglob("*.py"):  # the tabs too (ui/tabs/)
        assert "mkdtemp" not in file.read_text() and "write_text" not in file.read_text(), file
