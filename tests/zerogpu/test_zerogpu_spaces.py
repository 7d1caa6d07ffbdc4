"""The app on ZeroGPU with the real `spaces` (0.51.3) against a stand-in device API (device_api.py), no GPU:
the app starts, `spaces` packs the preloaded weights and reports start-up, each model request schedules
exactly one GPU call with a duration sized to it, what needs no GPU schedules none, and a refused GPU gives a
clear message while the next request works. The worker runs its CUDA steps on CPU (cpu_worker.py).

The app runs from `.venv-zerogpu/` (a CUDA build of torch: `spaces` runs its ZeroGPU mode only with one), which
scripts/test.sh builds; without it these tests are skipped, or fail under scripts/test.sh
(PLAYGROUND_REQUIRE_ZEROGPU=1).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from ..conftest import free_port
from ..http_calls import HttpCaller
from .device_api import GPU, NO_GPU, QUOTA, DeviceAPI

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(os.environ.get("PLAYGROUND_ZEROGPU_PYTHON", ROOT / ".venv-zerogpu" / "bin" / "python"))


def require_zerogpu_venv() -> Path:
    if not PYTHON.exists():
        message = "no ZeroGPU virtualenv (.venv-zerogpu/): run `bash scripts/test.sh`, which builds it"
        if os.environ.get("PLAYGROUND_REQUIRE_ZEROGPU") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return PYTHON


@pytest.fixture(scope="module")
def space(models_dir, tmp_path_factory):
    """(url, device API stand-in, the app's log file): the app launched as a ZeroGPU Space launches it."""
    python = require_zerogpu_venv()
    api = DeviceAPI()
    api.start(free_port())
    port, folder = free_port(), tmp_path_factory.mktemp("zerogpu")
    env = {**os.environ, "SPACES_ZERO_GPU": "true", "SPACES_ZERO_DEVICE_API_URL": api.url,
           "ZEROGPU_OFFLOAD_DIR": str(folder / "tensors"), "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
           "GRADIO_TEMP_DIR": str(folder / "gradio")}
    log = folder / "app.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(python), str(ROOT / "tests/zerogpu/serve.py"), "--models-dir",
                                    str(models_dir), "--port", str(port), "--no-mcp"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(url + "/gradio_api/info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        yield url, api, log
    finally:
        process.terminate()
        process.wait(30)
        api.stop()


def schedules_during(api: DeviceAPI, call) -> tuple[list[dict], object]:
    before = len(api.calls.schedules)
    out = call()
    return api.calls.schedules[before:], out


def test_the_app_starts_packs_and_reports(space):
    url, api, log = space
    text = log.read_text()
    assert "ZeroGPU tensors packing" in text and api.calls.startup_reports == 1, text[-2000:]


@pytest.mark.parametrize("api_name,kwargs", [
    ("/next_token", {"model": "tiny-gpt2", "prompt": "Once upon a time"}),
    ("/fill_mask", {"model": "tiny-bert", "text": "I played [MASK] with my friends."}),
    ("/next_sentence", {"model": "tiny-bert", "sentence_a": "What is baseball?", "sentence_b": "It is a game."}),
    ("/logit_lens", {"model": "tiny-gpt2", "text": "Once upon a time"}),
    ("/attention", {"model": "tiny-bert", "text": "The cat sat on the mat."}),
    ("/forward_pass", {"model": "tiny-gpt2", "text": "Once upon a time", "layer": 1, "head": 1}),
    ("/compare", {"prompt": "Once upon a time", "model_a": "tiny-gpt2", "model_b": "tiny-gpt2-b",
                  "max_new_tokens": 8}),  # both sides and their scoring: one call
])
def test_each_model_request_schedules_one_short_gpu_call(space, api_name, kwargs):
    url, api, _ = space
    caller = HttpCaller(url)
    asked, out = schedules_during(api, lambda: caller.call(api_name, kwargs))
    assert out.ok, out
    assert len(asked) == 1 and int(asked[0]["durationSeconds"]) <= 10, asked  # a tiny model: not the 60 s default
    released = api.calls.released[-1]
    assert released["fail"] == "false"  # the worker ran it and gave its GPU back


def test_a_generation_streams_from_one_gpu_call_sized_to_its_tokens(space):
    url, api, _ = space
    caller = HttpCaller(url)
    body = {"model": "tiny-gpt2", "prompt": "Once upon a time", "max_new_tokens": 24, "do_sample": True, "seed": 3}
    asked, out = schedules_during(api, lambda: caller.call("/generate", body))
    assert out.ok and len(out.data["text"]) > len(body["prompt"]), out
    assert len(asked) == 1 and int(asked[0]["durationSeconds"]) <= 10, asked
    again = caller.call("/generate", body)  # the same seed on the same worker: the same text
    assert again.ok and again.data["text"] == out.data["text"]


def test_what_needs_no_gpu_schedules_none(space):
    url, api, _ = space
    caller = HttpCaller(url)
    asked, out = schedules_during(api, lambda: caller.call("/tokenize", {"tokenizers": ["tiny-gpt2", "tiny-bert"],
                                                                       "text": "Hello 東京"}))
    assert out.ok and asked == []
    asked, out = schedules_during(api, lambda: caller.call("/models", {}))
    assert out.ok and asked == []


@pytest.mark.parametrize("answer,words", [(NO_GPU, "No GPU was free"), (QUOTA, "GPU time available here has run out")])
def test_a_refused_gpu_is_a_clear_message_and_the_next_request_works(space, answer, words):
    url, api, _ = space
    caller = HttpCaller(url)
    api.answer = answer
    try:
        refused = caller.call("/next_token", {"model": "tiny-gpt2", "prompt": "Once upon a time"})
    finally:
        api.answer = GPU
    assert refused.kind == "error" and words in str(refused.data), refused
    assert "Traceback" not in str(refused.data)
    assert caller.call("/next_token", {"model": "tiny-gpt2", "prompt": "Once upon a time"}).ok


def test_a_bad_input_found_on_the_gpu_says_what_is_wrong_and_keeps_the_worker(space):
    """`spaces` passes back only gr.Error: the task's own refusal came back as "ZeroGPU worker error" with a class
    name, and the worker was thrown away (released with fail=true)."""
    url, api, _ = space
    caller = HttpCaller(url)
    asked, out = schedules_during(api, lambda: caller.call("/next_token", {"model": "tiny-gpt2",
                                                                          "prompt": "word " * 200}))
    assert len(asked) == 1  # found by the task, on the GPU (longer than tiny-gpt2's 128 positions)
    assert out.kind == "error" and "128" in str(out.data) and "worker" not in str(out.data), out
    assert api.calls.released[-1]["fail"] == "false"


def _ip_token(user: str) -> str:
    """A token shaped like the one Hugging Face's proxy gives a visitor (a JWT: `spaces` reads its payload)."""
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")  # noqa: E731
    return f"{part({'alg': 'EdDSA'})}.{part({'user': user})}.c2ln"


@pytest.mark.parametrize("door", ["rest", "openai"])
def test_a_rest_or_openai_call_is_billed_to_its_caller(space, door):
    """`spaces` finds the visitor's quota token in gradio's request context, which plain routes do not set:
    without the app lending it, these calls reached ZeroGPU with no token (billed to no visitor)."""
    url, api, _ = space
    token = _ip_token(f"visitor-{door}")
    if door == "rest":
        call = lambda: httpx.post(f"{url}/api/v1/next_token", json={"model": "tiny-gpt2", "prompt": "Once upon"},  # noqa: E731
                                  headers={"X-IP-Token": token}, timeout=60)
    else:
        call = lambda: httpx.post(f"{url}/v1/completions", json={"model": "tiny-gpt2", "prompt": "Once upon",  # noqa: E731
                                                                "max_tokens": 4}, headers={"X-IP-Token": token},
                                  timeout=60)
    asked, response = schedules_during(api, call)
    assert response.status_code == 200, response.text
    assert len(asked) == 1 and asked[0].get("token") == token, asked
