"""A branch on an engine: the forced tokens (prefix_ids) are sent as part of the prompt, as token ids.

The completions API takes a prompt as a list of ids: the prompt's own ids (the engine's /tokenize, so BOS
is the engine's choice as for a text prompt) followed by the forced ones. What the model thought of the
forced tokens comes from one short extra request with vLLM's `prompt_logprobs` (not available while
streaming): each forced token's probability and top alternatives, as the local backend records them.
"""

from __future__ import annotations

import math

from ...errors import EngineError, InvalidInput
from ...tasks.generation import Alternative, GeneratedToken
from .client import EngineClient, quoted


def prompt_ids(client: EngineClient, model_id: str, prompt: str) -> list[int]:
    tokens = client.post("/tokenize", {"model": model_id, "prompt": prompt}).get("tokens")
    if not isinstance(tokens, list) or not all(isinstance(t, int) for t in tokens):
        raise EngineError("engine.no_branch_tokens", engine=client.who)
    return tokens


def forced_tokens(client: EngineClient, model_id: str, ids: list[int], prefix: list[int], n_top: int,
                  texts) -> list[GeneratedToken]:
    """The forced tokens as GeneratedTokens (forced=True), with the model's probabilities for them."""
    body = {"model": model_id, "prompt": ids + prefix, "max_tokens": 1, "temperature": 0.0,
            "prompt_logprobs": n_top, "return_tokens_as_token_ids": True}
    try:
        choice = client.post("/v1/completions", body)["choices"][0]
        steps = choice["prompt_logprobs"][len(ids):]
    except (KeyError, IndexError, TypeError) as exc:
        raise EngineError("engine.no_prompt_logprobs", engine=client.who, error=quoted(exc)) from None
    if len(steps) != len(prefix):
        raise InvalidInput("engine.forced_differently")
    texts.resolve(list(prefix) + [int(k) for step in steps for k in (step or {})])
    return [_token(token_id, step or {}, n_top, texts) for token_id, step in zip(prefix, steps)]


def _token(token_id: int, step: dict, n_top: int, texts) -> GeneratedToken:
    ranked = sorted(((int(k), v) for k, v in step.items()), key=lambda kv: kv[1].get("rank", math.inf))
    top = [Alternative(texts.get(i), i, math.exp(v["logprob"])) for i, v in ranked[:n_top]]
    own = step.get(str(token_id), {}).get("logprob")
    return GeneratedToken(texts.get(token_id), token_id, math.exp(own) if own is not None else 0.0, top, forced=True)
