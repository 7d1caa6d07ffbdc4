"""Generation task: greedy equals model.generate, probabilities equal an independent softmax."""

from __future__ import annotations

import math
import threading

import pytest
import torch

from llm_playground.backends.local import generate, stream_generate
from llm_playground.errors import ClientGone, InvalidInput
from llm_playground.models.catalog import GENERATION
from llm_playground.runtime.workers import Workers
from llm_playground.tasks.generation import GenerationParams, encode_prompt


def raw_greedy(loaded, prompt: str, n: int) -> list[int]:
    tok, model = loaded.tokenizer, loaded.model
    ids = encode_prompt(tok, prompt)
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, do_sample=False)
    return out[0, ids.shape[1]:].tolist()


@pytest.mark.parametrize("name,prompt", [
    ("stories260K", "Once upon a time"),
    ("tiny-gpt2", "Hello world"),
    ("tiny-ja-gpt2", "羽田空港に到着、東京の街は"),
])
def test_greedy_equals_model_generate(shared_manager, name, prompt):
    loaded = shared_manager.get(name, GENERATION)
    state = generate(loaded, prompt, GenerationParams(max_new_tokens=30))
    ids = [t.id for t in state.sequences[0].tokens]
    assert ids == raw_greedy(loaded, prompt, 30)[: len(ids)]


def test_real_model_is_coherent(shared_manager):
    loaded = shared_manager.get("stories260K", GENERATION)
    completion = generate(loaded, "Once upon a time", GenerationParams(max_new_tokens=20)).sequences[0].completion
    assert completion.startswith(", there was a little girl named Lily")


def test_token_probabilities_match_independent_softmax(shared_manager):
    loaded = shared_manager.get("stories260K", GENERATION)
    state = generate(loaded, "Once upon a time", GenerationParams(max_new_tokens=12))
    tokens = state.sequences[0].tokens
    prompt_ids = encode_prompt(loaded.tokenizer, "Once upon a time")[0].tolist()
    full = torch.tensor([prompt_ids + [t.id for t in tokens]])
    with torch.no_grad():
        probs = torch.softmax(loaded.model(full).logits[0].double(), dim=-1)
    for i, tok in enumerate(tokens):
        expected = probs[len(prompt_ids) - 1 + i]
        assert tok.prob == pytest.approx(expected[tok.id].item(), abs=1e-5)
        top = expected.topk(5)
        assert [a.id for a in tok.top] == top.indices.tolist()
        assert [a.prob for a in tok.top] == pytest.approx(top.values.tolist(), abs=1e-5)
    # pieces concatenate exactly to the completion
    assert "".join(t.token for t in tokens) == state.sequences[0].completion


def test_sampling_is_reproducible_by_seed(shared_manager):
    loaded = shared_manager.get("stories260K", GENERATION)
    p = dict(max_new_tokens=25, do_sample=True, temperature=1.2, top_k=0)
    a = generate(loaded, "Once upon a time", GenerationParams(**p, seed=7)).sequences[0].completion
    b = generate(loaded, "Once upon a time", GenerationParams(**p, seed=7)).sequences[0].completion
    c = generate(loaded, "Once upon a time", GenerationParams(**p, seed=8)).sequences[0].completion
    assert a == b and a != c


def test_sampling_matches_generate_processors(shared_manager):
    """Top-k=1 sampling must equal greedy: the filters are applied before drawing."""
    loaded = shared_manager.get("stories260K", GENERATION)
    greedy = generate(loaded, "Once upon a time", GenerationParams(max_new_tokens=15)).sequences[0].completion
    topk1 = generate(loaded, "Once upon a time",
                     GenerationParams(max_new_tokens=15, do_sample=True, top_k=1, seed=3)).sequences[0].completion
    assert greedy == topk1


def test_no_repeat_ngram_prevents_repeats(shared_manager):
    loaded = shared_manager.get("tiny-gpt2", GENERATION)  # random weights loop quickly
    ids = [t.id for t in generate(loaded, "Hello", GenerationParams(max_new_tokens=40, no_repeat_ngram_size=2))
           .sequences[0].tokens]
    pairs = list(zip(ids, ids[1:]))
    assert len(pairs) == len(set(pairs))


