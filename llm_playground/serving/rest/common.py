"""Plumbing shared by the plain REST and the OpenAI-compatible routes: reading a request, admitting it,
running model work off the event loop, and turning errors into HTTP statuses.

These routes are plain Starlette handlers (no gradio import): ui/app.py mounts them on Gradio's FastAPI
app, inside the same ASGI middleware (the body limit), and hands over how a client is identified so the
rate limit counts the same key as the UI and Gradio's API.
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator, TypeVar

import anyio
from starlette.requests import ClientDisconnect, Request

from ...errors import PlaygroundError
from ...service.ratelimit import RateLimited, TooManyAtOnce
from ..doors import Refused

log = logging.getLogger("llm_playground")
T = TypeVar("T")
INTERNAL = "Something went wrong on the server ({}). The error was logged; please try again."


class ApiError(Exception):
    """A refusal with an HTTP status and a message for the caller (and, for OpenAI, the parameter)."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


class Busy(ApiError):
    def __init__(self, limit: int):
        super().__init__(503, f"The server is busy ({limit} API requests are running or waiting). "
                              "Try again in a moment.", code="server_busy")


@dataclass
class Web:
    """What the HTTP routes of one app share: its service and its gate (serving/gate.py), which tells clients
    apart the same way at every door and counts each client's requests in flight across all of them."""
    service: Any  # PlaygroundService
    gate: Any  # serving.gate.Gate (duck-typed here: this package imports no gradio)
    in_flight: int = field(default=0, init=False)  # touched only on the event loop: no lock needed

    @property
    def max_in_flight(self) -> int:
        return max(1, self.service.settings.queue_size)

    def enter(self) -> None:
        """One more request in progress; beyond the queue size new ones are refused instead of piling up."""
        if self.in_flight >= self.max_in_flight:
            raise Busy(self.max_in_flight)
        self.in_flight += 1

    def leave(self) -> None:
        self.in_flight -= 1

    def done(self, request: Request, work: Future | None = None) -> None:
        """The request stops counting (in flight at these routes, and for its client) once its work has ended: a
        client that leaves while its model loads or steps must not free its slots early (connecting and leaving
        in a loop would pass every cap). Call it on the event loop, after `enter`."""
        if work is not None and not work.done():
            loop = asyncio.get_running_loop()
            work.add_done_callback(lambda _: loop.call_soon_threadsafe(self.done, request))
            return
        self.release(request)
        self.leave()

    def admit(self, request: Request) -> None:
        """The gate's admission for this client (rate limit; its requests in flight at every door, the queue's
        included, against the job cap), then the request counts as in flight for its client until `release`."""
        key = self.gate.client(request.scope)
        try:
            self.gate.admit(key, counted=True)
        except Refused as refused:  # a 429 with the service's reason
            raise ApiError(refused.status, refused.message, code="rate_limit_exceeded") from None
        self.gate.enter(key)
        request.state.playground_client = key
        self.gate.lend_request(request)  # on ZeroGPU, whose quota pays for its GPU calls

    def release(self, request: Request) -> None:
        key = getattr(request.state, "playground_client", None)
        if key is not None:
            self.gate.leave(key)
            request.state.playground_client = None

    async def run(self, fn: Callable[..., T], *args, compute: bool = True, **kwargs) -> T:
        """fn on the service's model threads, awaited without holding a web server thread (compute: see
        Workers.submit). Cancelled (its client left), it still waits for work already begun (a model load
        cannot be interrupted): the request keeps counting until then, as in `done`."""
        work = self.service.workers.submit(fn, *args, compute=compute, **kwargs)
        try:
            return await asyncio.wrap_future(work)
        except asyncio.CancelledError:
            if not work.cancel():  # begun: its end is waited for, whatever it was
                with anyio.CancelScope(shield=True):
                    await asyncio.wait([asyncio.wrap_future(work)])
            raise


def classify(exc: Exception) -> ApiError:
    """Any exception as an ApiError: the caller's mistakes 4xx with their message, the server's 500."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, (RateLimited, TooManyAtOnce)):
        return ApiError(429, str(exc), code="rate_limit_exceeded")
    if isinstance(exc, PlaygroundError):
        return ApiError(400, str(exc))
    log.error("unexpected error in an HTTP API route", exc_info=exc)
    return ApiError(500, INTERNAL.format(type(exc).__name__), code="internal_error")


async def json_object(request: Request) -> dict:
    """The request body as a JSON object ({} when empty), or a 4xx saying what is wrong with it."""
    try:
        body = await request.body()
    except ClientDisconnect:  # the body limit cut a body sent without Content-Length (or the client left)
        raise ApiError(413, "The request body is too large or was cut off.") from None
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(400, "The request body must be UTF-8 encoded JSON.") from None
    except ValueError as exc:
        raise ApiError(400, f"The request body is not valid JSON ({exc}).") from None
    except RecursionError:  # json's parser recurses per level: a deeply nested body was a 500 and a traceback
        raise ApiError(400, "The request body is nested too deeply.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object of named parameters, "
                            f"e.g. {{\"prompt\": \"Once upon a time\"}}; got a JSON {type(data).__name__}.")
    return data


async def iterate(items: Iterator[T]) -> AsyncIterator[T]:
    """Each item of a blocking iterator (a generation's states), fetched on a worker thread.

    However the consumer ends (finished, error, client gone, cancelled), the iterator is closed, which
    stops a generation within one step (workers.latest sets its stop event)."""
    end = object()
    try:
        while (item := await anyio.to_thread.run_sync(next, items, end)) is not end:
            yield item
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(items.close)


async def last(items: Iterator[T]) -> T | None:
    item = None
    async for item in iterate(items):
        pass
    return item


async def unless_disconnected(request: Request, work: Awaitable[T]) -> tuple[bool, T | None]:
    """(True, result) of `work`, or (False, None) when the client disconnected first: `work` is then
    cancelled (a generation stops within a step). Call it after the body was read: the only message
    left to receive is the disconnect. Errors of `work` are raised as they are (not as a group)."""
    outcome: dict[str, Any] = {}

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        group.cancel_scope.cancel()

    async def run() -> None:
        try:
            outcome["result"] = await work
        except Exception as exc:  # noqa: BLE001 - re-raised below, outside the task group
            outcome["error"] = exc
        group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(watch)
        group.start_soon(run)
    if "error" in outcome:
        raise outcome["error"]
    return "result" in outcome, outcome.get("result")
