"""An OpenAI `/v1/completions` request body -> checked values, with vLLM's semantics.

temperature 0 is greedy decoding; top_k -1 or 0 keeps every token; a missing seed draws one; logprobs
asks for the k (≤ 20) most likely alternatives per token; echo puts the prompt (and, with logprobs, the
prompt's own logprobs) in front of the completion; max_tokens 0 with echo scores the prompt only. Ranges
come from the generate spec (max_tokens up to the server's cap, n up to its num_sequences). Parameters
this server cannot honour are refused unless they are sent with their neutral value.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import InvalidInput
from ...models.catalog import GENERATION
from ...specs import TaskSpec
from ...tasks.generation import MAX_ALTERNATIVES, TOP_N
from ...tasks.validation import flag, number
from .common import ApiError

MAX_PROMPTS = 8
DEFAULT_MAX_TOKENS = 16  # OpenAI's and vLLM's default
# Accepted only with their neutral value (what an SDK sends when the caller did not set them).
NEUTRAL = {"stop": (None, "", []), "presence_penalty": (None, 0), "frequency_penalty": (None, 0),
           "logit_bias": (None, {}), "suffix": (None, "")}
SUPPORTED = ("model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "n", "seed", "stream",
             "stream_options", "logprobs", "echo", "repetition_penalty", "return_token_ids", "user")


@dataclass
class CompletionRequest:
    model: str
    prompts: list[str]
    max_tokens: int
    n: int
    stream: bool
    include_usage: bool
    logprobs: int | None  # None: no logprobs; 0: only each token's own
    echo: bool
    return_token_ids: bool
    sampling: dict  # keyword arguments of service.generate_stream besides model and prompt

    @property
    def alternatives(self) -> int:
        return max(1, self.logprobs) if self.logprobs is not None else TOP_N


def _checked(name: str, check):
    """Run one field's check; its InvalidInput becomes a 400 naming the field."""
    try:
        return check()
    except InvalidInput as exc:
        raise ApiError(400, str(exc), param=name) from None


def _prompts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(p, str) for p in value):
        if len(value) > MAX_PROMPTS:
            raise ApiError(400, f"At most {MAX_PROMPTS} prompts per request, got {len(value)}.", param="prompt")
        return value
    if value is None:
        raise ApiError(400, "Missing parameter 'prompt' (the text to continue).", param="prompt")
    raise ApiError(400, "prompt must be a string or a non-empty list of strings (token ids are not accepted: "
                        "send the text).", param="prompt")


def _refuse_unsupported(body: dict) -> None:
    unknown = [k for k in body if k not in SUPPORTED and k not in NEUTRAL and k != "best_of"]
    if unknown:
        raise ApiError(400, f"Unknown parameter '{unknown[0][:40]}'. Supported: {', '.join(SUPPORTED)}.",
                       param=unknown[0][:40])
    for name, neutral in NEUTRAL.items():
        value = body.get(name)
        if value not in neutral:
            raise ApiError(400, f"'{name}' is not supported by this server; leave it out.", param=name)


def _sampling(body: dict, spec: TaskSpec, n: int) -> dict:
    """vLLM's sampling parameters as the generate spec's (temperature 0 = greedy)."""
    limit = spec.param("temperature").api_range[1]
    temperature = _checked("temperature", lambda: number(_or(body, "temperature", 1.0), "temperature", 0, limit))
    top_p = _checked("top_p", lambda: number(_or(body, "top_p", 1.0), "top_p", 0, 1, low_open=True))
    top_k_max = spec.param("top_k").api_range[1]
    top_k = _checked("top_k", lambda: number(_or(body, "top_k", 0), "top_k", -1, top_k_max, integer=True))
    penalty = spec.param("repetition_penalty")
    repetition = _checked("repetition_penalty", lambda: number(_or(body, "repetition_penalty", 1.0),
                                                               "repetition_penalty", *penalty.api_range,
                                                               low_open=penalty.low_open))
    seed_low, seed_high = spec.param("seed").api_range
    seed = _checked("seed", lambda: number(_or(body, "seed", -1), "seed", seed_low, seed_high, integer=True))
    sampling = {"do_sample": temperature > 0, "repetition_penalty": repetition, "num_sequences": n}
    if temperature > 0:
        sampling |= {"temperature": temperature, "top_p": top_p, "top_k": max(top_k, 0), "seed": seed}
    return sampling


def _or(body: dict, name: str, default):
    value = body.get(name)
    return default if value is None else value


def parse(body: dict, service) -> CompletionRequest:
    """The request, checked field by field (each refusal names its field)."""
    _refuse_unsupported(body)
    spec = service.specs["generate"]
    model = body.get("model") or service.default_model(GENERATION)
    if not isinstance(model, str):
        raise ApiError(400, "model must be a model name (a string); see /v1/models.", param="model")
    prompts = _prompts(body.get("prompt"))
    flags = {name: _checked(name, lambda name=name: flag(_or(body, name, False), name))
             for name in ("stream", "echo", "return_token_ids")}
    cap = spec.param("max_new_tokens").api_range[1]
    max_tokens = _checked("max_tokens", lambda: number(_or(body, "max_tokens", DEFAULT_MAX_TOKENS), "max_tokens",
                                                       0 if flags["echo"] else 1, cap, integer=True))
    n = _checked("n", lambda: number(_or(body, "n", 1), "n", *spec.param("num_sequences").api_range, integer=True))
    most = int(spec.param("num_sequences").api_range[1])
    if len(prompts) * n > most:  # the cost of a request is its sequences: 8 prompts x n=8 would be worth 64
        raise ApiError(400, f"One request generates at most {most} sequences; {len(prompts)} prompts x n={n} would be "
                            f"{len(prompts) * n}. Send fewer prompts or a smaller n.", param="n")
    if body.get("best_of") not in (None, 1, n):
        raise ApiError(400, "'best_of' is not supported by this server; leave it out.", param="best_of")
    logprobs = body.get("logprobs")
    if logprobs is not None:
        logprobs = _checked("logprobs", lambda: number(logprobs, "logprobs", 0, MAX_ALTERNATIVES, integer=True))
    options = body.get("stream_options")
    if options is not None and (not flags["stream"] or not isinstance(options, dict)):
        raise ApiError(400, "stream_options must be an object, and only with stream=true.", param="stream_options")
    include_usage = _checked("stream_options", lambda: flag((options or {}).get("include_usage", False),
                                                            "stream_options.include_usage"))
    return CompletionRequest(model, prompts, max_tokens, n, flags["stream"], include_usage, logprobs,
                             flags["echo"], flags["return_token_ids"], _sampling(body, spec, n))
