"""Run a step-by-step producer in a worker thread and hand the consumer the latest state.

Why: a UI generator that computes inside `yield` pauses the model every time the browser update
is being serialised and sent, so the UI would generate slower than the model can. Here the model
runs at full speed; the consumer gets the most recent state whenever it asks (intermediate states
are coalesced), and closing the consumer (Stop button, client gone) stops the producer promptly.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
_ITEM, _ERROR, _END = "item", "error", "end"


def latest_in_background(produce: Callable[[threading.Event], Iterator[T]],
                         join_timeout: float = 10.0) -> Iterator[T]:
    """Yield the newest item of `produce(stop_event)` each time; errors re-raise here."""
    stop, inbox = threading.Event(), queue.Queue()

    def run() -> None:
        try:
            for item in produce(stop):
                inbox.put((_ITEM, item))
                if stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            inbox.put((_ERROR, exc))
        finally:
            inbox.put((_END, None))

    worker = threading.Thread(target=run, name="playground-stream", daemon=True)
    worker.start()
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
    finally:
        stop.set()  # consumer closed early (Stop, disconnect) or finished: end the producer
        worker.join(join_timeout)
