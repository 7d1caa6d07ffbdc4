"""OpenAI completion objects from the playground's results, in the shapes vLLM's server returns.

`logprobs` of a choice: `tokens` (each token's text), `token_logprobs` (its log-probability under the
model's own distribution: log-softmax of the raw logits, as vLLM's default raw logprobs and the
playground's `prob`), `top_logprobs` (per token {text: logprob} of the chosen token and the k most likely
ones, k = the request's `logprobs`) and `text_offset` (where each token starts in the returned text).
Echoed prompt tokens come first; the very first has nothing before it, so its logprob is null.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass, field

from ...tasks.generation import GeneratedToken, Sequence
from ...tasks.prompt_logprobs import PromptToken

FLOOR = -9999.0  # what OpenAI and vLLM send for log(0), which JSON cannot carry


@dataclass
class Row:
    """One token as a completion's logprobs list it."""
    text: str
    id: int
    logprob: float | None
    top: list[tuple[str, int, float]] = field(default_factory=list)


def _log(prob: float) -> float:
    return max(math.log(prob), FLOOR) if prob > 0 else FLOOR


def generated_rows(tokens: list[GeneratedToken]) -> list[Row]:
    return [Row(t.token, t.id, _log(t.prob), [(a.token, a.id, _log(a.prob)) for a in t.top]) for t in tokens]


def prompt_rows(tokens: list[PromptToken]) -> list[Row]:
    return [Row(t.token, t.id, None if t.logprob is None else max(t.logprob, FLOOR),
                [(a.token, a.id, max(a.logprob, FLOOR)) for a in t.top]) for t in tokens]


def logprobs_object(rows: list[Row], k: int, offset: int = 0) -> dict:
    """vLLM's CompletionLogProbs; `offset`: where the first row starts in the text sent so far."""
    out = {"text_offset": [], "token_logprobs": [], "tokens": [], "top_logprobs": []}
    for row in rows:
        out["text_offset"].append(offset)
        offset += len(row.text)
        out["tokens"].append(row.text)
        out["token_logprobs"].append(row.logprob)
        if row.logprob is None:
            out["top_logprobs"].append(None)
            continue
        top = {row.id: (row.text, row.logprob)}  # the chosen token first, then the k most likely
        for text, token_id, logprob in row.top[:k]:
            top.setdefault(token_id, (text, logprob))
        out["top_logprobs"].append({text: logprob for text, logprob in top.values()})
    return out


def finish_reason(seq: Sequence) -> str:
    return "stop" if seq.finished else "length"


@dataclass
class Envelope:
    """What every object of one request shares: its id, creation time and model name."""
    model: str
    id: str = field(default_factory=lambda: f"cmpl-{uuid.uuid4().hex}")
    created: int = field(default_factory=lambda: int(time.time()))

    def completion(self, choices: list[dict], usage: dict) -> dict:
        return {"id": self.id, "object": "text_completion", "created": self.created, "model": self.model,
                "choices": choices, "usage": usage}

    def chunk(self, choices: list[dict], usage: dict | None = None) -> dict:
        out = {"id": self.id, "object": "text_completion", "created": self.created, "model": self.model,
               "choices": choices}
        return out | ({"usage": usage} if usage is not None else {})


def usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def choice(index: int, text: str, rows: list[Row] | None, k: int | None, reason: str | None,
           token_ids: list[int] | None = None, offset: int = 0) -> dict:
    """One choice (or a streamed choice delta): logprobs only when the request asked for them."""
    out = {"index": index, "text": text, "logprobs": None if k is None else logprobs_object(rows or [], k, offset),
           "finish_reason": reason}
    return out | ({"token_ids": token_ids} if token_ids is not None else {})