def test_repetition_penalty_matches_generate(shared_manager):
    loaded = shared_manager.get("tiny-gpt2", GENERATION)
    ids = encode_prompt(loaded.tokenizer, "Hello")
    raw = loaded.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=20,
                                do_sample=False, repetition_penalty=1.5)[0, ids.shape[1]:].tolist()
    ours = [t.id for t in generate(loaded, "Hello", GenerationParams(max_new_tokens=20, repetition_penalty=1.5))
            .sequences[0].tokens]
    assert ours == raw[: len(ours)]


def test_several_sequences(shared_manager):
    loaded = shared_manager.get("stories260K", GENERATION)
    state = generate(loaded, "Once upon a time",
                     GenerationParams(max_new_tokens=10, do_sample=True, num_sequences=3, seed=1))
    assert len(state.sequences) == 3 and all(s.tokens for s in state.sequences)


def test_stop_event_stops_generation(shared_manager):
    loaded = shared_manager.get("stories260K", GENERATION)
    stop = threading.Event()
    steps = 0
    for state in stream_generate(loaded, "Once upon a time", GenerationParams(max_new_tokens=200), stop=stop):
        steps += 1
        if steps == 5:
            stop.set()
    assert state.stopped and state.new_tokens == 5


def test_japanese_decoding_keeps_text(shared_manager):
    loaded = shared_manager.get("tiny-ja-gpt2", GENERATION)
    prompt = "羽田空港に到着、東京の街は"
    state = generate(loaded, prompt, GenerationParams(max_new_tokens=15))
    ids = encode_prompt(loaded.tokenizer, prompt)[0].tolist() + [t.id for t in state.sequences[0].tokens]
    full = loaded.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)
    assert full == prompt + state.sequences[0].completion
    assert encode_prompt(loaded.tokenizer, prompt)[0, -1].item() != loaded.tokenizer.eos_token_id


@pytest.mark.parametrize("field,value", [
    ("max_new_tokens", 0), ("max_new_tokens", 10_000), ("max_new_tokens", 2.5),
    ("temperature", 0), ("temperature", math.nan), ("temperature", math.inf),
    ("top_p", 0), ("top_p", 1.5), ("top_k", -1), ("repetition_penalty", 0), ("seed", 2**70),
    ("num_sequences", 0), ("no_repeat_ngram_size", -1),
])
def test_bad_parameters_rejected(shared_service, field, value):
    with pytest.raises(InvalidInput, match=field):
        shared_service.generate("stories260K", "Once upon a time", do_sample=True, **{field: value})


@pytest.mark.parametrize("prompt", ["", "   \n", "x" * 100_000, "bad \ud800 surrogate"])
def test_bad_prompts_rejected(shared_service, prompt):
    with pytest.raises(InvalidInput):
        shared_service.generate("stories260K", prompt, max_new_tokens=5)


def test_context_limit(shared_manager):
    loaded = shared_manager.get("tiny-gpt2", GENERATION)  # n_positions = 128
    with pytest.raises(InvalidInput, match="context"):
        generate(loaded, "Hello world " * 60, GenerationParams(max_new_tokens=100))


def test_background_stream_stops_producer_when_closed(shared_manager):
    """Closing the consumer (Stop button / client disconnect) ends the generation thread."""
    workers = Workers()
    loaded = shared_manager.get("stories260K", GENERATION)
    produced = []

    def produce(stop):
        for state in stream_generate(loaded, "Once upon a time", GenerationParams(max_new_tokens=400), stop=stop):
            produced.append(state.new_tokens)
            yield state

    stream = workers.latest(produce)
    next(stream)
    stream.close()
    assert workers.active == 0
    assert produced[-1] < 400
    workers.shutdown()  # its lead thread would keep an OpenMP team alive for the rest of the session (cores.py)


def test_background_stream_reraises_errors():
    def produce(stop):
        yield 1
        raise InvalidInput("boom")

    workers = Workers()
    with pytest.raises(InvalidInput, match="boom"):
        list(workers.latest(produce))
    workers.shutdown()


