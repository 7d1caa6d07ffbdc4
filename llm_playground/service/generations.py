"""Which backend runs a generation (a local model or an engine's), and how its stream runs.

Both stream on the service's model threads (workers.latest: the newest state whenever the consumer
asks, stopped within a step when it goes away). Local generations share this machine's CPU and take
turns on each model's lock, so at most CONCURRENCY of them run at once even where the Generate tab
admits more requests for the engines, which batch many streams together.
"""

from __future__ import annotations

import threading
from typing import Callable, Iterator

from ..backends.base import GenerationBackend
from ..backends.engine.backend import EngineGeneration
from ..backends.engine.registry import EngineRegistry
from ..errors import EngineUnreachable
from ..runtime.workers import Workers
from ..tasks.generation import GenerationParams, GenerationState

CONCURRENCY = 4  # requests per concurrency id at once; local generations never exceed it
# Nobody watches a whole-result generation stream: bigger engine chunks cost the engine and the app fewer
# JSON messages (a stop or a vanished client is still noticed within one chunk).
WHOLE_RESULT_CHUNK = 16


class Generations:
    def __init__(self, engines: EngineRegistry, workers: Workers, engine_concurrency: int,
                 is_engine_model: Callable[[str], bool], load_local: Callable[..., object]):
        self.engines, self.workers = engines, workers
        self.engine_concurrency = engine_concurrency if engines else 0
        self.is_engine_model, self.load_local = is_engine_model, load_local
        self._local_slots = threading.BoundedSemaphore(CONCURRENCY)
        self._running: dict[str, set[threading.Event]] = {}  # owner (a page) -> its streams' stop events
        self._running_lock = threading.Lock()

    def concurrency_limit(self, concurrency_id: str | None) -> int:
        """Generate's limit grows by the engines' capacity; every other task keeps CONCURRENCY."""
        return CONCURRENCY + (self.engine_concurrency if concurrency_id == "generate" else 0)

    def backend(self, name: str, dtype: str = "auto", progress=None) -> GenerationBackend:
        served = self.engines.find(name) if self.is_engine_model(name) else None
        if served is not None:
            return EngineGeneration(served, self.engines.texts(served), dtype)
        return self.load_local(name, dtype, progress)

    def claim(self, owner: str | None) -> threading.Event:
        """The stop event of `owner`'s next stream, which stop(owner) sets from now on: a Stop pressed while
        the model loads or the prompt is measured ends that stream before its first step. Pass it to
        `states`, which lets it go when the stream ends."""
        stop = threading.Event()
        with self._running_lock:
            self._running.setdefault(owner, set()).add(stop)
        return stop

    def release(self, owner: str | None, stop: threading.Event) -> None:
        with self._running_lock:
            streams = self._running.get(owner, set())
            streams.discard(stop)
            if not streams:
                self._running.pop(owner, None)

    def states(self, backend: GenerationBackend, prompt: str, params: GenerationParams, owner: str | None = None,
               finished: threading.Event | None = None, stop: threading.Event | None = None
               ) -> Iterator[GenerationState]:
        """Streamed on a model thread; the consumer gets the newest state each time it asks. `stop(owner)`
        ends it within a step, and the consumer still gets the last state (done, marked stopped); stopped
        before it began (`stop`, from claim), it yields nothing. `finished` is set once the last state has
        been handed over (a pacing consumer need not wait longer)."""
        steps = self._engine if isinstance(backend, EngineGeneration) else self._local

        def produce(*args):
            try:
                yield from steps(*args)
            finally:
                if finished is not None:
                    finished.set()

        stop = stop or self.claim(owner)
        try:
            if stop.is_set():  # Stop came while it was being prepared: nothing to run
                if finished is not None:
                    finished.set()
                return
            yield from self.workers.latest(lambda s: produce(backend, prompt, params, s), stop=stop,
                                           compute=not isinstance(backend, EngineGeneration))
        finally:
            self.release(owner, stop)

    def stop(self, owner: str) -> bool:
        """Stop the owner's running streams (a page's Stop button); False when none was running."""
        with self._running_lock:
            streams = list(self._running.get(owner, ())) if owner is not None else []
        for stop in streams:
            stop.set()
        return bool(streams)

    def run(self, backend: GenerationBackend, prompt: str, params: GenerationParams,
            keep_going: Callable[[], bool] | None = None, stop: threading.Event | None = None
            ) -> GenerationState | None:
        """The final state, computed on the calling thread; None when `keep_going` said stop first.
        `stop`, once set (the caller left, the app shuts down), ends it within a step, even while it
        still waits for a local slot, and the last state is marked stopped."""
        produce = self._engine if isinstance(backend, EngineGeneration) else self._local
        if isinstance(backend, EngineGeneration):
            backend.chunk_tokens = WHOLE_RESULT_CHUNK
        state, stop = None, stop or threading.Event()
        with self.workers.stoppable(stop):
            steps = produce(backend, prompt, params, stop)
            try:
                for state in steps:
                    if keep_going is not None and not keep_going():
                        stop.set()
                        return None
            finally:
                steps.close()
        return state

    def _local(self, backend, prompt: str, params: GenerationParams, stop: threading.Event):
        while not self._local_slots.acquire(timeout=0.2):
            if stop.is_set():
                return
        try:
            with backend.session():  # the manager must not unload the model under a running stream
                yield from backend.stream(prompt, params, stop)
        finally:
            self._local_slots.release()

    def _engine(self, backend: EngineGeneration, prompt: str, params: GenerationParams, stop: threading.Event):
        try:
            yield from backend.stream(prompt, params, stop)
        except EngineUnreachable as exc:  # say so (Models, the Generate tab) until it answers again
            self.engines.mark_down(backend.served.client, str(exc))
            raise
