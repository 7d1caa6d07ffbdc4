"""Engine faults through the app's /generate: each gives its own message, ends its worker thread, and
leaves the app and other users (local models, the healthy engine) unaffected.

Real faults where they can be real: a port nobody listens on, a second vLLM that is down when the app
starts, killed in the middle of an answer, then restarted with --max-logprobs below what the app asks
for. FakeEngine (tests/engine_server.py) answers the rest: garbage, an HTML error page, no logprobs,
not an event stream, silence.
"""

from __future__ import annotations

import json
import re
import threading
import time

import httpx
import pytest

from llm_playground.runtime.workers import THREAD_NAME

from ..api.test_reliability import wait_until
from ..engine_fixtures import ENGINE_TIMEOUT
from ..engine_server import SERVED_NAME, BusyEngine
from ..http_calls import HttpCaller

# /generate_ui: model, prompt, mode, max_new_tokens, temperature, top_k, top_p, repetition_penalty,
# no_repeat_ngram_size, seed, num_sequences, dtype, prefix_ids, the branches (State: null), language
LONG = ["Once upon a time", "sampling", 480, 1.0, 0, 1.0, 1.0, 0, 3, 4, "auto", "", None, "en"]


@pytest.fixture
def http(engine_app):
    caller = HttpCaller(engine_app[0])
    yield caller
    caller.close()


def generate(http: HttpCaller, model: str, **kw):
    return http.call("/generate", dict(model=model, prompt="Once upon a time", max_new_tokens=20, **kw))


def healthy(http: HttpCaller, engine_app) -> None:
    """Everybody else is unaffected: the real engine and a local model still answer, no thread is left."""
    engine, local = generate(http, f"{SERVED_NAME}@vllm"), generate(http, "stories260K")
    assert engine.ok and local.ok, (engine, local)
    assert engine.data["completion"] == local.data["completion"]
    assert wait_until(lambda: engine_app[1].workers.active == 0, 10), "a worker thread is still running"


@pytest.mark.parametrize("model, message", [
    ("garbage@fake", r"The engine 'fake' \(http://127\.0\.0\.1:\d+\) sent malformed JSON in its answer: "
                     r"'\{this is not json'"),
    ("html-error@fake", r"The engine 'fake' .* failed \(HTTP 500\): 'Internal Server Error'"),
    ("refusal@fake", r"refused to return the top alternatives .*--max-logprobs 5"),
    ("no-logprobs@fake", r"sent tokens without their log-probabilities"),
    ("not-sse@fake", r"sent something that is not a server-sent event stream: 'a login page'"),
])
def test_misbehaving_engine(http, engine_app, model, message):
    outcome = generate(http, model)
    assert outcome.kind == "error", outcome
    assert re.search(message, outcome.data), outcome.data
    assert "Traceback" not in outcome.data and "<" not in outcome.data
    healthy(http, engine_app)


def test_silent_engine_times_out(http, engine_app):
    start = time.monotonic()
    outcome = generate(http, "slow@fake")
    waited = time.monotonic() - start
    assert outcome.kind == "error" and f"sent nothing for {ENGINE_TIMEOUT:g} s" in outcome.data, outcome
    assert ENGINE_TIMEOUT - 0.5 <= waited < ENGINE_TIMEOUT + 10
    healthy(http, engine_app)


def test_stop_while_the_engine_is_silent(engine_app, fake_engine):
    """Stop before the engine's first token (a queued request, a long prefill, a hung engine): the stream ends
    at once, marked stopped, instead of reading on until the engine's timeout and failing with its message."""
    service, asked, ended = engine_app[1], fake_engine.asked["slow"], []

    def page():
        try:
            ended.extend(service.generate_stream("slow@fake", "Hi", owner="silent-page").states)
        except Exception as exc:  # noqa: BLE001 - asserted below
            ended.append(exc)

    reader = threading.Thread(target=page)
    reader.start()
    assert wait_until(lambda: fake_engine.asked["slow"] > asked, 10)
    time.sleep(0.3)  # the app is reading the (silent) answer by now
    assert service.stop_generations("silent-page")
    reader.join(ENGINE_TIMEOUT / 2)  # not the engine's timeout: without the stop watch the read ran to it
    assert not reader.is_alive(), "Stop did not end the wait for the engine"
    last = ended[-1]
    assert not isinstance(last, Exception), f"Stop did not end the wait: {last}"
    assert last.done and last.stopped and last.new_tokens == 0
    assert wait_until(lambda: service.workers.active == 0, 5)


def test_a_whole_result_engine_generation_leaves_the_lead_thread_to_local_models(http, engine_app, fake_engine):
    """/generate (Gradio's API and REST: the whole result at once) on an engine model only waits: meanwhile a
    local model's call runs on the lead model thread, with every core. Gradio's used to hold the lead."""
    url, service = engine_app
    asked, answers = fake_engine.asked["slow"], {}
    callers = [threading.Thread(target=lambda: answers.update(gradio=http.call("/generate", dict(
                   model="slow@fake", prompt="Hi")))),
               threading.Thread(target=lambda: answers.update(rest=httpx.post(
                   f"{url}api/v1/generate", json={"model": "slow@fake", "prompt": "Hi"}, timeout=60)))]
    for caller in callers:
        caller.start()
    assert wait_until(lambda: fake_engine.asked["slow"] >= asked + 2, 10)
    assert service.workers.call(lambda: threading.current_thread().name).startswith(THREAD_NAME + "-lead")
    for caller in callers:
        caller.join(ENGINE_TIMEOUT + 30)
    silent = f"sent nothing for {ENGINE_TIMEOUT:g} s"
    assert answers["gradio"].kind == "error" and silent in answers["gradio"].data
    assert answers["rest"].status_code >= 400 and silent in answers["rest"].json()["error"]


