"""What this app changes in the pinned gradio (6.31.0), each checked by tests/api/test_gradio_patches.py:

- four performance fixes: the session snapshot (applied by launch), the analytics summary, the idle queue's
  polling, and API results that gradio need not walk looking for files (`NoFiles`);
- admission on the queue: each request is checked for its client before it is queued (serving/gate.py's
  `Gate.admit`, which the gate's own doors use too);
- `still_wanted`: whether the client of the running event is still there to read its result;
- `lend_request`: on ZeroGPU, a REST or OpenAI request where `spaces` looks for the visitor's quota token.

The last three are applied per app (on its own queue object) by build_app, never process-wide.

Profiling the API (py-spy on the bench's plain-HTTP calls) showed ~50 % of server CPU per request in
gradio's SessionState.__init__: every new session (each curl / HTTP API call, each page load) renders
the config of *every* component of the app up front, only to keep a snapshot for gradio's own
"deep link" feature. That cost grows with the number of components (this app has six tabs).
Here the snapshot is built lazily: gradio's per-event code already computes missing entries per
component on demand, and the deep-link listing fills in the rest when it is asked for.
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from collections import Counter
from copy import copy

log = logging.getLogger(__name__)

PATCHED_VERSION = "6.31.0"


def _lazy_init(self, blocks) -> None:
    """SessionState.__init__ of gradio 6.31.0, without the eager per-component config snapshot."""
    self.blocks_config = copy(blocks.default_config)
    self.config_values = {}
    self._playground_blocks = blocks
    self.state_data = {}
    self._state_ttl = {}
    self.is_closed = False
    self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST", None) else 3600


def _components(self):
    """gradio's SessionState.components, filling in the configs not computed yet."""
    for key, block in self.blocks_config.blocks.items():
        if key in self._playground_blocks.blocks and key not in self.config_values:
            self.config_values[key] = self.blocks_config.config_for_block(key, [], block)
    for config in self.config_values.values():
        if config:
            yield config


def lazy_session_configs() -> bool:
    """Apply the patch once; returns whether it is active (only on the gradio version it was written for)."""
    import gradio
    from gradio import state_holder

    cls = state_holder.SessionState
    if getattr(cls, "_playground_lazy", False):
        return True
    if gradio.__version__ != PATCHED_VERSION:
        log.warning("gradio %s is not %s: session snapshot patch not applied", gradio.__version__, PATCHED_VERSION)
        return False
    cls.__init__ = _lazy_init
    cls.components = property(_components)
    cls._playground_lazy = True
    return True


class NoFiles(dict):
    """An API result that holds no files (plain JSON data). Gradio walks every result twice, in Python, node by
    node, looking for file payloads to move into its cache and prefix with the server's URL: for a /generate
    result with its per-token alternatives that was ~55 % of the app's CPU per request (py-spy, 16 users on a
    vLLM engine), CPU the engine then lacked on a shared machine. Results of this type are passed through."""


def _plain(data) -> bool:
    """A NoFiles value, or the list of one event's outputs made of them."""
    return type(data) is NoFiles or (type(data) is list and bool(data) and all(type(d) is NoFiles for d in data))


def _passing_no_files(walk):
    if getattr(walk, "_playground_no_files", False):
        return walk
    if inspect.iscoroutinefunction(walk):
        async def passing(data, *args, **kwargs):
            return data if _plain(data) else await walk(data, *args, **kwargs)
    else:
        def passing(data, *args, **kwargs):
            return data if _plain(data) else walk(data, *args, **kwargs)
    passing._playground_no_files = True
    return passing


def no_file_scan_of_plain_results() -> bool:
    """Make gradio's two result walks (processing_utils.async_move_files_to_cache and add_root_url, looked up
    on the module at every call) return NoFiles results as they are; anything else is walked as before.
    Returns whether it is active (only on the gradio version it was written for)."""
    import gradio
    from gradio import processing_utils as utils

    if gradio.__version__ != PATCHED_VERSION:
        log.warning("gradio %s is not %s: result walking patch not applied", gradio.__version__, PATCHED_VERSION)
        return False
    utils.async_move_files_to_cache = _passing_no_files(utils.async_move_files_to_cache)
    utils.add_root_url = _passing_no_files(utils.add_root_url)
    return True


ANALYTICS_EVERY = 500


def fewer_analytics_summaries(app) -> None:
    """Gradio recomputes its monitoring summary (a pandas groupby over up to 10,000 past events) after every
    single event; profiling showed it in the hot path of every API call, growing with uptime. Once per 500
    events keeps the dashboard useful and takes it off the request path. Set on this app's queue (gradio
    reads GRADIO_ANALYTICS_CACHE_FREQUENCY only when the queue is created), not in the process environment."""
    app._queue.ANAYLTICS_CACHE_FREQUENCY = ANALYTICS_EVERY  # sic: gradio's spelling


QUEUE_POLL = 0.005  # seconds; gradio's default on Linux is 0.001


def quieter_queue_polling(app) -> None:
    """Gradio's queue looks for new events every millisecond while it has none to start (and while all its
    workers are busy): measured, an idle app took ~9 % of a core doing so, CPU that a model or an engine on
    the same machine then lacks. Every 5 ms costs a new event at most 5 ms more wait. Set on this app's queue."""
    app._queue.sleep_when_free = QUEUE_POLL


