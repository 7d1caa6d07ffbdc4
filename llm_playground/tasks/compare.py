"""Two generations side by side: the same prompt on two models (or two settings of one), and what each model
thinks of the other's text.

The generations themselves come from the local backend (one per side, same prompt and seed). When both
sides read the same vocabulary, each side's text is then scored by both models in one teacher-forced pass
each (preprocess: prompt + that side's tokens; forward: the logits at every generated position;
postprocess: per position the probability each model gives the token written there, and the KL divergence
between their next-token distributions, in bits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from .generation import GenerationState, encode_prompt
from .validation import out_of_memory_as_error

LN2 = math.log(2)


@dataclass
class ComparedToken:
    token: str
    id: int
    prob: float  # under this side's own model (what its generation reported)
    other_prob: float | None = None  # under the other side's model, same context (None: tokenizers differ)
    kl_bits: float | None = None  # KL(this side's model ‖ the other's) of the next-token distributions here

    def to_dict(self) -> dict:
        return {"token": self.token, "id": self.id, "prob": self.prob, "other_prob": self.other_prob,
                "kl_bits": self.kl_bits}


@dataclass
class Side:
    model: str
    dtype: str
    settings: dict  # do_sample, temperature: what differs per side
    completion: str
    tokens: list[ComparedToken] = field(default_factory=list)
    seed: int = 0

    @property
    def mean_kl_bits(self) -> float | None:
        values = [t.kl_bits for t in self.tokens if t.kl_bits is not None]
        return sum(values) / len(values) if values else None

    def to_dict(self) -> dict:
        return {"model": self.model, "dtype": self.dtype, **self.settings, "seed": self.seed,
                "completion": self.completion, "mean_kl_bits": self.mean_kl_bits,
                "tokens": [t.to_dict() for t in self.tokens]}


@dataclass
class Comparison:
    prompt: str
    a: Side
    b: Side
    shared_vocabulary: bool

    @property
    def first_difference(self) -> int | None:
        """The first step (0-based) where the two texts took different tokens; None when one continues the other."""
        ids_a, ids_b = [t.id for t in self.a.tokens], [t.id for t in self.b.tokens]
        return next((i for i, (x, y) in enumerate(zip(ids_a, ids_b)) if x != y), None)

    def to_dict(self) -> dict:
        return {"prompt": self.prompt, "shared_vocabulary": self.shared_vocabulary,
                "first_difference": self.first_difference, "a": self.a.to_dict(), "b": self.b.to_dict()}


def same_vocabulary(tok_a, tok_b) -> bool:
    return tok_a is tok_b or (len(tok_a) == len(tok_b) and tok_a.get_vocab() == tok_b.get_vocab())


def side(name: str, dtype: str, state: GenerationState) -> Side:
    seq, p = state.sequences[0], state.params
    settings = {"do_sample": p.do_sample, "temperature": p.temperature}
    return Side(name, dtype, settings, seq.completion, [ComparedToken(t.token, t.id, t.prob) for t in seq.tokens],
                p.seed)


def forward(loaded, ids: list[int], generated: int) -> torch.Tensor:
    """Log-probabilities (float64, CPU) of the next token at each of the last `generated` positions' contexts."""
    x = torch.tensor([ids], device=loaded.device)
    with loaded.lock, torch.inference_mode(), out_of_memory_as_error(loaded.name):
        logits = loaded.model(input_ids=x).logits[0]
    return torch.log_softmax(logits[-generated - 1:-1].double().cpu(), dim=-1)


def score(this: Side, own, other, prompt_ids: list[int]) -> None:
    """Fill this side's other_prob and kl_bits: both models read prompt + this side's tokens."""
    if not this.tokens:
        return
    ids, n = prompt_ids + [t.id for t in this.tokens], len(this.tokens)
    mine, theirs = forward(own, ids, n), forward(other, ids, n)
    vocab = min(mine.shape[-1], theirs.shape[-1])  # padded embedding rows beyond the vocabulary are never written
    mine, theirs = mine[:, :vocab], theirs[:, :vocab]
    kl = (mine.exp() * (mine - theirs)).sum(-1) / LN2
    for i, tok in enumerate(this.tokens):
        tok.other_prob = float(theirs[i, tok.id].exp())
        tok.kl_bits = max(0.0, float(kl[i]))  # rounding can leave -1e-17


def compare(prompt: str, loaded_a, state_a: GenerationState, loaded_b, state_b: GenerationState, names: tuple,
            dtypes: tuple) -> Comparison:
    a, b = side(names[0], dtypes[0], state_a), side(names[1], dtypes[1], state_b)
    shared = same_vocabulary(loaded_a.tokenizer, loaded_b.tokenizer)
    prompt_a = encode_prompt(loaded_a.tokenizer, prompt)[0].tolist()
    shared = shared and prompt_a == encode_prompt(loaded_b.tokenizer, prompt)[0].tolist()
    if shared:
        score(a, loaded_a, loaded_b, prompt_a)
        score(b, loaded_b, loaded_a, prompt_a)
    return Comparison(prompt, a, b, shared)
