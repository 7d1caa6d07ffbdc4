"""Plain REST: `POST /api/v1/<api name>` for every task spec with an endpoint, and `GET /api/v1/models`.

A request is one JSON object of named parameters (omitted ones take the spec's default; `model` the
catalogue's default model for the task); the answer is the same JSON object the Gradio endpoint of
the same name returns. Errors are `{"error": "<the message the UI shows>"}` with a 4xx status (5xx only
for the server's own faults). The routes come from the specs: a new tab's endpoint gets a route too.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
from concurrent.futures import Future
from typing import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ...specs import TaskSpec
from .. import api
from .common import ApiError, Web, classify, json_object, last, unless_disconnected

PREFIX = "/api/v1"


def error_response(exc: Exception) -> JSONResponse:
    err = classify(exc)
    return JSONResponse({"error": err.message}, err.status)


def named_arguments(web: Web, spec: TaskSpec, raw: dict) -> dict:
    """The request's parameters by their spec names: aliases resolved, unknown and missing ones refused."""
    params = {p.name: p for p in spec.api_params()}
    aliases = {alias: p.name for p in params.values() for alias in p.aliases}
    unknown = [key for key in raw if key not in params and key not in aliases]
    if unknown:
        names = ", ".join(repr(k[:40]) for k in unknown[:5])
        raise ApiError(400, f"Unknown parameter{'s' if len(unknown) > 1 else ''} {names} for {PREFIX}/"
                            f"{spec.api_name}; it takes: {', '.join(params) or 'no parameters'}.")
    out, given = {}, {}
    for key, value in raw.items():
        name = aliases.get(key, key)
        if name in given:
            raise ApiError(400, f"'{given[name]}' and '{key}' are the same parameter ({name}): give one of them.")
        given[name], out[name] = key, value
    if "model" in params and out.get("model") is None and spec.model_task:
        out["model"] = web.service.default_model(spec.model_task)
    signature = api.signature(spec)
    missing = [n for n, p in signature.parameters.items() if p.default is inspect.Parameter.empty and n not in out]
    if missing:
        param = params[missing[0]]
        raise ApiError(400, f"Missing parameter '{param.name}' ({param.doc}).")
    return out


# Each request's caller (its disconnect event, its client), read by rest_caller on the thread that runs the
# endpoint (the context goes along to the model threads and to anyio's).
CALLER: contextvars.ContextVar[api.Caller] = contextvars.ContextVar("rest_caller")
# What a REST answer has beyond the Gradio endpoint's: /generate's `generated_text` (prompt + completion), as
# transformers' pipeline names it.
ALSO = {"generate": lambda result: {"generated_text": result["text"]}}


def rest_caller() -> api.Caller:
    return CALLER.get()


async def answer(web: Web, request: Request, endpoint: Callable, values: dict
                 ) -> tuple[bool, dict | None, Future]:
    """(True, the endpoint's answer, its work), or (False, None, its work) once the client disconnected: the work
    then stops (a generation within a step, a fine-tuning run at its next report; one not begun never runs).
    The endpoint runs on a model thread, awaited without holding a web server thread; where is the service's
    call (`needs_cores`: the lead thread only for work that computes here, not for an engine's generation)."""
    gone = threading.Event()
    token = CALLER.set(api.Caller(lambda: not gone.is_set(), gone, request.state.playground_client))
    compute = not endpoint.places_itself or web.service.needs_cores(values.get("model"))
    work = web.service.workers.submit(endpoint, compute=compute, **values)
    try:
        finished, result = await unless_disconnected(request, asyncio.wrap_future(work))
        if finished and inspect.isgenerator(result):  # a streaming endpoint (/fine_tune): its final state
            finished, result = await unless_disconnected(request, last(result))
        return finished, result, work
    finally:
        gone.set()  # disconnected, cancelled or done: nothing is waited for any more
        work.cancel()  # not begun yet: it never will
        CALLER.reset(token)


def task_route(web: Web, spec: TaskSpec, endpoint: Callable[..., dict]) -> Callable:
    async def handle(request: Request) -> Response:
        work = None
        try:
            web.enter()
            try:
                web.admit(request)
                values = named_arguments(web, spec, await json_object(request))
                finished, result, work = await answer(web, request, endpoint, values)
            finally:
                web.done(request, work)  # now, or when work its client left still runs ends
        except Exception as exc:  # noqa: BLE001 - every error becomes a JSON answer
            return error_response(exc)
        if not finished:
            return Response(status_code=499)  # nobody is listening; nothing to send
        also = ALSO.get(spec.api_name)
        return JSONResponse(result | also(result) if also else result)

    handle.__name__ = f"rest_{spec.api_name}"
    return handle


async def health(request: Request) -> Response:
    """For container health checks: answers as soon as the server does (no model, no rate limit)."""
    return JSONResponse({"status": "ok"})


def routes(web: Web) -> list[Route]:
    out = [Route(f"{PREFIX}/health", health, methods=["GET"])]
    for name, (endpoint, spec) in api.endpoints(web.service, rest_caller).items():
        methods = ["POST"] if spec.api_params() else ["GET", "POST"]  # /models takes nothing: GET works too
        out.append(Route(f"{PREFIX}/{name}", task_route(web, spec, endpoint), methods=methods))
    return out
