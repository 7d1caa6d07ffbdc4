"""Hostile and unlucky traffic against a launched app: concurrent loads, one client flooding the queue,
abandoned API work, unload under use, free actions that are not free, injected names, forwarded addresses.
Each test fails on the code before its fix (see the issue's reproduction of each item)."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from llm_playground.config import Settings
from llm_playground.models.catalog import ATTENTION, FILL_MASK, GENERATION, NEXT_SENTENCE
from llm_playground.models.manager import ModelManager
from llm_playground.serving import gradio_patches

from ..conftest import free_port, launched
from ..http_calls import HttpCaller
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
    return http.post(f"{url.rstrip('/')}/gradio_api/call/{api}", json={"data": data},
                     headers={"X-Forwarded-For": client})


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


# ---- unloading cannot make a second copy, and is off in public ------------------------------------------------

def test_unload_while_in_use_keeps_one_copy_counted(service):
    """Unloading a model that a request still uses: its bytes keep counting, and the next request takes
    that same copy back instead of loading another (four rounds used to leave four copies in memory)."""
    manager = service.manager
    loaded = manager.get("stories260K", GENERATION)
    weights = manager.total_bytes()
    with manager.hold(loaded):
        for _ in range(4):
            assert service.unload("stories260K") == 1
            assert manager.loaded() == [] and manager.total_bytes() == weights  # still in memory, still counted
            assert manager.get("stories260K", GENERATION) is loaded
    assert manager.load_counts[loaded.entry.source] == 1
    service.unload("stories260K")
    assert manager.total_bytes() == 0  # nobody holds it now: freed


def test_streams_hold_their_model(service):
    run = service.generate_stream("stories260K", "Once upon a time", max_new_tokens=30)
    first = next(run.states)
    loaded = service.manager.loaded()[0]
    assert first.new_tokens >= 1 and loaded.users == 1
    service.unload("stories260K")
    assert service.manager.total_bytes() == loaded.nbytes
    list(run.states)
    assert loaded.users == 0 and service.manager.total_bytes() == 0


def test_public_deployments_refuse_unloading(models_dir):
    from llm_playground.errors import InvalidInput
    from llm_playground.service.playground import PlaygroundService

    public = PlaygroundService(Settings(models_dir=models_dir, allow_custom_models=False), hub_probe=lambda: False)
    public.manager.get("stories260K", GENERATION)
    with pytest.raises(InvalidInput, match="Unloading models is disabled"):
        public.unload(None)
    assert len(public.manager.loaded()) == 1


# ---- "free" actions stay free, or count --------------------------------------------------------------------

def test_attention_replots_are_free_only_while_the_weights_are_stored(models_dir):
    import gradio as gr

    from llm_playground.service.playground import PlaygroundService
    from llm_playground.service.ratelimit import RateLimited
    from llm_playground.ui.app import build_tabs
    from llm_playground.ui.tabs import attention as attention_tab

    service = PlaygroundService(Settings(models_dir=models_dir, rate_limit=2), hub_probe=lambda: False)
    with gr.Blocks():
        with gr.Tabs() as tabs:
            ui = next(link.ui for link in build_tabs(service, tabs) if link.tab == "attention")
    key = {"model": "tiny-bert", "text": "The bank raised the rate.", "text_pair": ""}
    service.attention(**key)
    for layer in range(2):  # stored: free, however often
        for _ in range(5):
            attention_tab.replot(ui, service, key, "heatmap", layer, "mean", 0)
    for _ in range(2):  # evicted: the model runs again, and that counts
        service.attention_cache._results.clear()
        attention_tab.replot(ui, service, key, "heatmap", 0, "mean", 0)
    service.attention_cache._results.clear()
    with pytest.raises(RateLimited):
        attention_tab.replot(ui, service, key, "heatmap", 0, "mean", 0)
    assert service.attention_cache.runs == 3


def test_exports_are_bounded_per_client_and_in_total(tmp_path):
    from llm_playground.service.exports import ExportFolder

    folder = ExportFolder(max_files=12, max_per_owner=3)
    for i in range(7):
        folder.write_json(f"a{i}", {"i": i}, owner="198.51.100.1")
    folder.write_json("b", {"b": 1}, owner="198.51.100.2")
    names = sorted(p.stem for p in folder.files())
    assert names == ["a4", "a5", "a6", "b"]  # the flooding client only lost its own oldest files
    for i in range(30):
        folder.write_json(f"c{i}", {"i": i}, owner=f"203.0.113.{i}")
    assert len(folder.files()) <= 12
    folder.remove()


def test_gradio_file_cache_is_pruned(shared_service):
    from llm_playground.ui.app import build_app

    frequency, age = build_app(shared_service).delete_cache
    assert frequency <= 3600 and age <= 3600


# ---- no generic or empty errors --------------------------------------------------------------------------------

def test_plain_http_values_are_completed_or_refused_by_name(app_server):
    http = HttpCaller(app_server[0])
    try:
        short = http.call("/generate", data=["stories260K", "Once upon a time"])  # the rest take defaults
        assert short.ok and len(short.data["tokens"]) == 40
        event, response = http.start("/generate", json.dumps({"data": ["stories260K"]}))
        assert event is None and response.status_code == 400
        assert "/generate needs prompt (values in this order: model, prompt, max_new_tokens" in response.text
    finally:
        http.close()


@pytest.mark.parametrize("kwargs,message", [
    (dict(do_sample=True, temperature=1e-39), "temperature must be at least 0.01 when sampling"),
    (dict(repetition_penalty=1e-300), "repetition_penalty must be at least 0.001"),
])
def test_sampling_parameters_that_overflow_are_refused(client, kwargs, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(model="stories260K", prompt="Once", max_new_tokens=3, api_name="/generate", **kwargs)


def test_ui_event_with_a_value_its_control_cannot_take_says_why(app_server):
    http = HttpCaller(app_server[0])
    try:
        outcome = http.call("/generate_ui", data=["stories260K", "Once", "greedy", "abc", 1.0, 50, 1.0, 1.0, 0, 0,
                                                  1, "auto", "", None, "en"])
        assert outcome.kind == "error" and "Expected a `float`" in (outcome.data or ""), outcome
    finally:
        http.close()


# ---- load errors say what is wrong, without server paths, once --------------------------------------------------

@pytest.fixture
def broken_models(tmp_path):
    """A folder without weights, and one whose config asks for code shipped inside the checkpoint."""
    import shutil

    from ..fixtures import SHARED_MODELS

    src = SHARED_MODELS / "stories260K"
    for name in ("no-weights", "remote-code"):
        (tmp_path / name).mkdir()
        for f in ("config.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json"):
            shutil.copy(src / f, tmp_path / name / f)
    shutil.copy(src / "model.safetensors", tmp_path / "remote-code" / "model.safetensors")
    config = json.loads((src / "config.json").read_text())
    config |= {"model_type": "xcustom", "architectures": ["XModelForCausalLM"],
               "auto_map": {"AutoConfig": "configuration_x.XConfig", "AutoModelForCausalLM": "modeling_x.XModel"}}
    (tmp_path / "remote-code" / "config.json").write_text(json.dumps(config))
    (tmp_path / "remote-code" / "configuration_x.py").write_text("raise SystemExit('this must never run')\n")
    return tmp_path


@pytest.mark.parametrize("name,message", [
    ("no-weights", "'no-weights' has no weights file (model.safetensors or pytorch_model.bin)"),
    ("remote-code", "'remote-code' needs Python code shipped inside the checkpoint (trust_remote_code)"),
])
def test_load_errors_are_specific_without_paths_and_logged_once(broken_models, name, message, caplog):
    from llm_playground.errors import ModelLoadError

    manager = ModelManager(Settings(models_dir=broken_models), hub_probe=lambda: False)
    for _ in range(3):
        with pytest.raises(ModelLoadError) as error:
            manager.get(name, GENERATION)
        assert message in str(error.value)
        assert str(broken_models) not in str(error.value) and "corrupt" not in str(error.value)
    assert manager.load_counts[str(broken_models / name)] == 1  # remembered, not re-read
    records = [r for r in caplog.records if name in r.getMessage()]
    assert len(records) == 1 and records[0].exc_info is None  # one line, no traceback


def test_unload_under_live_traffic_keeps_one_copy(app_server, slow_tiny_gpt2):
    """A generation streams over HTTP while the model is unloaded: the next request gets the very copy the
    stream holds (no second load), and its bytes stay counted until the stream ends."""
    loaded, calls = slow_tiny_gpt2
    service, http = app_server[1], HttpCaller(app_server[0])
    body = json.dumps({"data": http.values("/generate", dict(model="tiny-gpt2", prompt="Hi", max_new_tokens=60))})
    event, _ = http.start("/generate", body)
    with http.http.stream("GET", f"{http.url}/gradio_api/call/generate/{event}") as stream:
        assert wait_until(lambda: len(calls) >= 3, 30)
        loads = service.manager.load_counts[loaded.entry.source]
        assert service.unload("tiny-gpt2") == 1
        assert service.manager.total_bytes() >= loaded.nbytes  # still in use: still counted
        assert http.call("/generate", dict(model="tiny-gpt2", prompt="Hello", max_new_tokens=2)).ok
        assert service.manager.get("tiny-gpt2", GENERATION) is loaded
        assert service.manager.load_counts[loaded.entry.source] == loads
        for line in stream.iter_lines():
            if line.startswith("event: complete"):
                break
    http.close()


def test_public_mode_means_the_same_protections_wherever_it_runs(monkeypatch):
    """The Docker image sets PLAYGROUND_CUSTOM_MODELS=0 without SPACE_ID: rate and in-flight limits are on."""
    from llm_playground.config import PUBLIC_JOBS_PER_CLIENT, PUBLIC_RATE_LIMIT, settings_from_args

    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.setenv("PLAYGROUND_CUSTOM_MODELS", "0")
    docker = settings_from_args([])
    assert docker.public and (docker.rate_limit, docker.jobs_per_client) == (PUBLIC_RATE_LIMIT, PUBLIC_JOBS_PER_CLIENT)
    assert settings_from_args(["--rate-limit", "5"]).rate_limit == 5
    monkeypatch.setenv("PLAYGROUND_CUSTOM_MODELS", "1")
    local = settings_from_args([])
    assert not local.public and (local.rate_limit, local.jobs_per_client) == (0, 0)
