"""How many CPU cores each model thread's torch ops may use: all of them on one thread, one elsewhere.

Why: torch's CPU ops run on OpenMP, and GNU OpenMP gives every OS thread that starts a parallel region
its own team of threads. As soon as two threads of one process have a team, OpenMP counts more threads
than cores and stops letting idle team threads spin between regions: every small op then waits for
sleeping threads to wake. Measured on 2 cores (GPT-2 small, greedy decoding): 24.5 ms per token when one
thread ever ran torch, 36 ms once a second thread had run a single parallel op (int8: 10 → 19 ms), back
to 24.5 ms once that thread had exited. The app's model threads are a pool, so today's request and
yesterday's ran on different threads, and every model was that much slower.

So one model thread, the lead, uses every core (its team is the only one) and the others use one core
each (no team). The lead takes a request whenever it is free (workers.py); while another model thread is
computing too, the lead steps down to one core, so two forwards at once share the cores instead of three
threads fighting over two. A model thread counts as computing while it holds a model's lock (ModelLock):
two generations on one model take turns on that lock, and the lead's turns still get every core.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading

import torch

# The Cores of the Workers that runs this call (None on threads the app does not own: tests, scripts).
CURRENT: contextvars.ContextVar[Cores | None] = contextvars.ContextVar("playground_cores", default=None)
# Read once, before any model thread exists: torch.set_num_threads also sets the count a thread takes on its
# first torch op, so a thread asking later could be told 1 by a side thread's setting.
ALL_CORES = torch.get_num_threads()


def use(threads: int) -> None:
    """This thread's torch ops on `threads` cores (torch.get_num_threads first: torch sets each thread's
    count lazily on its first parallel op, which would undo a count set before it)."""
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


class Cores:
    def __init__(self, cores: int | None = None):
        self.cores = cores or ALL_CORES
        self._lock = threading.Lock()
        self._computing = 0
        self._lead: int | None = None

    def lead_started(self) -> None:
        """Called on the lead thread when it starts: it may use every core."""
        self._lead = threading.get_ident()
        use(self.cores)

    def side_started(self) -> None:
        use(1)

    def call_started(self) -> None:
        """A call starts on this model thread (work outside a model's lock, e.g. loading, would otherwise keep
        the count the lead's last forward left)."""
        self._fit(alone=self._computing == 0)

    @contextlib.contextmanager
    def computing(self):
        """Count this thread's work as computing (a training run, which holds no model's lock)."""
        self.begin()
        try:
            yield
        finally:
            self.end()

    def begin(self) -> None:
        """This model thread starts a forward: every core if it is the lead and nobody else computes."""
        with self._lock:
            self._computing += 1
            alone = self._computing == 1
        self._fit(alone)

    def end(self) -> None:
        with self._lock:
            self._computing -= 1

    def _fit(self, alone: bool) -> None:
        """The one rule: every core for the lead when no other thread computes, one core otherwise."""
        use(self.cores if alone and threading.get_ident() == self._lead else 1)


class ModelLock:
    """A model's lock (one forward at a time); holding it on a model thread counts as computing."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cores: Cores | None = None

    def __enter__(self) -> ModelLock:
        self._lock.acquire()
        try:
            cores = CURRENT.get()
            if cores is not None:
                cores.begin()
        except BaseException:
            self._lock.release()
            raise
        self._cores = cores
        return self

    def __exit__(self, *exc) -> None:
        cores, self._cores = self._cores, None
        if cores is not None:
            cores.end()
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()
