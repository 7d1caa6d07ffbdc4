"""The next-token distribution for a prompt, and what temperature, top-k and top-p leave of it.

preprocess: prompt -> ids (as the Generate tab feeds them); forward: one pass, the last position's
logits; postprocess: the raw distribution (softmax at temperature 1) and the distribution sampling
really draws from, built with the same warpers and in the same order as transformers' generate():
temperature, then top-k, then top-p (top-p reads the tempered, top-k-cut distribution).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from .encoder import usable_positions
from .generation import Detokenizer, GenerationParams, encode_prompt
from .sampler import apply_filters

MIN_LISTED, MAX_LISTED, BEYOND_TOP_K = 20, 100, 10


@dataclass
class Candidate:
    token: str  # how the token reads after the prompt (leading space kept)
    id: int
    prob: float  # softmax of the raw logits (temperature 1)
    prob_after_filters: float  # in the distribution sampling draws from
    kept: bool
    removed_by: str | None = None  # "top_k" or "top_p" for a token the filters removed


@dataclass
class NextTokenResult:
    tokens: list[str]  # the prompt's tokens, as the tokenizer names them
    ids: list[int]
    candidates: list[Candidate]
    kept_count: int  # tokens of the whole vocabulary that survive the filters
    vocab_size: int

    def to_dict(self, model: str) -> dict:
        return {"model": model, "tokens": self.tokens, "ids": self.ids, "kept_count": self.kept_count,
                "vocab_size": self.vocab_size, "candidates": [asdict(c) for c in self.candidates]}


def preprocess(loaded, prompt: str) -> torch.Tensor:
    from ..errors import InvalidInput

    ids = encode_prompt(loaded.tokenizer, prompt)
    limit = usable_positions(loaded.model.config)
    if limit and ids.shape[1] > limit:
        raise InvalidInput("next_token.too_long", n=ids.shape[1], model=loaded.name, limit=limit)
    return ids


def forward(loaded, ids: torch.Tensor) -> torch.Tensor:
    """The logits for the token after the prompt (float32, on the CPU)."""
    from ..backends.decode_steps import last_logits_only
    from .validation import out_of_memory_as_error

    with loaded.lock, torch.inference_mode(), out_of_memory_as_error(loaded.name):
        out = loaded.model(input_ids=ids.to(loaded.device), **last_logits_only(loaded.model))
    return out.logits[0, -1].float().cpu()


def filtered(logits: torch.Tensor, top_k: int, temperature: float, top_p: float) -> tuple[torch.Tensor, dict]:
    """(probabilities after the filters, {filter name: mask of the tokens it removed}): the processors a
    sampled generation with these settings runs, applied as the Generate tab's sampler view applies them."""
    procs = GenerationParams(do_sample=True, temperature=temperature, top_k=top_k, top_p=top_p).processors()
    done = apply_filters(procs, None, logits[None])
    return done.after[0], {name: mask[0] for name, mask in done.removed}


def postprocess(loaded, ids: torch.Tensor, logits: torch.Tensor, top_k: int, temperature: float,
                top_p: float) -> NextTokenResult:
    raw = torch.softmax(logits, dim=-1)
    after, removed = filtered(logits, top_k, temperature, top_p)
    listed = min(max(top_k + BEYOND_TOP_K, MIN_LISTED), MAX_LISTED, raw.shape[0])
    detok = Detokenizer(loaded.tokenizer, ids[0].tolist())
    candidates = []
    for prob, index in zip(*raw.topk(listed)):
        i = int(index)
        by = next((name for name, mask in removed.items() if mask[i]), None)
        candidates.append(Candidate(detok.alternative(i), i, float(prob), float(after[i]), by is None, by))
    prompt_ids = ids[0].tolist()
    return NextTokenResult(loaded.tokenizer.convert_ids_to_tokens(prompt_ids), prompt_ids, candidates,
                           int((after > 0).sum()), raw.shape[0])


def next_token(loaded, prompt: str, top_k: int = 20, temperature: float = 1.0, top_p: float = 1.0) -> NextTokenResult:
    ids = preprocess(loaded, prompt)
    return postprocess(loaded, ids, forward(loaded, ids), top_k, temperature, top_p)
