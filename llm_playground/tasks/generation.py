"""Text generation with per-token probabilities, as a step-by-step stream.

The decode loop is written out (rather than calling model.generate) so that every step can be
shown: the model's own next-token distribution (softmax of the raw logits, temperature 1, before
any sampling filter), its top alternatives, and the token actually picked after the same logits
processors transformers' generate() uses. Greedy output equals model.generate's greedy output.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Iterator

import torch
from transformers import (LogitsProcessorList, NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor,
                          TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper)

from ..errors import InvalidInput
from .encoder import usable_positions
from .validation import clean_text, flag, number, out_of_memory_as_error

TOP_N = 5


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

    def validated(self, max_new_cap: int = 512) -> "GenerationParams":
        do_sample = flag(self.do_sample, "do_sample")
        p = GenerationParams(
            max_new_tokens=number(self.max_new_tokens, "max_new_tokens", 1, max_new_cap, integer=True),
            do_sample=do_sample,
            temperature=number(self.temperature, "temperature", 0, 100, low_open=do_sample),
            top_k=number(self.top_k, "top_k", 0, 1_000_000, integer=True),
            top_p=number(self.top_p, "top_p", 0, 1, low_open=True),
            repetition_penalty=number(self.repetition_penalty, "repetition_penalty", 0, 10, low_open=True),
            no_repeat_ngram_size=number(self.no_repeat_ngram_size, "no_repeat_ngram_size", 0, 20, integer=True),
            seed=number(self.seed, "seed", -1, 2**63 - 1, integer=True),
            num_sequences=number(self.num_sequences, "num_sequences", 1, 8, integer=True),
        )
        if p.seed == -1:  # -1 asks for a fresh random seed, reported back so it can be reused
            p.seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
        return p

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


@dataclass
class Alternative:
    token: str
    id: int
    prob: float


@dataclass
class GeneratedToken:
    token: str  # the text this token added to the completion
    id: int
    prob: float  # under the model's own distribution (softmax of raw logits)
    top: list[Alternative]


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
    done: bool = False
    stopped: bool = False  # stopped by the user before max_new_tokens / EOS

    @property
    def new_tokens(self) -> int:
        return sum(len(s.tokens) for s in self.sequences)

    @property
    def tokens_per_second(self) -> float:
        return self.new_tokens / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self, model: str, device: str) -> dict:
        first = self.sequences[0]
        return {
            "model": model, "prompt": self.prompt, "completion": first.completion,
            "text": self.prompt + first.completion,
            "tokens": [asdict(t) for t in first.tokens],
            "completions": [s.completion for s in self.sequences],
            "seed": self.params.seed, "device": device,
            "seconds": round(self.seconds, 4), "tokens_per_second": round(self.tokens_per_second, 2),
        }


class _Detokenizer:
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


def stream_generate(loaded, prompt: str, params: GenerationParams, max_new_cap: int = 512,
                    stop: threading.Event | None = None) -> Iterator[GenerationState]:
    """Yield the state after every generated token; the caller may stop pulling at any time."""
    prompt = clean_text(prompt, "prompt")
    params = params.validated(max_new_cap)
    model, tok = loaded.model, loaded.tokenizer
    prompt_ids = encode_prompt(tok, prompt)
    limit = usable_positions(model.config)
    if limit and prompt_ids.shape[1] + params.max_new_tokens > limit:
        raise InvalidInput(f"The prompt is {prompt_ids.shape[1]} tokens; with max_new_tokens="
                           f"{params.max_new_tokens} it exceeds {loaded.name}'s context of {limit} tokens.")
    n = params.num_sequences
    ids = prompt_ids.repeat(n, 1).to(loaded.device)
    eos = model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
    detoks = [_Detokenizer(tok, prompt_ids[0].tolist()) for _ in range(n)]
    state = GenerationState(prompt, params, [Sequence() for _ in range(n)])
    procs, gen = params.processors(), torch.Generator().manual_seed(params.seed)
    cache, start = None, time.perf_counter()
    for _ in range(params.max_new_tokens):
        if stop is not None and stop.is_set():
            state.stopped = True
            break
        with loaded.lock, torch.inference_mode(), out_of_memory_as_error(loaded.name):
            out = model(input_ids=ids if cache is None else ids[:, -1:], past_key_values=cache, use_cache=True,
                        **last_logits_only(model))
        cache = out.past_key_values
        logits = out.logits[:, -1, :].float()
        scores = procs(ids, logits.clone()) if procs else logits  # processors edit in place
        next_ids = _pick(scores, params.do_sample, gen)
        probs = torch.softmax(logits, dim=-1).cpu()
        top_p, top_i = probs.topk(TOP_N, dim=-1)
        for row, seq in enumerate(state.sequences):
            if seq.finished:
                next_ids[row] = next(iter(eos_ids), next_ids[row].item())
                continue
            tid = int(next_ids[row])
            detok = detoks[row]
            top = [Alternative(detok.alternative(int(i)), int(i), float(p)) for p, i in zip(top_p[row], top_i[row])]
            seq.tokens.append(GeneratedToken(detok.push(tid), tid, float(probs[row, tid]), top))
            seq.completion = detok.text
            seq.finished = tid in eos_ids
        ids = torch.cat([ids, next_ids.to(ids.device)[:, None]], dim=1)
        state.seconds = time.perf_counter() - start
        if all(s.finished for s in state.sequences):
            break
        yield state
    state.seconds = time.perf_counter() - start
    state.done = True
    yield state


@functools.cache
def _accepts_logits_to_keep(model_class) -> bool:
    return "logits_to_keep" in inspect.signature(model_class.forward).parameters


def last_logits_only(model) -> dict:
    """Only the last position's logits are needed: on the prompt pass this skips the LM head for every
    other position (~40 % of GPT-2 small's first-token time), as generate() does."""
    return {"logits_to_keep": 1} if _accepts_logits_to_keep(type(model)) else {}


def _pick(scores: torch.Tensor, do_sample: bool, gen: torch.Generator) -> torch.Tensor:
    if not do_sample:
        return scores.argmax(dim=-1).cpu()
    probs = torch.softmax(scores, dim=-1).cpu()
    return torch.multinomial(probs, 1, generator=gen)[:, 0]


def generate(loaded, prompt: str, params: GenerationParams, max_new_cap: int = 512) -> GenerationState:
    state = None
    for state in stream_generate(loaded, prompt, params, max_new_cap):
        pass
    return state
