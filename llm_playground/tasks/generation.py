"""Text generation, the model-free parts: per-step state, prompt encoding, decoding pieces (the parameters are in
generation_params.py).

The decode loop itself (the forward) lives in a backend: backends/local.py runs the model in this
process, an engine backend asks a server. Every backend yields the same GenerationState after each
step: the model's own next-token distribution (softmax of the raw logits, temperature 1, before any
sampling filter), its top alternatives, and the token actually picked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..errors import InvalidInput
# the parameters live beside this module; imported from here too, with the state they belong to
from .generation_params import MAX_ALTERNATIVES, TOP_N, GenerationParams, token_ids  # noqa: F401
from .sampler import Filtered

@dataclass
class Alternative:
    token: str
    id: int
    prob: float
    after: float | None = None  # its probability after the sampling filters (None: the backend cannot tell)
    removed_by: str | None = None  # the filter that removed it ("top_k", "top_p", "no_repeat_ngram")


@dataclass
class GeneratedToken:
    token: str  # the text this token added to the completion
    id: int
    prob: float  # under the model's own distribution (softmax of raw logits)
    top: list[Alternative]
    forced: bool = False  # part of prefix_ids: chosen by the user, not the sampler
    after: float | None = None  # its probability in the distribution sampled from (after the filters)
    kept: int | None = None  # tokens of the vocabulary the filters left possible at this step
    removed: dict[str, int] | None = None  # filter name -> how many tokens it removed at this step

    def to_dict(self, filters: bool = True) -> dict:
        """What dataclasses.asdict gives, ~10x faster: it runs for every token of every result and, in the
        Generate tab, of every streamed update. filters=False leaves out what the sampler's filters did."""
        out = {"token": self.token, "id": self.id, "prob": self.prob, "forced": self.forced,
               "top": [{"token": a.token, "id": a.id, "prob": a.prob} for a in self.top]}
        if filters:
            out |= {"prob_after_filters": self.after, "kept": self.kept, "removed": self.removed}
            for alt, a in zip(out["top"], self.top):
                alt |= {"prob_after_filters": a.after, "removed_by": a.removed_by}
        return out


@dataclass
class Sequence:
    completion: str = ""
    tokens: list[GeneratedToken] = field(default_factory=list)
    finished: bool = False


@dataclass
class GenerationState:
    prompt: str
    params: GenerationParams
    sequences: list[Sequence]
    seconds: float = 0.0
    prompt_tokens: int = 0  # the prompt's length in tokens, as the model saw it
    done: bool = False
    stopped: bool = False  # stopped by the user before max_new_tokens / EOS

    @property
    def new_tokens(self) -> int:
        return sum(len(s.tokens) for s in self.sequences)

    @property
    def tokens_per_second(self) -> float:
        return self.new_tokens / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self, model: str, device: str, filters: bool = True) -> dict:
        first = self.sequences[0]
        return {
            "model": model, "prompt": self.prompt, "completion": first.completion,
            "text": self.prompt + first.completion, "prefix_ids": list(self.params.prefix_ids),
            "tokens": [t.to_dict(filters) for t in first.tokens],
            "completions": [s.completion for s in self.sequences], "stopped": self.stopped,
            "seed": self.params.seed, "device": device,
            "seconds": round(self.seconds, 4), "tokens_per_second": round(self.tokens_per_second, 2),
        }


class Detokenizer:
    """Decodes a growing id list into text pieces that concatenate exactly to the completion.

    Decoding the whole sequence each step (not token by token) keeps sentencepiece spaces and
    multi-byte characters right; a piece that ends inside a UTF-8 character waits for the rest.
    """

    def __init__(self, tokenizer, prompt_ids: list[int]):
        self.tok, self.ids = tokenizer, list(prompt_ids)
        self.prefix = self._decode(self.ids)
        self.text = ""

    def _decode(self, ids: list[int]) -> str:
        return self.tok.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        full = self._decode(self.ids)
        completion = full[len(self.prefix):] if full.startswith(self.prefix) else full
        if completion.endswith("\ufffd"):
            return ""
        piece, self.text = completion[len(self.text):], completion
        return piece

    def alternative(self, token_id: int) -> str:
        """How a candidate token would read after the last few ids (keeps its leading space)."""
        context = self.ids[-3:]
        base = self._decode(context)
        return self._decode(context + [token_id])[len(base):] or self.tok.convert_ids_to_tokens(token_id)