def admission(app, gate) -> None:
    """Check every request when gradio queues it, not when it runs: a client over its rate limit or
    with too many requests in flight (here and at the gate's own doors: `gate.admit`) gets HTTP 429 with
    the reason (the page shows it; gradio_client raises an HTTP error), and nothing of it enters the shared
    queue; a file it names must be one it uploaded (`gate.check_files`). Admitted requests wait in a fair
    order: each client's next request goes behind one request of every other waiting client (gradio's
    queue is first come, first served, so a client with eight requests in flight would go before all)."""
    from fastapi import HTTPException
    from gradio import route_utils

    from . import clients
    from .doors import Refused

    queue, push, hops = app._queue, app._queue.push, gate.hops

    async def admitted_push(body, request, username):
        fn = route_utils.get_fn(queue.blocks, None, body) if body.fn_index is not None else None
        if fn is not None and getattr(fn.fn, "api_name", None):
            body.data = _complete_values(fn.fn, body.data)
        if fn is not None and fn.fn is not None:
            client = clients.of_request(request, hops)
            try:
                gate.admit(client, getattr(fn.fn, "rate_limited", False))
                gate.check_files(body.data, client)
            except Refused as exc:
                raise HTTPException(status_code=exc.status, detail=exc.message) from None
        pushed = await push(body, request, username)
        if fn is not None and fn.concurrency_id in queue.event_queue_per_concurrency_id:
            async with queue.delete_lock:  # gradio's own lock around changes of the waiting lists
                _fair_order(queue, queue.event_queue_per_concurrency_id[fn.concurrency_id].queue, hops)
        return pushed

    queue.push = admitted_push


def lend_request(request) -> None:
    """`spaces` bills a GPU call to the visitor whose `X-IP-Token` header it finds in gradio's request context
    (spaces/zero/client.py), which only gradio's own routes set: without it a REST or OpenAI call would be billed
    to no one in particular. Set for this request's task, whose copies of the context the model threads get."""
    import gradio as gr
    from gradio.context import LocalContext

    LocalContext.request.set(gr.Request(request=request))


def _client_of(event, hops: int) -> str:
    from . import clients

    if not hasattr(event, "_playground_client"):
        event._playground_client = clients.of_request(event.request, hops)
    return event._playground_client


def _fair_order(queue, waiting: list, hops: int) -> None:
    """Reorder a concurrency id's waiting list in place by each event's turn: how many requests its client
    has running or waiting ahead of it (ties keep arrival order)."""
    running = Counter(_client_of(e, hops) for jobs in queue.active_jobs if jobs for e in jobs)
    seen, turns = Counter(), []
    for index, event in enumerate(waiting):
        client = _client_of(event, hops)
        turns.append((running[client] + seen[client], index, event))
        seen[client] += 1
    waiting[:] = [event for _, _, event in sorted(turns, key=lambda t: t[:2])]


def in_flight(queue, client: str, hops: int) -> int:
    """Events of `client` waiting in any concurrency queue or running now."""

    waiting = [e for q in queue.event_queue_per_concurrency_id.values() for e in q.queue]
    running = [e for jobs in queue.active_jobs if jobs for e in jobs]
    return sum(_client_of(e, hops) == client for e in waiting + running)


UNREAD_GRACE = 5.0  # seconds a result may wait for its reader before the work counts as abandoned


def still_wanted():
    """A check, for the event gradio is running now, that its client is still there to read the result.

    It says False once the client disconnected (gradio then marks the event not `alive`; it stops pulling
    generators by itself, but a plain function would run to its end), or when the event's messages have
    waited unread for UNREAD_GRACE seconds: a POST to /call/<api> whose result is never fetched.
    """
    from gradio.context import LocalContext

    blocks, event_id = LocalContext.blocks.get(None), LocalContext.event_id.get(None)
    queue = getattr(blocks, "_queue", None)
    event = next((e for jobs in getattr(queue, "active_jobs", []) if jobs for e in jobs if e._id == event_id), None)
    if event is None:
        return lambda: True
    unread_since: list[float | None] = [None]

    def wanted() -> bool:
        if not event.alive:
            return False
        messages = queue.pending_messages_per_session.get(event.session_hash)
        if messages is None or messages.qsize() == 0:
            unread_since[0] = None
            return True
        unread_since[0] = unread_since[0] or time.monotonic()
        return time.monotonic() - unread_since[0] < UNREAD_GRACE

    return wanted


def _complete_values(endpoint, data) -> list:
    """Plain-HTTP API calls send positional values: omitted trailing ones take the endpoint's defaults (as
    gradio_client does), a missing required one is refused naming the parameters (instead of gradio's error
    without a message), and extra ones are ignored as gradio always has."""
    import inspect

    from fastapi import HTTPException

    params = list(inspect.signature(endpoint).parameters.values())
    data = list(data or [])
    names = ", ".join(p.name for p in params)
    missing = [p.name for p in params[len(data):] if p.default is inspect.Parameter.empty]
    if missing:
        raise HTTPException(status_code=400, detail=f"/{endpoint.api_name} needs {', '.join(missing)} (values in "
                                                    f"this order: {names}; later ones may be left out).")
    return data + [p.default for p in params[len(data):]]
