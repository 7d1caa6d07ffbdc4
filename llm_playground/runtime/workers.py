"""Long-lived model threads, one pool per service: run a call on them, or stream a producer's latest state.

Why long-lived: a fresh thread pays for a new OpenMP team on its first torch op (~20 ms per request
measured on 2 cores), which showed up in the time to first token. The web server calls handlers
from a pool of up to 40 threads that also do its own work, so model work is handed to these.

Which thread: the lead model thread when it is free (it may use every core, cores.py), another
otherwise (one core each); a call that needs no cores (an engine's stream) never takes the lead.

Why latest-state streaming: a UI generator that computes inside `yield` pauses the model every time
the browser update is being serialised and sent. Here the model runs at full speed; the consumer
gets the most recent state whenever it asks (intermediate states are coalesced), and closing the
consumer (Stop button, client gone) stops the producer promptly.
"""

from __future__ import annotations

import contextlib
import contextvars
import queue
import threading
from concurrent.futures import BrokenExecutor, Future, ThreadPoolExecutor
from typing import Callable, Iterator, TypeVar

from .cores import CURRENT, Cores

T = TypeVar("T")
_ITEM, _ERROR, _END = "item", "error", "end"
THREAD_NAME = "playground-stream"


class Workers:
    def __init__(self, max_workers: int = 16, cores: Cores | None = None):
        self.max_workers = max_workers
        self.cores = cores or Cores()
        self._pool: ThreadPoolExecutor | None = None  # started on first use: nothing heavy at import
        self._lead: ThreadPoolExecutor | None = None
        self._lead_busy = False
        self._lock = threading.Lock()
        self._active = 0
        self._stops: set[threading.Event] = set()  # one per running stream: shutdown ends them all

    @property
    def pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max(1, self.max_workers - 1), thread_name_prefix=THREAD_NAME,
                                                initializer=self.cores.side_started)
            return self._pool

    def _executor(self, compute: bool) -> tuple[ThreadPoolExecutor, bool]:
        """The lead thread if it is free and the call computes, else the pool (and whether it is the lead)."""
        with self._lock:
            if compute and not self._lead_busy:
                if self._lead is None:
                    self._lead = ThreadPoolExecutor(1, thread_name_prefix=THREAD_NAME + "-lead",
                                                    initializer=self.cores.lead_started)
                self._lead_busy = True
                return self._lead, True
        return self.pool, False

    def _run(self, lead: bool, fn: Callable[..., T], *args, **kwargs) -> T:
        CURRENT.set(self.cores)  # in this call's copied context: model locks taken in fn count its forwards
        self.cores.call_started()
        try:
            return fn(*args, **kwargs)
        finally:
            if lead:  # here, not in a done callback: the caller's next call, made as soon as it has the
                self._lead_free()  # result, must find the lead free

    def _lead_free(self) -> None:
        with self._lock:
            self._lead_busy = False

    def _lead_never_ran(self, future: Future) -> None:
        """A call on the lead that was cancelled before it started (or whose thread failed to start)."""
        if future.cancelled() or isinstance(future.exception(), BrokenExecutor):
            self._lead_free()

    @property
    def active(self) -> int:
        """Producers running now (0 once every stream has ended or been stopped)."""
        return self._active

    def call(self, fn: Callable[..., T], *args, compute: bool = True, **kwargs) -> T:
        """Run fn on a model thread and wait for it; the request context (progress, client) goes along.
        Called on one of these threads already (a REST handler's call that starts a generation), fn runs
        right here: waiting for another thread while holding this one could leave every thread waiting.
        compute=False: fn runs no model here (it waits for an engine), so it leaves the lead to calls that do."""
        if CURRENT.get() is self.cores:
            return fn(*args, **kwargs)
        return self.submit(fn, *args, compute=compute, **kwargs).result()

    def submit(self, fn: Callable[..., T], *args, compute: bool = True, **kwargs) -> Future:
        """Start fn on a model thread (async callers await the future instead of blocking a thread).
        compute=False: fn runs no model (an engine's stream), so it leaves the lead to calls that do."""
        context = contextvars.copy_context()
        executor, lead = self._executor(compute)
        try:
            future = executor.submit(context.run, self._run, lead, fn, *args, **kwargs)
        except BaseException:
            if lead:
                self._lead_free()
            raise
        if lead:
            future.add_done_callback(self._lead_never_ran)
        return future

    def latest(self, produce: Callable[[threading.Event], Iterator[T]], join_timeout: float = 10.0,
               first_handoff: float = 1.0, stop: threading.Event | None = None, compute: bool = True
               ) -> Iterator[T]:
        """Yield the newest item of `produce(stop_event)` each time; errors re-raise here.

        After its first item the producer pauses (up to `first_handoff` seconds) until the consumer has
        passed that item on: the model's next steps would otherwise take every core while the first
        update is being serialised and sent, and the first token would reach the user late.
        `stop`: set it to end the producer early while still reading what it yields last (a Stop button).
        """
        stop, inbox, first_sent = stop or threading.Event(), queue.Queue(), threading.Event()
        with self.stoppable(stop):
            # with the request's context: a producer reports progress to the page (compiling a decode step)
            worker = self.submit(self._produce, produce, stop, inbox, first_sent, first_handoff, compute=compute)
            try:
                yield from _drain(inbox, first_sent)
            finally:
                first_sent.set()
                stop.set()  # consumer closed early (Stop, disconnect) or finished: end the producer
                try:
                    worker.result(join_timeout)
                except Exception:  # noqa: BLE001 - _produce reports its own errors through the inbox
                    pass

    @contextlib.contextmanager
    def stoppable(self, stop: threading.Event) -> Iterator[threading.Event]:
        """While the block runs, shutdown sets `stop` (a generation reading it ends within a step)."""
        with self._lock:
            self._stops.add(stop)
        try:
            yield stop
        finally:
            with self._lock:
                self._stops.discard(stop)

    def _produce(self, produce, stop, inbox, first_sent, first_handoff) -> None:
        with self._lock:
            self._active += 1
        try:
            # Not cut short when `stop` is set: the producer ends within a step, and what it yields last
            # (its state marked stopped) is what a Stop button must show.
            for count, item in enumerate(produce(stop)):
                inbox.put((_ITEM, item))
                if count == 0:
                    first_sent.wait(first_handoff)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            inbox.put((_ERROR, exc))
        finally:
            inbox.put((_END, None))
            with self._lock:
                self._active -= 1

    def shutdown(self) -> None:
        """Stop every running stream (each ends within a step, as if its client had left) and the pool."""
        with self._lock:
            pools, self._pool, self._lead = (self._pool, self._lead), None, None
            self._lead_busy = False  # a call queued on the old lead is cancelled below and never frees it
            for stop in self._stops:
                stop.set()
        for pool in pools:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)


def _drain(inbox: queue.Queue, first_sent: threading.Event) -> Iterator:
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
