"""The engine backend: generation on an OpenAI-compatible inference engine (vLLM, ...).

One streaming POST /v1/completions per generation, with the top-5 log-probabilities of every step,
mapped onto the same GenerationState the local backend yields: each token's text piece (the pieces
concatenate to the completion), id, probability and top-5 alternatives.

Probabilities: vLLM's default `logprobs_mode` is `raw_logprobs`, the log-softmax of the model's logits
before temperature, penalties and top-k/top-p, which is exactly what the app's `prob` promises. An
engine started with `--logprobs-mode processed_logprobs` (or one that reports post-filter values)
would report the filtered distribution instead: docs/engines.md says which engines match.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
from dataclasses import dataclass
from typing import Iterator

from ...errors import EngineError, InvalidInput, Message
from ...tasks.generation import (TOP_N, Alternative, GeneratedToken, GenerationParams, GenerationState, Sequence,
                                 fit_context)
from ..base import ModelInfo
from .branch import forced_tokens, prompt_ids
from .client import EngineClient, quoted
from .tokens import TokenTexts, parse_token


@dataclass(frozen=True)
class ServedModel:
    """A model an engine serves, under the name users pick: '<engine model id>@<engine label>'."""
    name: str
    id: str  # the engine's model id (the `model` of each request)
    client: EngineClient
    max_model_len: int | None = None
    root: str | None = None  # where the engine loaded it from (a path or Hub id), when it says


def engine_info(served: ServedModel) -> ModelInfo:
    return ModelInfo(served.name, served.id, device="remote", dtype="", engine=served.client.shown_url)


def unsupported(params: GenerationParams, dtype: str = "auto") -> Message | None:
    """The first parameter an OpenAI-style completion cannot honour, as a sentence naming it."""
    if params.no_repeat_ngram_size:
        return Message("engine.no_ngram_ban", n=params.no_repeat_ngram_size)
    if dtype not in (None, "auto"):
        return Message("engine.dtype_fixed", dtype=dtype)
    return None


def request_body(model_id: str, prompt: str | list[int], params: GenerationParams, stream_interval: int = 1) -> dict:
    """The completion request for these settings. Every sampling value is sent explicitly, so that the
    engine's own defaults (vLLM reads the model's generation_config.json) cannot change the result.
    stream_interval > 1 lets vLLM pack that many tokens per chunk (split_text shares their text out)."""
    body = {"model": model_id, "prompt": prompt, "max_tokens": params.max_new_tokens, "stream": True,
            "logprobs": params.alternatives, "return_tokens_as_token_ids": True, "skip_special_tokens": True,
            "repetition_penalty": params.repetition_penalty}
    if stream_interval > 1:
        body["stream_interval"] = stream_interval
    if params.do_sample:
        body |= {"temperature": params.temperature, "top_k": params.top_k or -1, "top_p": params.top_p,
                 "seed": params.seed, "n": params.num_sequences}
    else:  # greedy is deterministic: vLLM refuses n > 1 with it, the app repeats the one sequence
        body |= {"temperature": 0.0, "top_k": -1, "top_p": 1.0, "n": 1}
    return body


class EngineGeneration:
    """Generation on one served model; `texts` caches how its token ids read; `dtype` is what the user
    asked for (only 'auto' can be honoured)."""

    def __init__(self, served: ServedModel, texts: TokenTexts, dtype: str = "auto"):
        self.served, self.texts, self.dtype = served, texts, dtype
        self.info = engine_info(served)
        self.chunk_tokens: int | None = None  # tokens per streamed chunk, if not the engine client's default

    def session(self):
        return contextlib.nullcontext()  # the engine keeps its own model loaded

    def context_length(self) -> int | None:
        return self.served.max_model_len

    def prepare(self, prompt: str, params: GenerationParams, fit: bool = False) -> None:
        """See GenerationBackend.prepare. vLLM silently shortens max_tokens to fit its context: refused here
        instead, as a local model is. A token covers at least one byte of text (plus BOS/EOS), so most prompts
        are measured without asking the engine to tokenize them."""
        problem = unsupported(params, self.dtype)
        if problem:
            raise InvalidInput(problem)
        limit, forced = self.context_length(), len(params.prefix_ids)
        if not limit or len(prompt.encode("utf-8")) + 2 + forced + params.max_new_tokens <= limit:
            return
        count = self._prompt_tokens(prompt)
        if count is None:  # the engine cannot tokenize: it applies its own limit
            return
        fit_context(count, params, limit, self.served.name, fit)

    def _prompt_tokens(self, prompt: str) -> int | None:
        """The prompt's length in the engine's tokens (None when the engine cannot tokenize)."""
        try:
            tokens = self.served.client.post("/tokenize", {"model": self.served.id, "prompt": prompt}).get("tokens")
        except EngineError:
            return None
        return len(tokens) if isinstance(tokens, list) else None

    def stream(self, prompt: str, params: GenerationParams,
               stop: threading.Event | None = None) -> Iterator[GenerationState]:
        n = params.num_sequences
        sequences = [Sequence() for _ in range(n)] if params.do_sample else [Sequence()] * n
        state, start = GenerationState(prompt, params, sequences), time.perf_counter()
        client = self.served.client
        interval = max(self.chunk_tokens or 0, client.stream_interval)
        sent = self._branch(prompt, params, state) if params.prefix_ids else prompt
        chunks = client.stream(request_body(self.served.id, sent, params, interval), stop)
        try:
            for chunk in chunks:
                for choice in self._choices(chunk, len(sequences)):
                    self._apply(state.sequences[choice["index"]], choice, params.alternatives)
                state.seconds = time.perf_counter() - start
                yield state
        finally:
            chunks.close()  # closes the HTTP response: the engine aborts a request nobody reads
        state.stopped = stop is not None and stop.is_set() and not all(s.finished for s in state.sequences)
        state.seconds, state.done = time.perf_counter() - start, True
        yield state

    def _branch(self, prompt: str, params: GenerationParams, state: GenerationState) -> list[int]:
        """Start every sequence with the forced tokens; the prompt to send is then ids (engine/branch.py)."""
        ids = prompt_ids(self.served.client, self.served.id, prompt)
        forced = forced_tokens(self.served.client, self.served.id, ids, params.prefix_ids, params.alternatives,
                               self.texts)
        for seq in {id(s): s for s in state.sequences}.values():  # greedy repeats one Sequence object
            seq.tokens.extend(dataclasses.replace(t) for t in forced)
            seq.completion = "".join(t.token for t in forced)
        state.prompt_tokens = len(ids)
        return ids + list(params.prefix_ids)

    def _choices(self, chunk: dict, n: int) -> list[dict]:
        choices = chunk.get("choices")
        ok = isinstance(choices, list) and all(
            isinstance(c, dict) and isinstance(c.get("index", 0), int) and 0 <= c.get("index", 0) < n
            for c in choices)
        if not ok:
            raise EngineError("engine.not_a_completion", engine=self.served.client.who, answer=quoted(chunk))
        return [c | {"index": c.get("index", 0)} for c in choices]

    def _apply(self, seq: Sequence, choice: dict, n_top: int = TOP_N) -> None:
        """One chunk of one sequence: its tokens (usually one), their probabilities and n_top alternatives."""
        steps = self._steps(choice, n_top)
        self.texts.resolve([token[0] for token, _, _ in steps] + [i for _, _, top in steps for (i, _), _ in top])
        text = choice.get("text") or ""
        if text and not steps and seq.tokens:  # text the engine held back, released without a token
            seq.tokens[-1].token += text
        pieces = split_text(text, [token for token, _, _ in steps], self.texts)
        for (token, logprob, top), piece in zip(steps, pieces):
            alternatives = [Alternative(self.texts.get(i) if i >= 0 else s, i, math.exp(lp)) for (i, s), lp in top]
            seq.tokens.append(GeneratedToken(piece, token[0], math.exp(logprob), alternatives))
        seq.completion += text
        seq.finished = seq.finished or choice.get("finish_reason") is not None

    def _steps(self, choice: dict, n_top: int) -> list:
        """[((id, text or None), logprob, [((id, text), logprob) x n_top most likely])] for one chunk
        (vLLM adds the sampled token to the top ones when it is not among them: cut it off again)."""
        logprobs = choice.get("logprobs")
        try:
            tokens, values, tops = logprobs["tokens"], logprobs["token_logprobs"], logprobs["top_logprobs"]
            steps = []
            for token, value, top in zip(tokens, values, tops, strict=True):
                ranked = sorted(((parse_token(k), float(v)) for k, v in top.items()), key=lambda kv: -kv[1])
                steps.append((parse_token(token), float(value), ranked[:n_top]))
            return steps
        except (TypeError, KeyError, ValueError, AttributeError):
            if not choice.get("text") and not logprobs:
                return []  # a chunk that only carries a finish reason
            raise EngineError("engine.no_token_logprobs", engine=self.served.client.who,
                              answer=quoted(choice)) from None


def split_text(text: str, tokens: list[tuple[int, str | None]], texts: TokenTexts) -> list[str]:
    """The chunk's text shared among its tokens so that the pieces concatenate to it.

    One token per chunk is the usual case: it gets the text. When the engine packs several, each takes
    its own reading while the text still starts with it; the last one takes the rest.
    """
    if len(tokens) <= 1:
        return [text] * len(tokens)
    pieces, rest = [], text
    for token_id, own in tokens[:-1]:
        reading = own if own is not None else texts.get(token_id)
        piece = reading if reading and rest.startswith(reading) else ""
        pieces.append(piece)
        rest = rest[len(piece):]
    return pieces + [rest]
