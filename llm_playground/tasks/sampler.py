"""What the sampler did at one generation step: each logits processor applied in turn, noting what it removed.

generate() runs a LogitsProcessorList over the raw logits and samples from (or takes the argmax of) the
result. Applying the same processors one at a time gives the same scores, and between them we can see
which tokens each filter set to -inf (top-k, top-p, no-repeat-n-gram) - computed once, during the
generation, from the logits the step already has (no extra forward).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import (LogitsProcessorList, NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor,
                          TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper)

FILTER_NAMES = {RepetitionPenaltyLogitsProcessor: "repetition_penalty", NoRepeatNGramLogitsProcessor: "no_repeat_ngram",
                TemperatureLogitsWarper: "temperature", TopKLogitsWarper: "top_k", TopPLogitsWarper: "top_p"}


@dataclass
class Filtered:
    """One step's processed scores (what the pick reads) and which tokens each filter removed."""
    scores: torch.Tensor  # [rows, vocab], on the model's device
    after: torch.Tensor  # softmax(scores) on the CPU: the distribution sampled from
    removed: list[tuple[str, torch.Tensor]]  # (filter name, [rows, vocab] bool mask on the CPU), in order

    def removed_by(self, row: int, token_id: int) -> str | None:
        return next((name for name, mask in self.removed if mask[row, token_id]), None)

    def counts(self, row: int) -> dict[str, int]:
        """How many tokens each filter removed from this row's vocabulary."""
        return {name: int(mask[row].sum()) for name, mask in self.removed}

    def kept(self, row: int) -> int:
        """Tokens of the vocabulary still possible after every filter (softmax underflow does not count)."""
        return int(torch.isfinite(self.scores[row]).sum())


def apply_filters(procs: LogitsProcessorList, ids: torch.Tensor, logits: torch.Tensor) -> Filtered:
    """The processors one by one, in order, as LogitsProcessorList.__call__ runs them."""
    scores, removed = logits.clone(), []  # processors edit their input in place
    for proc in procs:
        before = torch.isfinite(scores)
        scores = proc(ids, scores)
        gone = before & ~torch.isfinite(scores)
        if gone.any():
            removed.append((FILTER_NAMES.get(type(proc), type(proc).__name__), gone.cpu()))
    return Filtered(scores, torch.softmax(scores, dim=-1).cpu(), removed)
