"""OpenAI-compatible routes: `GET /v1/models` and `POST /v1/completions` over the app's generation models.

Each prompt is one generation run through the service (the same checks, model threads and decode loop
as /generate, so greedy text and logprobs equal /generate's), with `n` sequences in one batch. Streaming
sends vLLM's `data: {...}` chunks as the tokens come and ends with `data: [DONE]`; a client that goes away
stops the model within a step. Errors use OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import AsyncIterator

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ...models.catalog import GENERATION
from ...service.outcome import GenerationRun
from ...tasks.generation import GenerationState, Sequence
from .common import ApiError, Web, classify, iterate, json_object, last, unless_disconnected
from .openai_format import Envelope, Row, choice, finish_reason, generated_rows, prompt_rows, usage
from .openai_request import CompletionRequest, parse

KINDS = {429: "rate_limit_error", 500: "server_error", 503: "server_error"}


def error_body(exc: Exception) -> tuple[dict, int]:
    err = classify(exc)
    kind = KINDS.get(err.status, "invalid_request_error")
    return {"error": {"message": err.message, "type": kind, "param": err.param, "code": err.code}}, err.status


def error_response(exc: Exception) -> JSONResponse:
    return JSONResponse(*error_body(exc))


def sse(data: dict) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False, allow_nan=False)}\n\n"


@dataclass
class Prepared:
    """One prompt, checked and ready: its generation (None for max_tokens=0) and its echoed logprob rows."""
    prompt: str
    run: GenerationRun | None
    rows: list[Row] | None  # the prompt's tokens, when echo needs them


async def prepare(web: Web, c: CompletionRequest, prompt: str) -> Prepared:
    """Checks and model loads happen here, before any byte is sent: a bad request gets a 4xx, not a stream."""
    service, run, rows = web.service, None, None
    if c.max_tokens > 0:  # the run starts when its states are first read
        run = await web.run(service.generate_stream, c.model, prompt, alternatives=c.alternatives,
                            max_new_tokens=c.max_tokens, **c.sampling)
    if c.echo and (c.logprobs is not None or run is None):
        out = await web.run(service.prompt_logprobs, c.model, prompt, c.logprobs or 0)
        rows = prompt_rows(out.result.tokens)
    return Prepared(prompt, run, rows)


def check_model(web: Web, name: str) -> None:
    """A name outside the catalogue is a 404 where custom models are off (as OpenAI's model_not_found)."""
    if web.service.settings.public and name not in web.service.model_names(GENERATION):
        raise ApiError(404, f"The model '{name[:80]}' does not exist on this server; see /v1/models.",
                       param="model", code="model_not_found")


def _choices(c: CompletionRequest, p: int, prep: Prepared, state: GenerationState | None) -> list[dict]:
    out = []
    for j in range(c.n):
        seq = state.sequences[j] if state else Sequence()
        rows = None if c.logprobs is None else (prep.rows if c.echo else []) + generated_rows(seq.tokens)
        text = (prep.prompt if c.echo else "") + seq.completion
        ids = [t.id for t in seq.tokens] if c.return_token_ids else None
        out.append(choice(p * c.n + j, text, rows, c.logprobs, finish_reason(seq) if state else "length", ids))
    return out


async def complete(web: Web, c: CompletionRequest) -> dict:
    envelope, choices, prompt_tokens, completion_tokens = Envelope(c.model), [], 0, 0
    for p, prompt in enumerate(c.prompts):
        prep = await prepare(web, c, prompt)
        state = await last(prep.run.states) if prep.run else None
        prompt_tokens += state.prompt_tokens if state else len(prep.rows)
        completion_tokens += sum(len(s.tokens) for s in state.sequences) if state else 0
        choices += _choices(c, p, prep, state)
    return envelope.completion(choices, usage(prompt_tokens, completion_tokens))


class Streamed:
    """What one prompt's choices have streamed so far: tokens, characters, and whether they finished."""

    def __init__(self, n: int):
        self.tokens, self.chars, self.done = [0] * n, [0] * n, [False] * n

    def delta(self, c: CompletionRequest, p: int, prep: Prepared, j: int, seq: Sequence, ended: bool) -> dict | None:
        finished = seq.finished or ended  # read before the tokens: a finished sequence has all of them
        new = seq.tokens[self.tokens[j]:]
        first = self.tokens[j] == 0 and self.chars[j] == 0
        if self.done[j] or not (new or finished or (first and c.echo)):
            return None
        head = prep.prompt if first and c.echo else ""
        rows = None if c.logprobs is None else ((prep.rows or []) if head else []) + generated_rows(new)
        text = head + "".join(t.token for t in new)
        ids = [t.id for t in new] if c.return_token_ids else None
        out = choice(p * c.n + j, text, rows, c.logprobs, finish_reason(seq) if finished else None, ids,
                     offset=self.chars[j])
        self.tokens[j] += len(new)
        self.chars[j] += len(text)
        self.done[j] = finished
        return out


async def stream_prompt(c: CompletionRequest, envelope: Envelope, p: int, prep: Prepared,
                        totals: list[int]) -> AsyncIterator[dict]:
    progress = Streamed(c.n)
    if prep.run is None:  # echo with max_tokens=0: the prompt is the whole answer
        totals[0] += len(prep.rows)
        for j in range(c.n):
            yield envelope.chunk([progress.delta(c, p, prep, j, Sequence(), True)])
        return
    state = None
    async for state in iterate(prep.run.states):
        ended = state.done
        for j, seq in enumerate(state.sequences):
            if (delta := progress.delta(c, p, prep, j, seq, ended)) is not None:
                yield envelope.chunk([delta])
    totals[0] += state.prompt_tokens
    totals[1] += sum(len(s.tokens) for s in state.sequences)


async def stream(web: Web, c: CompletionRequest, first: Prepared) -> AsyncIterator[str]:
    envelope, totals = Envelope(c.model), [0, 0]
    try:
        for p, prompt in enumerate(c.prompts):
            prep = first if p == 0 else await prepare(web, c, prompt)
            async for chunk in stream_prompt(c, envelope, p, prep, totals):
                yield sse(chunk)
        if c.include_usage:
            yield sse(envelope.chunk([], usage(*totals)))
    except Exception as exc:  # noqa: BLE001 - the status line is sent: the error travels as an event
        yield sse(error_body(exc)[0])
    yield "data: [DONE]\n\n"


def routes(web: Web) -> list[Route]:
    async def models(request: Request) -> Response:
        try:
            web.admit(request)
            web.release(request)  # a dictionary read: counted against the rate limit, never in flight
        except Exception as exc:  # noqa: BLE001
            return error_response(exc)
        names = web.service.model_names(GENERATION)
        return JSONResponse({"object": "list", "data": [
            {"id": name, "object": "model", "created": 0, "owned_by": "llm-playground"} for name in names]})

    def leave(request: Request):
        async def done() -> None:  # async: run on the event loop, like every other change of the counts
            web.release(request)
            web.leave()
        return done

    async def completions(request: Request) -> Response:
        entered = handed_over = False
        try:
            web.enter()
            entered = True
            web.admit(request)
            c = parse(await json_object(request), web.service)
            check_model(web, c.model)
            if c.stream:
                first = await prepare(web, c, c.prompts[0])
                handed_over = True  # the slot is left when the stream ends, however it ends
                return StreamingResponse(stream(web, c, first), media_type="text/event-stream",
                                         headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
                                         background=BackgroundTask(leave(request)))
            finished, body = await unless_disconnected(request, complete(web, c))
            return JSONResponse(body) if finished else Response(status_code=499)
        except Exception as exc:  # noqa: BLE001 - every error becomes an OpenAI error object
            return error_response(exc)
        finally:
            if entered and not handed_over:
                web.release(request)
                web.leave()

    return [Route("/v1/models", models, methods=["GET"]), Route("/v1/completions", completions, methods=["POST"])]