def test_closed_port(http, engine_app):
    outcome = generate(http, "anything@closed")
    assert outcome.kind == "error" and "engine 'closed', which is down" in outcome.data
    assert "cannot be reached" in outcome.data
    healthy(http, engine_app)


def test_unknown_model_of_a_live_engine(http):
    outcome = generate(http, "nope@vllm")
    assert outcome.kind == "error" and f"serves no model called 'nope' (it serves: {SERVED_NAME}@vllm)" in outcome.data


def engines(http: HttpCaller) -> dict:
    return {e["engine"]: e for e in http.call("/models").data["engines"]}


@pytest.mark.timeout(1200)  # starts a vLLM
def test_engine_down_at_start_up_is_listed_once_it_answers(http, engine_app, spare_engine):
    """The spare engine was not running when the app started: the app said so, and lists its models
    once it answers (retried at most every 15 s, on page loads and requests)."""
    spare = engines(http)["spare"]
    assert spare["up"] is False and "cannot be reached" in spare["error"] and spare["models"] == []
    outcome = generate(http, f"{SERVED_NAME}@spare")
    assert outcome.kind == "error" and "engine 'spare', which is down" in outcome.data
    spare_engine.start().wait_ready()
    assert wait_until(lambda: engines(http)["spare"]["up"] is True, 30), engines(http)["spare"]
    outcome = generate(http, f"{SERVED_NAME}@spare")
    assert outcome.ok, outcome
    assert outcome.data["completion"] == generate(http, f"{SERVED_NAME}@vllm").data["completion"]


@pytest.mark.timeout(1200)  # starts a vLLM
def test_engine_killed_mid_stream(http, engine_app, spare_engine):
    if spare_engine.proc is None or spare_engine.proc.poll() is not None:
        spare_engine.start().wait_ready()
        wait_until(lambda: engines(http)["spare"]["up"] is True, 30)
    # other users keep it busy: the answer lasts seconds, so the kill comes in its middle (idle, a fast
    # vLLM could finish 4 x 480 tokens before the page's second update)
    with BusyEngine(spare_engine.url):
        kinds, error = _read_until_killed(http, spare_engine)
    assert "generating" in kinds and kinds[-1] == "complete", kinds
    assert error and error.get("visible") and "The engine" in error["value"] and "spare" in error["value"] and (
        "in the middle of the answer" in error["value"] or "without finishing it" in error["value"]), error
    assert wait_until(lambda: engine_app[1].workers.active == 0, 10)
    healthy(http, engine_app)


def _read_until_killed(http, spare_engine) -> tuple[list[str], dict | None]:
    """Stream a long answer from the spare vLLM, kill it at the second update; the events and error box."""
    event, response = http.start("/generate_ui", json.dumps({"data": [f"{SERVED_NAME}@spare", *LONG]}))
    assert event, response.text
    kinds, error = [], None
    with http.http.stream("GET", f"{http.url}/gradio_api/call/generate_ui/{event}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kinds.append(line.split(":", 1)[1].strip())
                if kinds.count("generating") == 2:
                    spare_engine.kill()  # SIGKILL to the whole process group: a crash, mid-answer
            elif line.startswith("data:") and kinds and kinds[-1] == "complete":
                error = next((x for x in json.loads(line[5:]) if isinstance(x, dict) and x.get("visible")
                              and "engine" in str(x.get("value", "")).lower()), None)  # the error box
                break
    return kinds, error


@pytest.mark.timeout(1200)  # starts a vLLM
def test_engine_that_refuses_logprobs(http, engine_app, spare_engine):
    """vLLM started with --max-logprobs below the 5 alternatives the app asks for."""
    spare_engine.kill()
    spare_engine.extra = ["--max-logprobs", "2"]
    spare_engine.start().wait_ready()
    outcome = generate(http, f"{SERVED_NAME}@spare")
    assert outcome.kind == "error", outcome
    assert "refused to return the top alternatives" in outcome.data and "--max-logprobs 5" in outcome.data
    assert "greater than max allowed: 2" in outcome.data  # vLLM's own words, quoted
    healthy(http, engine_app)
    spare_engine.stop()


def test_prompt_beyond_the_engines_context_is_refused_like_a_local_one(http, reference_tokenizer):
    """vLLM would silently shorten max_new_tokens; the app refuses, naming the counts, as for a local model."""
    prompt = "Once upon a time, there was a little girl named Lily. " * 6
    count = len(reference_tokenizer(prompt).input_ids)
    outcome = http.call("/generate", dict(model=f"{SERVED_NAME}@vllm", prompt=prompt, max_new_tokens=480))
    assert outcome.kind == "error", outcome
    assert outcome.data == (f"The prompt is {count} tokens; with max_new_tokens=480 it exceeds {SERVED_NAME}@vllm's "
                            "context of 512 tokens.")
    assert generate(http, f"{SERVED_NAME}@vllm").ok  # a prompt that fits still runs


@pytest.fixture(scope="module")
def reference_tokenizer():
    from transformers import AutoTokenizer

    from ..fixtures import SHARED_MODELS

    return AutoTokenizer.from_pretrained(SHARED_MODELS / "stories260K")
