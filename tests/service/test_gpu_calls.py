"""ZeroGPU's process boundary (runtime/gpu_calls.py, service/gpu_work.py): with zero_gpu on, each model
computation runs in a forked process with pickled arguments and results (tests/zerogpu/forked.py does what
`spaces.GPU` does there), and gives what the same service gives in-process; each asks for a duration sized to
it, and what needs no GPU asks for none."""

from __future__ import annotations

import os
import threading
import time

import pytest

from llm_playground.config import Settings
from llm_playground.errors import PlaygroundError
from llm_playground.models.manager import ModelManager
from llm_playground.runtime.gpu_calls import MAX_SECONDS, MIN_SECONDS, seconds_for
from llm_playground.service.playground import PlaygroundService
from llm_playground.tasks.generation import GenerationParams

from ..conftest import slow_down
from ..tolerance import differences
from ..zerogpu.forked import Forked

CALLS = [("next_token", ("tiny-gpt2", "Once upon a time"), {}),
         ("fill_mask", ("tiny-bert", "I played [MASK] with my friends."), {}),
         ("next_sentence", ("tiny-bert", "What is baseball?", "It is a game."), {}),
         ("logit_lens", ("tiny-gpt2", "Once upon a time there was"), {"top_k": 3}),
         ("forward_pass", ("stories260K", "Once upon a time there was"), {"layer": 2, "head": 5})]


@pytest.fixture(scope="module")
def zero(models_dir):
    forked = Forked()
    settings = Settings(models_dir=models_dir, zero_gpu=True)
    service = PlaygroundService(manager=ModelManager(settings, hub_probe=lambda: False), gpu_decorate=forked)
    yield service, forked
    service.close()


def plain(value):
    """A result as comparable data: dataclasses and arrays as dicts and lists."""
    if hasattr(value, "__dataclass_fields__"):
        return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


@pytest.mark.parametrize("method,args,kwargs", CALLS, ids=[c[0] for c in CALLS])
def test_each_computation_runs_in_one_forked_call_and_equals_in_process(zero, shared_service, method, args, kwargs):
    service, forked = zero
    before = len(forked.calls)
    there = getattr(service, method)(*args, **kwargs).result
    here = getattr(shared_service, method)(*args, **kwargs).result
    assert len(forked.calls) == before + 1
    call = forked.calls[-1]
    assert call["pid"] != os.getpid() and call["seconds"] == MIN_SECONDS  # a tiny model: the least
    assert differences(plain(there), plain(here)) == []  # one CPU thread there: the numbers promise


def test_what_needs_no_gpu_asks_for_none(zero):
    service, forked = zero
    before = len(forked.calls)
    service.tokenize(["tiny-gpt2", "tiny-bert"], "Hello 東京")
    service.model_names("generation")
    assert len(forked.calls) == before


def test_a_computations_error_comes_back_as_the_same_message(zero):
    service, _ = zero
    with pytest.raises(Exception) as there:
        service.fill_mask("tiny-bert", "no mask here")
    assert "[MASK]" in str(there.value)


def test_durations_grow_with_the_model_and_the_passes_and_are_capped():
    small = seconds_for(2_000_000, 1)
    gpt2 = seconds_for(250_000_000, 200)  # GPT-2 small in bfloat16, 200 tokens
    billion = seconds_for(2_000_000_000, 500)
    assert small == MIN_SECONDS and MIN_SECONDS <= gpt2 <= billion < MAX_SECONDS
    assert seconds_for(10**12, 10**6) == MAX_SECONDS
    # a fresh worker first moves every preloaded weight (here 20 GB, ~4 s at 5 GB/s)
    assert seconds_for(2_000_000, 1, packed_bytes=20 * 10**9) > seconds_for(2_000_000, 1)


def test_spaces_refusals_are_said_in_the_pages_language():
    from llm_playground.runtime.gpu_calls import GpuCalls, GpuWork

    class SpacesError(Exception):  # what spaces raises: gr.Error(message, title=...)
        def __init__(self, title, message):
            super().__init__(message)
            self.title, self.message = title, message

    def refuse(work):
        raise SpacesError("ZeroGPU quota exceeded", "You have exceeded your free ZeroGPU quota (12s requested vs. "
                                                    "3s left). Try again in 0:05:00.")

    calls = GpuCalls(refuse, zero=True, decorate=lambda duration: lambda task: task)
    with pytest.raises(PlaygroundError) as refused:
        calls.run(GpuWork("spec-task", ("x", "float32"), {}, 5))
    assert refused.value.message("en").startswith("The GPU time available here has run out for now: You have")
    assert refused.value.message("ja").startswith("ここで使える GPU 時間を今は使い切りました")


