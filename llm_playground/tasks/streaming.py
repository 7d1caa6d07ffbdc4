"""Run a step-by-step producer in a worker thread and hand the consumer the latest state.

Why: a UI generator that computes inside `yield` pauses the model every time the browser update
is being serialised and sent, so the UI would generate slower than the model can. Here the model
runs at full speed; the consumer gets the most recent state whenever it asks (intermediate states
are coalesced), and closing the consumer (Stop button, client gone) stops the producer promptly.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
_ITEM, _ERROR, _END = "item", "error", "end"

# Producers run on long-lived threads: a fresh thread pays for a new OpenMP team on its first torch
# op (~20 ms per request measured on 2 cores), which showed up in the time to first token.
_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="playground-stream")
_active = 0
_active_lock = threading.Lock()


def run_on_model_thread(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run fn on the same few long-lived threads the streams use, and wait for it (see _POOL).

    The web server calls handlers from a pool of up to 40 threads that also do its own work, so a
    model call often lands on a thread that has never run torch and pays its start-up cost.
    """
    context = contextvars.copy_context()  # keeps the web framework's request/progress context
    return _POOL.submit(context.run, fn, *args, **kwargs).result()


def active_producers() -> int:
    """How many producers are running now (0 once every stream has ended or been stopped)."""
    return _active


def latest_in_background(produce: Callable[[threading.Event], Iterator[T]],
                         join_timeout: float = 10.0, first_handoff: float = 1.0) -> Iterator[T]:
    """Yield the newest item of `produce(stop_event)` each time; errors re-raise here.

    After its first item the producer pauses (up to `first_handoff` seconds) until the consumer has
    passed that item on: the model's next steps would otherwise take every core while the first
    update is being serialised and sent, and the first token would reach the user late.
    """
    stop, inbox, first_sent = threading.Event(), queue.Queue(), threading.Event()

    def run() -> None:
        global _active
        with _active_lock:
            _active += 1
        try:
            for count, item in enumerate(produce(stop)):
                inbox.put((_ITEM, item))
                if count == 0:
                    first_sent.wait(first_handoff)
                if stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            inbox.put((_ERROR, exc))
        finally:
            inbox.put((_END, None))
            with _active_lock:
                _active -= 1

    worker = _POOL.submit(run)
    try:
        finished = False
        while not finished:
            batch = [inbox.get()]
            while not inbox.empty():
                batch.append(inbox.get_nowait())
            latest = None
            for kind, item in batch:
                if kind == _ERROR:
                    raise item
                if kind == _END:
                    finished = True
                else:
                    latest = item
            if latest is not None:
                yield latest
                first_sent.set()  # the caller asked for more: the first update is out
    finally:
        first_sent.set()
        stop.set()  # consumer closed early (Stop, disconnect) or finished: end the producer
        try:
            worker.result(join_timeout)
        except Exception:  # noqa: BLE001 - run() reports its own errors through the inbox
            pass
