"""Text generation, the model-free parts: parameters, per-step state, prompt encoding, decoding pieces.

The decode loop itself (the forward) lives in a backend: backends/local.py runs the model in this
process, an engine backend asks a server. Every backend yields the same GenerationState after each
step: the model's own next-token distribution (softmax of the raw logits, temperature 1, before any
sampling filter), its top alternatives, and the token actually picked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import torch
from transformers import (LogitsProcessorList, NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor,
                          TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper)

from ..errors import InvalidInput
from .sampler import Filtered
from .validation import flag, number

TOP_N = 5  # alternatives shown per step in the UI and /generate
MAX_ALTERNATIVES = 20  # what a caller may ask for (OpenAI-style logprobs go up to 20)
# Below these the scaled logits overflow float32 (inf - inf = nan in the softmax): sampling would fail.
MIN_TEMPERATURE = 0.01
MIN_REPETITION_PENALTY = 0.001


@dataclass
class GenerationParams:
    max_new_tokens: int = 40
    do_sample: bool = False
    temperature: float = 1.0
    top_k: int = 50
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    seed: int = 0
    num_sequences: int = 1
    alternatives: int = TOP_N  # most likely tokens recorded per step (not a spec parameter: no UI control)
    # Forced start of the continuation (a branch: the tokens generated before plus the alternative chosen);
    # generation goes on for max_new_tokens after them.
    prefix_ids: list[int] = field(default_factory=list)

    def validated(self, spec=None) -> "GenerationParams":
        """Each value checked against the generate spec's limits; seed -1 replaced by a drawn seed."""
        from ..checks import check
        from ..specs import DEFAULT_SPECS

        spec = spec or DEFAULT_SPECS["generate"]
        do_sample = flag(self.do_sample, "do_sample")
        values = {"do_sample": do_sample}
        for name, value in asdict(self).items():
            if name == "alternatives":
                values[name] = number(value, name, 1, MAX_ALTERNATIVES, integer=True)
            elif name == "prefix_ids":
                values[name] = token_ids(value, name, int(spec.param("max_new_tokens").high))
            elif name != "do_sample":
                param = spec.param(name)
                if name == "temperature":  # greedy ignores it: 0 is fine there
                    param = replace(param, low_open=do_sample)
                values[name] = check(param, value)
        p = GenerationParams(**values)
        p._check_domain()
        if p.seed == -1 and p.do_sample:  # a fresh random seed, reported back so it can be reused (greedy needs none)
            p.seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
        return p

    def _check_domain(self) -> None:
        if self.do_sample and self.temperature < MIN_TEMPERATURE:
            raise InvalidInput(f"temperature must be at least {MIN_TEMPERATURE} when sampling, got "
                               f"{self.temperature:g}: smaller values overflow. For the most likely token every "
                               "time, use greedy decoding.")
        if self.repetition_penalty < MIN_REPETITION_PENALTY:
            raise InvalidInput(f"repetition_penalty must be at least {MIN_REPETITION_PENALTY}, got "
                               f"{self.repetition_penalty:g}: smaller values overflow (1 = no penalty).")

    def processors(self) -> LogitsProcessorList:
        """The same processors, in the same order, that generate() builds for these settings."""
        procs = LogitsProcessorList()
        if self.repetition_penalty != 1.0:
            procs.append(RepetitionPenaltyLogitsProcessor(self.repetition_penalty))
        if self.no_repeat_ngram_size > 0:
            procs.append(NoRepeatNGramLogitsProcessor(self.no_repeat_ngram_size))
        if self.do_sample:
            if self.temperature != 1.0:
                procs.append(TemperatureLogitsWarper(self.temperature))
            if self.top_k > 0:
                procs.append(TopKLogitsWarper(self.top_k))
            if self.top_p < 1.0:
                procs.append(TopPLogitsWarper(self.top_p))
        return procs


def token_ids(value, name: str, most: int) -> list[int]:
    """A list of token ids, or the same written "12, 7, 431" (a link, the UI's box); range checked by the model."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = [v for v in value.replace(",", " ").split() if v]
        if not all(v.isdigit() for v in parts):
            raise InvalidInput(f"`{name}` must be token ids (whole numbers separated by commas), got '{value[:60]}'.")
        value = [int(v) for v in parts]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                                       for v in value):
        raise InvalidInput(f"`{name}` must be a list of token ids (whole numbers from 0).")
    if len(value) > most:
        raise InvalidInput(f"`{name}` has {len(value)} tokens; at most {most} can be forced.")
    return list(value)


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
        raise InvalidInput("The prompt produced no tokens for this model's tokenizer.")
    return ids


def check_context(prompt_tokens: int, max_new_tokens: int, limit: int | None, model: str, forced: int = 0) -> None:
    if limit and prompt_tokens + forced + max_new_tokens > limit:
        also = f" plus {forced} forced tokens (prefix_ids)" if forced else ""
        raise InvalidInput(f"The prompt is {prompt_tokens} tokens{also}; with max_new_tokens={max_new_tokens} it "
                           f"exceeds {model}'s context of {limit} tokens.")


def check_prefix(prefix_ids: list[int], vocab_size: int, model: str) -> None:
    bad = [i for i in prefix_ids if i >= vocab_size]
    if bad:
        raise InvalidInput(f"prefix_ids: token id {bad[0]} is not in {model}'s vocabulary (ids 0–{vocab_size - 1}).")


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