def test_zerogpu_is_read_as_spaces_reads_it_and_never_compiles(monkeypatch):
    from llm_playground.config import settings_from_args

    for value, zero in (("true", True), ("1", True), ("t", True), ("yes", False), ("", False)):
        monkeypatch.setenv("SPACES_ZERO_GPU", value)
        settings = settings_from_args([])
        assert settings.zero_gpu is zero and (settings.decode == "dynamic") is zero


def test_a_generation_streams_from_one_forked_call_and_equals_in_process(zero, shared_service):
    service, forked = zero
    before = len(forked.calls)
    kwargs = dict(max_new_tokens=12, do_sample=True, seed=7, temperature=0.9, num_sequences=2)
    there = service.generate("tiny-gpt2", "Once upon a time", **kwargs).result
    here = shared_service.generate("tiny-gpt2", "Once upon a time", **kwargs).result
    assert len(forked.calls) == before + 1 and forked.calls[-1]["items"] >= 2
    assert [s.completion for s in there.sequences] == [s.completion for s in here.sequences]
    assert differences(plain([[t.prob for t in s.tokens] for s in there.sequences]),
                       plain([[t.prob for t in s.tokens] for s in here.sequences])) == []


def test_stop_ends_a_forked_generation_within_a_step_and_keeps_what_was_made(zero, monkeypatch):
    """The page's Stop closes the GPU call's stream: the worker stops after its next step (as spaces' worker
    does), and the last state, marked stopped, keeps the tokens made."""
    service, forked = zero
    slow_down(service.manager.get("tiny-gpt2", "generation"), monkeypatch, 0.05)  # the fork inherits it
    run = service.generate_stream("tiny-gpt2", "Once upon a time", max_new_tokens=100, owner="page-1")
    states = iter(run.states)
    made = len(next(states).sequences[0].tokens)
    time.sleep(0.3)
    assert service.stop_generations("page-1")
    last = None
    for last in states:
        pass
    assert last is not None and last.stopped and last.done
    assert made <= len(last.sequences[0].tokens) < 40
    assert forked.calls[-1]["items"] < 40  # the worker stopped too, not only the reader


def test_prompt_logprobs_and_attention_run_in_forked_calls(zero, shared_service):
    service, forked = zero
    before = len(forked.calls)
    there = service.prompt_logprobs("tiny-gpt2", "Once upon a time", 3).result
    here = shared_service.prompt_logprobs("tiny-gpt2", "Once upon a time", 3).result
    assert differences(plain(there), plain(here)) == []
    att = service.attention("tiny-gpt2", "Once upon a time there was a girl").result
    ref = shared_service.attention("tiny-gpt2", "Once upon a time there was a girl").result
    assert len(forked.calls) == before + 2
    assert att.tokens == ref.tokens and differences(plain(att.attentions), plain(ref.attentions)) == []


def test_compare_runs_both_sides_and_the_scoring_in_one_forked_call(zero, shared_service):
    service, forked = zero
    before = len(forked.calls)
    kwargs = dict(model_a="tiny-gpt2", model_b="tiny-gpt2-b", max_new_tokens=10, do_sample_a=True, seed=5)
    there = service.compare("Once upon a time", **kwargs)
    here = shared_service.compare("Once upon a time", **kwargs)
    assert len(forked.calls) == before + 1 and there.values["seed"] == here.values["seed"]
    assert differences(plain(there.result), plain(here.result)) == []


def test_preload_loads_every_catalogue_model_once_and_names_each_it_could_not(models_dir):
    service = PlaygroundService(manager=ModelManager(Settings(models_dir=models_dir), hub_probe=lambda: False))
    try:
        failed = service.preload()
        loaded = {m.name for m in service.manager.loaded()}
        assert {"tiny-gpt2", "tiny-bert", "stories260K"} <= loaded
        assert len(failed) == len({line.split(":")[0] for line in failed})  # one line per model
        assert any(line.startswith("gpt2: ") for line in failed)  # a Hub model, offline
    finally:
        service.close()


def test_fine_tuning_is_off_on_zerogpu():
    assert Settings(allow_fine_tune=True).fine_tune and not Settings(allow_fine_tune=True, zero_gpu=True).fine_tune


