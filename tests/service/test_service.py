"""The service layer: one spec per task drives every front door, apps in one process share nothing,
handlers work without a browser, and the next-token distribution equals plain transformers."""

from __future__ import annotations

import subprocess
import sys

import gradio as gr
import pytest
import torch
from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

from llm_playground import deeplink
from llm_playground.config import Settings
from llm_playground.errors import InvalidInput, PlaygroundError
from llm_playground.service.playground import PlaygroundService
from llm_playground.serving.api import endpoints
from llm_playground.specs import link_params
from llm_playground.tasks.generation import encode_prompt
from llm_playground.ui.app import build_tabs
from llm_playground.ui.tabs import fill_mask as fill_mask_tab
from llm_playground.ui.tabs import generation as generation_tab
from llm_playground.ui.tabs import next_token as next_token_tab

from ..fixtures import ROOT
from ..tolerance import close

PROMPT = "Once upon a time, there was a little"


def test_two_apps_in_one_process_share_nothing(models_dir):
    strict = PlaygroundService(Settings(models_dir=models_dir, rate_limit=1), hub_probe=lambda: False)
    open_ = PlaygroundService(Settings(models_dir=models_dir, rate_limit=0), hub_probe=lambda: False)
    try:
        strict.admit("1.2.3.4", 0)
        with pytest.raises(PlaygroundError, match="Too many requests"):
            strict.admit("1.2.3.4", 0)
        for _ in range(5):
            open_.admit("1.2.3.4", 0)  # the other app's limiter never saw those calls
        strict.attention("tiny-bert", "The bank raised the rate.")
        assert len(strict.attention_cache) == 1 and len(open_.attention_cache) == 0
        exported = strict.export_json("result", {"x": 1})
        assert exported.is_relative_to(strict.exports.root) and strict.exports.root != open_.exports.root
        assert open_.exports.files() == []
        assert strict.workers is not open_.workers and strict.limiter is not open_.limiter
    finally:
        strict.close()
        open_.close()


