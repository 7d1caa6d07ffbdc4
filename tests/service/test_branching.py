"""Branching (prefix_ids) and the sampler's filter view, against plain transformers."""

from __future__ import annotations

import pytest
import torch
from transformers import (LogitsProcessorList, RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper,
                          TopKLogitsWarper, TopPLogitsWarper)

from llm_playground.backends.local import generate
from llm_playground.errors import InvalidInput
from llm_playground.models.catalog import GENERATION
from llm_playground.tasks.generation import GenerationParams, encode_prompt

PROMPT = "Once upon a time"


def greedy_ids(loaded, ids: list[int], n: int) -> list[int]:
    """Plain transformers: model.generate greedy continuation of `ids`."""
    x = torch.tensor([ids])
    out = loaded.model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=n, do_sample=False)
    return out[0, x.shape[1]:].tolist()


@pytest.mark.parametrize("name", ["stories260K", "tiny-gpt2"])
@pytest.mark.parametrize("step,rank", [(0, 1), (3, 2), (7, 1)])
def test_branch_equals_model_generate_from_the_forced_prefix(shared_manager, name, step, rank):
    loaded = shared_manager.get(name, GENERATION)
    first = generate(loaded, PROMPT, GenerationParams(max_new_tokens=12)).sequences[0].tokens
    chosen = first[step].top[rank].id  # an alternative the model did not pick
    assert chosen != first[step].id
    prefix = [t.id for t in first[:step]] + [chosen]
    branch = generate(loaded, PROMPT, GenerationParams(max_new_tokens=10, prefix_ids=prefix)).sequences[0]
    prompt_ids = encode_prompt(loaded.tokenizer, PROMPT)[0].tolist()
    ids = [t.id for t in branch.tokens]
    assert ids[:len(prefix)] == prefix
    assert [t.forced for t in branch.tokens] == [True] * len(prefix) + [False] * (len(ids) - len(prefix))
    expected = greedy_ids(loaded, prompt_ids + prefix, 10)
    assert ids[len(prefix):] == expected[:len(ids) - len(prefix)]
    # the forced tokens keep the probabilities the first run gave them (same context, same model)
    for before, again in zip(first[:step], branch.tokens):
        assert again.prob == pytest.approx(before.prob, abs=1e-5)
    assert branch.tokens[step].prob == pytest.approx(first[step].top[rank].prob, abs=1e-5)
    assert "".join(t.token for t in branch.tokens) == branch.completion


def independent_filters(logits: torch.Tensor, ids: list[int], p: GenerationParams) -> torch.Tensor:
    procs = LogitsProcessorList()
    if p.repetition_penalty != 1.0:
        procs.append(RepetitionPenaltyLogitsProcessor(p.repetition_penalty))
    if p.do_sample:
        procs.append(TemperatureLogitsWarper(p.temperature))
        procs += [TopKLogitsWarper(p.top_k)] if p.top_k else []
        procs += [TopPLogitsWarper(p.top_p)] if p.top_p < 1 else []
    return torch.softmax(procs(torch.tensor([ids]), logits[None].clone()), dim=-1)[0]


@pytest.mark.parametrize("settings", [
    dict(do_sample=True, temperature=0.8, top_k=10, top_p=0.9, repetition_penalty=1.3, seed=3),
    dict(do_sample=True, temperature=1.5, top_k=0, top_p=0.7, seed=11),
    dict(do_sample=True, temperature=0.5, top_k=4, top_p=1.0, seed=5),
    dict(do_sample=False, repetition_penalty=1.5),
])
def test_post_filter_probabilities_equal_the_warpers(shared_manager, settings):
    loaded = shared_manager.get("stories260K", GENERATION)
    params = GenerationParams(max_new_tokens=15, alternatives=10, **settings).validated()
    tokens = generate(loaded, PROMPT, params).sequences[0].tokens
    ids = encode_prompt(loaded.tokenizer, PROMPT)[0].tolist()
    for tok in tokens:
        with torch.no_grad():
            logits = loaded.model(torch.tensor([ids])).logits[0, -1].float()
        after = independent_filters(logits, ids, params)
        assert tok.after == pytest.approx(after[tok.id].item(), abs=1e-5)
        assert tok.after > 0, "the sampled token must have survived every filter"
        assert tok.kept == int((after > 0).sum()) or not params.do_sample
        for alt in tok.top:
            assert alt.after == pytest.approx(after[alt.id].item(), abs=1e-5)
            assert (alt.removed_by is None) == (after[alt.id].item() > 0)
        if not params.do_sample:
            assert tok.id == int(after.argmax()), "greedy takes the top-1 after the penalty"
        ids.append(tok.id)


def test_removed_by_names_the_filter(shared_manager):
    loaded = shared_manager.get("stories260K", GENERATION)
    params = GenerationParams(max_new_tokens=5, do_sample=True, top_k=2, top_p=1.0, alternatives=10, seed=1)
    tokens = generate(loaded, PROMPT, params).sequences[0].tokens
    for tok in tokens:
        assert tok.kept == 2
        assert [a.removed_by for a in tok.top] == [None, None] + ["top_k"] * 8


def test_prefix_ids_are_checked(shared_service):
    with pytest.raises(InvalidInput, match="not in stories260K's vocabulary"):
        shared_service.generate("stories260K", PROMPT, prefix_ids=[10**6])
    with pytest.raises(InvalidInput, match="token ids"):
        shared_service.generate("stories260K", PROMPT, prefix_ids="1, x")
    with pytest.raises(InvalidInput, match="token ids"):
        shared_service.generate("stories260K", PROMPT, prefix_ids=[-1])
    out = shared_service.generate("stories260K", PROMPT, prefix_ids="5, 6", max_new_tokens=2)
    assert [t.id for t in out.result.sequences[0].tokens][:2] == [5, 6]
    assert out.values["prefix_ids"] == [5, 6]


def test_the_pages_tree_of_branches(shared_service):
    """ui/tabs/generation_branches.py: a branch records where it left its parent and what it replaced; the same branch run again
    replaces itself; other settings start a new tree; a page keeps at most MAX_BRANCHES."""
    from llm_playground.ui.tabs import generation_branches as branches

    def run(prefix=(), **kw):
        r = shared_service.generate_stream("stories260K", PROMPT, max_new_tokens=6, prefix_ids=list(prefix), **kw)
        state = None
        for state in r.states:
            pass
        return state, r

    first = run()
    tree = branches.add(None, *first)
    ids = branches.ids_of(first[0])
    alt = first[0].sequences[0].tokens[2].top[1]
    tree = branches.add(tree, *run(ids[:2] + [alt.id]))
    assert len(tree.branches) == 2 and tree.current == 1
    branch = tree.shown
    assert (branch.step, branch.depth, branch.was) == (2, 1, first[0].sequences[0].tokens[2].token)
    assert "step 3" in branches.label(branch, "en") and "ステップ 3" in branches.label(branch, "ja")
    assert branches.add(tree, *run(ids[:2] + [alt.id])).branches[1].prefix == branch.prefix  # replaced, not added
    assert len(branches.add(tree, *run(temperature=0.5, do_sample=True)).branches) == 1  # other settings: new tree
    for token_id in range(5, 5 + branches.MAX_BRANCHES + 3):
        tree = branches.add(tree, *run([token_id]))
    assert len(tree.branches) == branches.MAX_BRANCHES and tree.branches[0].prefix == []
