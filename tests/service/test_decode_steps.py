"""The static-cache and compiled decode steps (the GPU path, run here on the CPU) give what the dynamic cache and
plain transformers give: the same token ids and probabilities, forced prefixes and several sequences included;
compiling is announced once per model and shape, and its time is not generation time."""

from __future__ import annotations

import pytest
import torch

from llm_playground.backends.decode_steps import MIN_CACHE, cache_length, resolve_mode
from llm_playground.backends.local import LocalGeneration
from llm_playground.models.quantize import INT8
from llm_playground.tasks.generation import GenerationParams, encode_prompt

from ..tolerance import close

PROMPT = "Once upon a time"


def run(loaded, decode: str, progress=None, **params):
    state = None
    for state in LocalGeneration(loaded, decode=decode, progress=progress).stream(
            PROMPT, GenerationParams(**params).validated()):
        pass
    return state


def test_cache_lengths_are_few_and_fit_the_context():
    assert cache_length(20, 512) == MIN_CACHE == 256
    assert cache_length(257, 2048) == 512 and cache_length(300, None) == 512
    assert cache_length(300, 400) == 400  # never beyond the model's context
    assert cache_length(512, 512) == 512


def test_auto_compiles_on_cuda_only_and_never_int8():
    assert resolve_mode("auto", "cpu", torch.float32) == "dynamic"
    assert resolve_mode("auto", "cuda:0", torch.float16) == "compiled"
    assert resolve_mode("compiled", "cpu", INT8) == "static"
    assert resolve_mode("static", "cuda", torch.float32) == "static"


@pytest.mark.parametrize("name", ["stories260K", "tiny-gpt2"])
def test_static_cache_equals_dynamic_cache_and_plain_generate(shared_service, name):
    loaded = shared_service.manager.get(name, "generation")
    ids = encode_prompt(loaded.tokenizer, PROMPT)
    expected = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=24, do_sample=False,
                                     return_dict_in_generate=True, output_logits=True)
    dynamic, static = run(loaded, "dynamic", max_new_tokens=24), run(loaded, "static", max_new_tokens=24)
    want = expected.sequences[0, ids.shape[1]:].tolist()
    for state in (dynamic, static):
        got = [t.id for t in state.sequences[0].tokens]
        assert got == want[:len(got)] and len(got) >= min(len(want), 5)
        probs = [torch.softmax(expected.logits[i][0].float(), -1)[t].item() for i, t in enumerate(got)]
        assert [t.prob for t in state.sequences[0].tokens] == close(probs)
    # a forced prefix and several sampled sequences go through the same cache the same way
    kw = dict(max_new_tokens=12, do_sample=True, temperature=0.9, top_k=20, seed=5, num_sequences=2,
              prefix_ids=want[:3])
    a, b = run(loaded, "dynamic", **kw), run(loaded, "static", **kw)
    for sa, sb in zip(a.sequences, b.sequences):
        assert [t.id for t in sa.tokens] == [t.id for t in sb.tokens]
        assert [t.prob for t in sa.tokens] == close([t.prob for t in sb.tokens])


@pytest.mark.slow  # compiles a decode step
def test_compiled_step_equals_dynamic_and_compiles_once(shared_service, monkeypatch):
    """torch.compile on the CPU (what CUDA runs with CUDA graphs on top): same ids; progress said once."""
    from llm_playground.backends.decode_steps import Compiled

    loaded = shared_service.manager.get("tiny-gpt2", "generation")
    monkeypatch.setattr(loaded, "compiled", Compiled())  # nothing compiled for it yet
    heard: list[str] = []
    dynamic = run(loaded, "dynamic", max_new_tokens=16)
    events: list[str] = []  # compiling is over before the first state: before the generation's timing starts
    stream = LocalGeneration(loaded, decode="compiled", progress=lambda _f, text: (heard.append(text),
                                                                                 events.append("compile")))
    for first in stream.stream(PROMPT, GenerationParams(max_new_tokens=16).validated()):
        events.append("state" if loaded.compiled.shapes else "state before the compile")
    again = run(loaded, "compiled", progress=lambda _f, text: heard.append(text), max_new_tokens=16)
    ids = [t.id for t in dynamic.sequences[0].tokens]
    for state in (first, again):
        assert [t.id for t in state.sequences[0].tokens] == ids
        assert [t.prob for t in state.sequences[0].tokens] == close(
            [t.prob for t in dynamic.sequences[0].tokens])
    assert len(heard) == 1 and "Compiling tiny-gpt2" in heard[0]
    shape = (1, min(MIN_CACHE, loaded.model.config.n_positions))  # tiny-gpt2's context (128) caps the length
    assert loaded.compiled.shapes == {shape} and len(loaded.compiled.free[shape]) == 1  # one cache, reused
    assert events[0] == "compile" and set(events[1:]) == {"state"}


def test_the_setting_reaches_the_generate_tab(models_dir):
    from llm_playground.config import Settings
    from llm_playground.models.manager import ModelManager
    from llm_playground.service.playground import PlaygroundService

    service = PlaygroundService(manager=ModelManager(Settings(models_dir=models_dir, decode="static"),
                                                     hub_probe=lambda: False))
    backend = service.generation_backend("stories260K")
    assert backend.decode == "static"
    out = service.generate("stories260K", PROMPT, max_new_tokens=8)
    loaded = service.manager.get("stories260K", "generation")
    assert loaded.compiled.free  # the run used (and kept) a static cache
    assert [t.id for t in out.result.sequences[0].tokens] == [t.id for t in run(loaded, "dynamic",
                                                                                max_new_tokens=8).sequences[0].tokens]
    service.close()


def test_a_compiler_failure_falls_back_to_the_uncompiled_step(shared_service, monkeypatch):
    """The CUDA compile has never run here: if compiling raises, the user still gets the generation."""
    from llm_playground.backends import decode_steps

    loaded = shared_service.manager.get("stories260K", "generation")
    monkeypatch.setattr(loaded, "compiled", decode_steps.Compiled())  # nothing compiled for it yet

    calls = []

    def broken(*_args, **_kwargs):
        calls.append(1)
        raise RuntimeError("inductor: no C++ compiler")

    monkeypatch.setattr(decode_steps.torch, "compile", broken)
    state = run(loaded, "compiled", max_new_tokens=12)
    assert [t.id for t in state.sequences[0].tokens] == [t.id for t in run(loaded, "dynamic", max_new_tokens=12)
                                                         .sequences[0].tokens]
    assert loaded.compiled.failed and loaded.compiled.step is None
    run(loaded, "compiled", max_new_tokens=4)
    assert len(calls) == 1  # not tried again on every request