@pytest.mark.slow  # a fresh Python process
def test_importing_the_app_starts_nothing():
    """No thread pool, temp folder or environment change at import: all of it belongs to a service."""
    code = ("import os, tempfile, threading; before = set(os.listdir(tempfile.gettempdir())); env = dict(os.environ)\n"
            "import llm_playground.ui.app, llm_playground.service.playground\n"
            "new = [n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith('playground')]\n"
            "print(threading.active_count(), new, dict(os.environ) == env)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["1", "[]", "True"], out.stderr[-2000:]


def test_one_range_drives_the_slider_the_link_and_the_api(models_dir):
    """Settings change the generation cap in one place: the control, link clamping and the API follow."""
    service = PlaygroundService(Settings(models_dir=models_dir, max_new_tokens_cap=60), hub_probe=lambda: False)
    with gr.Blocks():
        with gr.Tabs() as tabs:
            links = build_tabs(service, tabs)
    generate = next(link for link in links if link.tab == "generate")
    slider = next(f.component for f in generate.fields if f.name == "max_new_tokens")
    assert slider.maximum == 60
    parsed = deeplink.parse({"tab": "generate", "max_new_tokens": "999"}, link_params(service.specs))
    assert parsed.values["max_new_tokens"] == 60 and "using 60" in parsed.problems[0]
    with pytest.raises(InvalidInput, match=r"max_new_tokens must be in \[1, 60\]"):
        service.generate("stories260K", "Hi", max_new_tokens=61)
    assert generation_tab.TAB in service.specs and service.specs["generate"].param("max_new_tokens").high == 60


def test_handlers_run_without_a_browser(shared_service):
    with gr.Blocks():
        with gr.Tabs() as tabs:
            links = {link.tab: link for link in build_tabs(shared_service, tabs)}
    ui = links["fill-mask"].ui
    out = fill_mask_tab.predict(ui, shared_service, "tiny-bert", "I played [MASK] with my friends.", 3)
    api = shared_service.fill_mask("tiny-bert", "I played [MASK] with my friends.", 3).result
    assert out[ui.predictions].iloc[0, 2] == api.masks[0].predictions[0].token
    assert "[MASK] #1" in out[ui.summary].replace("\\", "")  # Markdown-escaped, rendered as typed
    gen = links["generate"].ui
    states = list(generation_tab.run_generation(gen, shared_service, "stories260K", "Once upon a time", "greedy",
                                                8, 1.0, 50, 1.0, 1.0, 0, 0, 1, "auto"))
    table = states[-1][gen.table]
    assert list(table.columns)[:2] == ["step", "token"] and len(table) == 8
    assert "8 tokens" in states[-1][gen.stats] and "stories260K" in states[-1][gen.stats]
    japanese = list(generation_tab.run_generation(gen, shared_service, "stories260K", "Once upon a time", "greedy",
                                                  8, 1.0, 50, 1.0, 1.0, 0, 0, 1, "auto", lang="ja"))[-1]
    assert "8 トークン" in japanese[gen.stats] and list(japanese[gen.table].columns)[:2] == ["ステップ", "トークン"]
    nt = links["next-token"].ui
    out = next_token_tab.predict(nt, shared_service, "stories260K", PROMPT, 5, 0.8, 0.9)
    assert out[nt.table].iloc[0, 0] == 1 and "tokens** can still be sampled" in out[nt.summary]


# ---- next-token distribution ---------------------------------------------------------------------------

def oracle(loaded, prompt: str, top_k: int, temperature: float, top_p: float):
    """Plain transformers: the raw softmax, and the warpers applied one after the other as generate() does."""
    ids = encode_prompt(loaded.tokenizer, prompt)
    with torch.no_grad():
        logits = loaded.model(ids).logits[0, -1].double()
    scores = logits[None].clone()
    if temperature != 1.0:
        scores = TemperatureLogitsWarper(temperature)(ids, scores)
    if top_k:
        scores = TopKLogitsWarper(top_k)(ids, scores)
    if top_p < 1:
        scores = TopPLogitsWarper(top_p)(ids, scores)
    return torch.softmax(logits, -1), torch.softmax(scores[0], -1)


@pytest.mark.parametrize("name", ["stories260K", "tiny-gpt2"])
@pytest.mark.parametrize("top_k,temperature,top_p", [(20, 1.0, 1.0), (5, 0.7, 1.0), (0, 1.3, 0.8), (50, 0.5, 0.6)])
def test_next_token_equals_plain_transformers(shared_service, name, top_k, temperature, top_p):
    out = shared_service.next_token(name, PROMPT, top_k=top_k, temperature=temperature, top_p=top_p)
    raw, after = oracle(shared_service.manager.get(name, "generation"), PROMPT, top_k, temperature, top_p)
    cands = out.result.candidates
    assert [c.id for c in cands] == raw.topk(len(cands)).indices.tolist()  # most likely first
    for c in cands:
        assert c.prob == pytest.approx(raw[c.id].item(), abs=1e-5)
        assert c.prob_after_filters == pytest.approx(after[c.id].item(), abs=1e-5)
        assert c.kept == (after[c.id].item() > 0) and (c.removed_by is None) == c.kept
    assert out.result.kept_count == int((after > 0).sum())
    assert len(cands) == min(max(top_k + 10, 20), 100)
    if top_k:
        assert sum(c.kept for c in cands) <= top_k and any(c.removed_by == "top_k" for c in cands)


def test_next_token_api_and_code(client, shared_service):
    from ..unit.test_codegen import run

    result = client.predict(model="stories260K", prompt=PROMPT, top_k=3, temperature=0.9, top_p=0.95,
                            api_name="/next_token")
    assert [t for t in result["tokens"]] and result["vocab_size"] == 512
    assert set(result["candidates"][0]) == {"token", "id", "prob", "prob_after_filters", "kept", "removed_by"}
    assert sum(c["prob_after_filters"] for c in result["candidates"]) == pytest.approx(1.0, abs=1e-5)
    out = shared_service.next_token("stories260K", PROMPT, top_k=3, temperature=0.9, top_p=0.95)
    ns = run(shared_service.python("next-token", out).replace("source = '", "source = '", 1))
    after = ns["after"]
    for c in result["candidates"]:
        assert after[c["id"]].item() == close(c["prob_after_filters"])


@pytest.mark.parametrize("kwargs,message", [
    (dict(top_k=-1), r"top_k must be in \[0, 1000000\]"), (dict(temperature=0), r"temperature must be in \(0, 100\]"),
    (dict(top_p=0), r"top_p must be in \(0, 1\]"), (dict(prompt=""), "The prompt is empty"),
    (dict(model="tiny-bert"), "cannot be used for generation"),
])
def test_next_token_bad_input(shared_service, kwargs, message):
    with pytest.raises(PlaygroundError, match=message):
        shared_service.next_token(**(dict(model="stories260K", prompt=PROMPT) | kwargs))


def test_every_endpoint_derives_from_its_spec(shared_service):
    """Names, order, defaults and the docstring of each API function are its spec's API parameters."""
    import inspect

    for name, (fn, spec) in endpoints(shared_service).items():
        params = inspect.signature(fn).parameters
        assert list(params) == [p.name for p in spec.api_params()], name
        for p in spec.api_params():
            if params[p.name].default is not inspect.Parameter.empty:
                assert params[p.name].default == p.default, (name, p.name)
        assert fn.__doc__ == spec.doc