def encode_prompt(tokenizer, prompt: str) -> torch.Tensor:
    """Prompt ids as generate() users pass them, minus a trailing EOS.

    Tokenizers such as T5Tokenizer (used by rinna/japanese-gpt2) append </s> to every text; a
    prompt ending in EOS makes a causal LM start a new document, so it is dropped (the seed notes
    encode rinna prompts with add_special_tokens=False for the same reason). BOS is kept.
    """
    ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
    if ids.shape[1] > 1 and ids[0, -1].item() == tokenizer.eos_token_id:
        ids = ids[:, :-1]
    if ids.shape[1] == 0:
        raise InvalidInput("generate.no_tokens")
    return ids


def check_context(prompt_tokens: int, max_new_tokens: int, limit: int | None, model: str, forced: int = 0) -> None:
    if limit and prompt_tokens + forced + max_new_tokens > limit:
        if forced:
            raise InvalidInput("generate.too_long_forced", n=prompt_tokens, forced=forced,
                               max_new_tokens=max_new_tokens, model=model, limit=limit)
        raise InvalidInput("generate.too_long", n=prompt_tokens, max_new_tokens=max_new_tokens, model=model,
                           limit=limit)


def fit_context(prompt_tokens: int, params, limit: int | None, model: str, fit: bool) -> None:
    """With `fit`, shorten params.max_new_tokens to the room the context leaves after the prompt and the forced
    tokens (the UI's slider goes to the app's cap); then refuse what still does not fit (check_context)."""
    forced = len(params.prefix_ids)
    if fit and limit and 0 < limit - prompt_tokens - forced < params.max_new_tokens:
        params.max_new_tokens = limit - prompt_tokens - forced
    check_context(prompt_tokens, params.max_new_tokens, limit, model, forced)


def check_prefix(prefix_ids: list[int], vocab_size: int, model: str) -> None:
    bad = [i for i in prefix_ids if i >= vocab_size]
    if bad:
        raise InvalidInput("generate.id_not_in_vocab", id=bad[0], model=model, last=vocab_size - 1)


def eos_ids(generation_config) -> set[int]:
    eos = generation_config.eos_token_id
    return set(eos if isinstance(eos, list) else [eos]) - {None}


def pick(scores: torch.Tensor, do_sample: bool, gen: torch.Generator) -> torch.Tensor:
    """The next token per row: argmax, or a draw from the processed distribution."""
    if not do_sample:
        return scores.argmax(dim=-1).cpu()
    probs = torch.softmax(scores, dim=-1).cpu()
    return torch.multinomial(probs, 1, generator=gen)[:, 0]


def record_step(state: GenerationState, detoks: list[Detokenizer], logits: torch.Tensor, filtered: Filtered,
                next_ids: torch.Tensor, stop_ids: set[int], forced: bool = False) -> None:
    """Postprocess one step: each unfinished sequence gets its token, probability, top alternatives and what
    the filters did. A finished sequence keeps emitting EOS (next_ids is edited in place), as generate() pads it."""
    probs = torch.softmax(logits, dim=-1).cpu()
    top_p, top_i = probs.topk(min(state.params.alternatives, probs.shape[-1]), dim=-1)
    after = filtered.after
    for row, seq in enumerate(state.sequences):
        if seq.finished:
            next_ids[row] = next(iter(stop_ids), next_ids[row].item())
            continue
        tid, detok = int(next_ids[row]), detoks[row]
        top = [Alternative(detok.alternative(int(i)), int(i), float(p), float(after[row, i]),
                           filtered.removed_by(row, int(i))) for p, i in zip(top_p[row], top_i[row])]
        seq.tokens.append(GeneratedToken(detok.push(tid), tid, float(probs[row, tid]), top, forced,
                                         float(after[row, tid]), filtered.kept(row), filtered.counts(row)))
        seq.completion = detok.text
        seq.finished = tid in stop_ids
