"""Base vs instruct (tasks/chat_shift.py): each reply token's probability and rank under the base model, from one
teacher-forced pass, against an independent computation (one forward per prefix), with ties and the rank
boundaries made exactly."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from llm_playground.errors import InvalidInput
from llm_playground.models.loaded import LoadedModel
from llm_playground.tasks.chat_shift import MARGINAL, SHIFTED, UNSHIFTED, label, same_vocabulary, shift


def test_labels_follow_the_base_models_rank_against_a_prefix_by_prefix_computation(shared_manager):
    base = shared_manager.get("tiny-gpt2-b", "generation")
    prompt, reply = [5, 17, 42, 8], [3, 99, 3, 250, 7, 7, 64]
    result = shift(base, prompt, reply)
    for j, token in enumerate(reply):
        with torch.no_grad():
            logits = base.model(torch.tensor([prompt + reply[:j]])).logits[0, -1]
        probs = torch.softmax(logits.double(), -1)
        order = probs.argsort(descending=True).tolist()
        rank = order.index(token) + 1
        while rank > 1 and probs[order[rank - 2]] == probs[token]:  # a tie shares the better rank
            rank -= 1
        got = result.tokens[j]
        assert got.id == token and got.base_rank == rank and got.label == label(rank)
        assert got.base_prob == pytest.approx(float(probs[token]), abs=1e-6)
    assert sum(result.shares().values()) == pytest.approx(1.0)


class Fixed(torch.nn.Module):
    """A 'model' whose next-token logits are the same row at every position."""

    def __init__(self, row: list[float]):
        super().__init__()
        self.row = torch.tensor(row)

    def forward(self, input_ids):
        return SimpleNamespace(logits=self.row.expand(1, input_ids.shape[1], -1))


def test_ties_and_the_rank_boundaries():
    # token 0 ties token 1 for the top; 2 is third best (rank 3); 3 is fourth (rank 4)
    model = Fixed([5.0, 5.0, 4.0, 3.0, 1.0])
    loaded = LoadedModel(SimpleNamespace(name="fixed", source=""), model, None, "cpu", torch.float32, 0, set(), 0.0)
    result = shift(loaded, [1], [0, 1, 2, 3, 4])
    assert [t.base_rank for t in result.tokens] == [1, 1, 3, 4, 5]
    assert [t.label for t in result.tokens] == [UNSHIFTED, UNSHIFTED, MARGINAL, SHIFTED, SHIFTED]
    assert label(2) == MARGINAL and label(3) == MARGINAL and label(4) == SHIFTED
    assert result.shares() == {UNSHIFTED: 0.4, MARGINAL: 0.2, SHIFTED: 0.4}


def test_different_vocabularies_are_refused(shared_manager):
    a = shared_manager.get("tiny-gpt2", "generation").tokenizer
    b = shared_manager.get("stories260K", "generation").tokenizer
    same_vocabulary(a, shared_manager.get("tiny-gpt2-b", "generation").tokenizer, "tiny-gpt2", "tiny-gpt2-b")
    with pytest.raises(InvalidInput) as refused:
        same_vocabulary(a, b, "tiny-gpt2", "stories260K")
    assert refused.value.key == "chat.vocab_differs"


def test_an_empty_prompt_is_refused(shared_manager):
    with pytest.raises(InvalidInput) as refused:
        shift(shared_manager.get("tiny-gpt2-b", "generation"), [], [3, 4])
    assert refused.value.key == "chat.no_prompt"