def test_token_dicts_are_what_asdict_gives(shared_manager):
    """GeneratedToken.to_dict (the API's tokens, the tab's chips and table) is dataclasses.asdict with the API's
    names (`after` is prob_after_filters), and without what the filters did unless asked."""
    from dataclasses import asdict

    def renamed(d: dict, filters: bool) -> dict:
        after, removed_by = d.pop("after"), d.pop("removed_by", None)
        kept, removed = d.pop("kept", None), d.pop("removed", None)
        if filters:
            d["prob_after_filters"] = after
            d |= {"kept": kept, "removed": removed} if "top" in d else {"removed_by": removed_by}
        if "top" in d:
            d["top"] = [renamed(a, filters) for a in d["top"]]
        return d

    loaded = shared_manager.get("stories260K", "generation")
    state = generate(loaded, "Once upon a time", GenerationParams(max_new_tokens=12))
    tokens = state.sequences[0].tokens
    assert [t.to_dict() for t in tokens] == [renamed(asdict(t), True) for t in tokens]
    assert state.to_dict("m", "cpu", filters=False)["tokens"] == [renamed(asdict(t), False) for t in tokens]


def test_a_streams_producer_runs_in_the_requests_context():
    """gradio's progress (e.g. "Compiling … decode step") reads the request from context variables: a
    producer on a model thread must see the caller's, or its progress never reaches the page."""
    import contextvars

    request = contextvars.ContextVar("request", default=None)
    request.set("page-1")
    workers = Workers(2)
    seen = list(workers.latest(lambda stop: iter([request.get()])))
    workers.shutdown()
    assert seen == ["page-1"]


def test_a_whole_generation_waiting_for_a_local_slot_ends_when_its_caller_stops_it(service):
    """REST's /generate passes the event it sets on a disconnect: a request still queued behind the local
    slots (all taken) must end then, not hold its model thread until a slot frees and compute for nobody."""
    from llm_playground.service.generations import CONCURRENCY

    slots = service.generations._local_slots
    for _ in range(CONCURRENCY):
        slots.acquire()
    stop, outcome = threading.Event(), {}
    try:
        def generate():
            try:
                outcome["out"] = service.generate("tiny-gpt2", "Hello", stop=stop, max_new_tokens=5)
            except ClientGone as exc:  # nothing was made: the caller is told it left
                outcome["gone"] = exc

        waiting = threading.Thread(target=generate)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # queued: every slot is taken
        stop.set()
        waiting.join(10)
        assert not waiting.is_alive(), "still waiting for a slot after its caller stopped it"
        assert "gone" in outcome, outcome
    finally:
        for _ in range(CONCURRENCY):
            slots.release()


def test_a_whole_generation_whose_caller_left_loads_and_computes_nothing(service, monkeypatch):
    """A REST client that left before its generation began: the model thread must not load the model, measure
    the prompt or run the prefill for nobody (the review of #33 found them all still done)."""
    calls = []
    monkeypatch.setattr(service, "generation_backend", lambda *a, **k: calls.append(a))
    stop = threading.Event()
    stop.set()
    with pytest.raises(ClientGone):
        service.generate("tiny-gpt2", "Hello", stop=stop, max_new_tokens=5)
    with pytest.raises(ClientGone):
        service.generate("tiny-gpt2", "Hello", keep_going=lambda: False, max_new_tokens=5)
    assert calls == []


def test_a_stream_stopped_before_its_prefill_runs_no_forward(shared_manager):
    from llm_playground.backends.local import LocalGeneration

    loaded = shared_manager.get("stories260K", "generation")
    forwards = []
    backend, params = LocalGeneration(loaded), GenerationParams(max_new_tokens=5).validated()
    backend.prepare("Once", params)
    real = loaded.model.forward
    stop = threading.Event()
    stop.set()
    try:
        loaded.model.forward = lambda *a, **k: (forwards.append(1), real(*a, **k))[1]
        states = list(backend.stream("Once", params, stop))
    finally:
        loaded.model.forward = real
    assert forwards == [] and states[-1].stopped and states[-1].done and states[-1].new_tokens == 0