def test_a_bad_input_found_in_the_worker_keeps_its_message_and_the_worker(zero):
    """spaces passes back only gr.Error: an InvalidInput raised by a task in the worker came back as "The GPU worker
    stopped before it finished (InvalidInput)" and the worker was thrown away."""
    service, _ = zero
    with pytest.raises(PlaygroundError) as refused:
        service.next_token("tiny-gpt2", "word " * 200)  # longer than tiny-gpt2's 128 positions: found by the task
    assert "128" in str(refused.value) and "worker" not in str(refused.value)
    assert refused.value.message("ja") != refused.value.message("en")


def test_a_generation_stopped_at_its_last_step_is_done_and_not_lost(zero):
    service, _ = zero
    stop = threading.Event()

    class Backend:  # what local_stream needs of a LocalGeneration
        loaded, decode = service.manager.get("tiny-gpt2", "generation"), "dynamic"

    params = GenerationParams(max_new_tokens=3).validated()
    states = service.local_stream(Backend, "Once upon a time", params, stop)
    seen = []
    for state in states:
        seen.append((len(state.sequences[0].tokens), state.done, state.stopped))
        if len(state.sequences[0].tokens) == 2:
            stop.set()
    assert seen[-1][1] and seen[-1][0] >= 2, seen  # the last state is handed on, done


def test_after_preload_on_zerogpu_nothing_else_loads_and_failed_models_are_not_offered(models_dir):
    forked = Forked()
    service = PlaygroundService(manager=ModelManager(Settings(models_dir=models_dir, zero_gpu=True),
                                                     hub_probe=lambda: False), gpu_decorate=forked)
    try:
        service.preload()
        assert "gpt2" not in service.catalog.entries  # a Hub model, offline: not preloaded, not offered
        with pytest.raises(PlaygroundError) as refused:
            service.generate("tiny-gpt2", "Once upon a time", dtype="float16", max_new_tokens=2)
        assert "loaded at start-up" in str(refused.value)
        assert service.generate("tiny-gpt2", "Once upon a time", max_new_tokens=2).result.done
    finally:
        service.close()


def test_preload_names_a_model_the_memory_budget_could_not_keep(models_dir):
    """On ZeroGPU nothing may load after the preload: a model evicted to make room for a later one was offered
    and then refused at its first use. It is named as failed and not offered."""
    settings = Settings(models_dir=models_dir, zero_gpu=True, memory_budget=1)  # room for one model at a time
    service = PlaygroundService(manager=ModelManager(settings, hub_probe=lambda: False), gpu_decorate=Forked())
    try:
        failed = service.preload()
        resident = {m.name for m in service.manager.loaded()}
        evicted = [line.split(":")[0] for line in failed if "evicted" in line]
        assert evicted and not set(evicted) & resident
        assert not set(evicted) & set(service.catalog.entries)
    finally:
        service.close()


def test_hub_models_are_offered_for_what_causal_lms_do():
    from llm_playground.config import settings_from_args
    from llm_playground.models.catalog import ZERO_GPU_HUB_MODELS, Catalog

    assert settings_from_args([]).hub_models == ()
    catalog = Catalog(None, allow_custom=False, hub_models=("HuggingFaceTB/SmolLM2-360M-Instruct",))
    assert "HuggingFaceTB/SmolLM2-360M-Instruct" in catalog.names("generation")
    assert "HuggingFaceTB/SmolLM2-360M-Instruct" not in catalog.names("fill-mask")
    with pytest.raises(SystemExit):
        settings_from_args(["--hub-models", "../etc/passwd"])
    names = set(ZERO_GPU_HUB_MODELS)
    assert {"HuggingFaceTB/SmolLM2-360M", "HuggingFaceTB/SmolLM2-360M-Instruct"} <= names  # a base/instruct pair


def test_zerogpu_defaults_preload_bfloat16_with_room_for_everything(monkeypatch):
    from llm_playground.config import settings_from_args
    from llm_playground.models.catalog import ZERO_GPU_HUB_MODELS

    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    settings = settings_from_args([])
    assert settings.dtype == "bfloat16" and settings.hub_models == ZERO_GPU_HUB_MODELS
    assert settings.memory_budget >= 16 * 1024**3 and not settings.fine_tune
    assert settings_from_args(["--hub-models", "none"]).hub_models == ()
    assert settings_from_args(["--custom-models"]).public  # a typed id or an unload would break every worker
