"""What instruction tuning changed: the instruct model's reply read by its base model, token by token.

The base model reads the same ids (the chat template's prompt, then the reply) in one teacher-forced pass; for each
reply token, its probability and rank under the base model say whether the base model would have written it too:
*unshifted* (rank 1: the base model's own top choice), *marginal* (rank 2 or 3) or *shifted* (rank 4 or worse),
as in Lin et al.'s "The Unlocking Spell on Base LLMs" (Re-Align, 2023). A rank is 1 + the number of tokens the base
model finds strictly more likely, so a token tied with the top one is unshifted. Models whose vocabularies differ
read different ids and cannot be compared: refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import InvalidInput

UNSHIFTED, MARGINAL, SHIFTED = "unshifted", "marginal", "shifted"
MARGINAL_RANK = 3  # ranks 2..3 are marginal, beyond are shifted


def label(rank: int) -> str:
    return UNSHIFTED if rank == 1 else MARGINAL if rank <= MARGINAL_RANK else SHIFTED


@dataclass
class ShiftedToken:
    id: int
    base_prob: float
    base_rank: int
    label: str


@dataclass
class Shift:
    tokens: list[ShiftedToken]

    def shares(self) -> dict[str, float]:
        n = max(1, len(self.tokens))
        return {name: sum(t.label == name for t in self.tokens) / n for name in (UNSHIFTED, MARGINAL, SHIFTED)}

    def to_dict(self) -> dict:
        return {"tokens": [t.__dict__ for t in self.tokens], "shares": self.shares()}


def same_vocabulary(instruct_tokenizer, base_tokenizer, instruct: str, base: str) -> None:
    if instruct_tokenizer.get_vocab() != base_tokenizer.get_vocab():
        raise InvalidInput("chat.vocab_differs", instruct=instruct, base=base)


def shift(base_loaded, prompt_ids: list[int], reply_ids: list[int]) -> Shift:
    """Each reply token's probability and rank under the base model, given the prompt and the reply before it."""
    if not reply_ids:
        return Shift([])
    if not prompt_ids:  # the first reply token is predicted from the prompt's last position
        raise InvalidInput("chat.no_prompt")
    from .validation import out_of_memory_as_error

    ids = torch.tensor([prompt_ids + reply_ids], device=base_loaded.device)
    with base_loaded.lock, torch.inference_mode(), out_of_memory_as_error(base_loaded.name):
        logits = base_loaded.model(input_ids=ids).logits[0, len(prompt_ids) - 1: -1].float()
    probs = torch.softmax(logits, dim=-1)
    chosen = torch.tensor(reply_ids, device=probs.device)
    p = probs.gather(1, chosen[:, None])[:, 0]
    ranks = (probs > p[:, None]).sum(-1) + 1
    return Shift([ShiftedToken(int(i), float(q), int(r), label(int(r)))
                  for i, q, r in zip(reply_ids, p.tolist(), ranks.tolist())])
