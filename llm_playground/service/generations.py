"""Generation in the service: its methods (GenerationTasks, a mixin of PlaygroundService: check the request once,
find its backend, prepare it, run it) and the runner they share (Generations: local slots, Stop by page).

A Generate click reaches the model in these hops: ui/binding -> ui/tabs/generation_run.run_generation ->
generate_stream -> (a model thread) _generation: checks.checked, GenerationParams.from_checked, generation_backend,
backend.prepare -> Generations.states -> (a model thread) Workers.latest -> Generations._local ->
LocalGeneration.stream -> DecodeSteps.forward. An API /generate is the same from generate on, whole.

Both backends stream on the service's model threads (workers.latest: the newest state whenever the consumer
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
from ..backends.local import LocalGeneration, model_info
from ..errors import ClientGone, EngineUnreachable
from ..runtime.workers import Workers
from ..tasks.generation import MAX_ALTERNATIVES, TOP_N, GenerationParams, GenerationState
from ..tasks.validation import number
from .outcome import GenerationRun, Outcome, Progress, unless_caller_left

CONCURRENCY = 4  # requests per concurrency id at once; local generations never exceed it
# Nobody watches a whole-result generation stream: bigger engine chunks cost the engine and the app fewer
# JSON messages (a stop or a vanished client is still noticed within one chunk).
WHOLE_RESULT_CHUNK = 16


class Generations:
    def __init__(self, engines: EngineRegistry, workers: Workers, engine_concurrency: int,
                 local_stream: Callable[..., Iterator[GenerationState]] | None = None):
        self.engines, self.workers = engines, workers
        # a local backend's states: its own stream, or on ZeroGPU one from a GPU call (service/gpu_work.py)
        self.local_stream = local_stream or (lambda backend, prompt, params, stop: backend.stream(prompt, params, stop))
        self.engine_concurrency = engine_concurrency if engines else 0
        self._local_slots = threading.BoundedSemaphore(CONCURRENCY)
        self._running: dict[str, set[threading.Event]] = {}  # owner (a page) -> its streams' stop events
        self._running_lock = threading.Lock()

    def concurrency_limit(self, concurrency_id: str | None) -> int:
        """Generate's limit grows by the engines' capacity; every other task keeps CONCURRENCY."""
        return CONCURRENCY + (self.engine_concurrency if concurrency_id == "generate" else 0)

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
                yield from self.local_stream(backend, prompt, params, stop)
        finally:
            self._local_slots.release()

    def _engine(self, backend: EngineGeneration, prompt: str, params: GenerationParams, stop: threading.Event):
        try:
            yield from backend.stream(prompt, params, stop)
        except EngineUnreachable as exc:  # say so (Models, the Generate tab) until it answers again
            self.engines.mark_down(backend.served.client, exc.text)
            raise


class GenerationTasks:
    """The service's generation methods (a mixin of PlaygroundService): check, find the backend, prepare, run."""

    def generation_backend(self, name: str, dtype: str = "auto", progress: Progress | None = None
                           ) -> GenerationBackend:
        """An engine's model streams from its engine; any other name is loaded here."""
        served = self.engines.find(name) if self.is_engine_model(name) else None
        if served is not None:
            return EngineGeneration(served, self.engines.texts(served), dtype)
        return LocalGeneration(self._model(name, "generate", dtype, progress), self.manager.hold, self.settings.decode,
                               progress)

    def generate_stream(self, model: str, prompt: str, progress: Progress | None = None, fit_context: bool = False,
                        alternatives: int = TOP_N, owner: str | None = None, **raw) -> GenerationRun:
        """Check, load, then stream on the model threads (the latest state each time it is asked for).

        fit_context: shorten max_new_tokens to what the model's context leaves after the prompt (the UI's
        slider goes to the app's cap), instead of refusing as the API does.
        alternatives: the most likely tokens recorded per step (5 in the UI; up to 20 for API logprobs).
        owner: who may stop it with stop_generations (the page that asked)."""
        # a page's Stop while it loads or measures the prompt counts too (only a page can stop by owner: an
        # API call that never iterates `states` must not leave a claim behind)
        stop = self.generations.claim(owner) if owner is not None else None
        try:
            # on a model thread: loading runs torch ops, and a web server thread that ran one would slow every model
            backend, values, params, fitted = self.workers.call(self._generation, model, prompt, progress,
                                                                fit_context, alternatives, raw)
        except BaseException:
            if stop is not None:
                self.generations.release(owner, stop)
            raise
        finished = threading.Event()
        states = self.generations.states(backend, values["prompt"], params, owner, finished, stop)
        return GenerationRun(backend.info, values, params, states, fitted, backend.context_length(), finished)

    def stop_generations(self, owner: str) -> bool:
        """End `owner`'s streaming generations within a step (each still reports what it made); False if none."""
        return self.generations.stop(owner)

    def generate(self, model: str, prompt: str, keep_going: Callable[[], bool] | None = None,
                 alternatives: int = TOP_N, stop: threading.Event | None = None, **raw) -> Outcome[GenerationState]:
        """The whole generation on one model thread: nobody watches it stream, so no hand-over per step.
        `keep_going` is asked after every step: once the caller is gone it says False, and the model stops
        within a step instead of finishing work nobody will read; `stop`, set by a caller that knows at once
        that it is gone, also ends the wait for a free local slot. An engine's generation leaves the lead
        model thread (every core) to local models meanwhile: it only waits."""
        return self.workers.call(self._whole_generation, model, prompt, keep_going, alternatives, stop, raw,
                                 compute=self.needs_cores(model))

    def needs_cores(self, model) -> bool:
        """Whether generating with `model` computes here (a local model) or only waits (an engine's)."""
        return not self.is_engine_model(model)

    def _whole_generation(self, model, prompt, keep_going, alternatives, stop, raw) -> Outcome[GenerationState]:
        unless_caller_left(keep_going, stop)
        backend, values, params, _ = self._generation(model, prompt, None, False, alternatives, raw)
        unless_caller_left(keep_going, stop)
        state = self.generations.run(backend, values["prompt"], params, keep_going, stop)
        if state is None:
            raise ClientGone("generate.client_gone")
        return Outcome(state, backend.info, values)

    def _generation(self, model: str, prompt: str, progress: Progress | None, fit_context: bool, alternatives: int,
                    raw: dict):
        """Each value checked once (the spec), the parameters built, the model found, the prompt measured once."""
        values = self.check("generate", model=model, prompt=prompt, **raw)
        most_forced = int(self.specs["generate"].param("prefix_ids").high)
        params = GenerationParams.from_checked(values, alternatives, most_forced)
        backend = self.generation_backend(values["model"], values["dtype"], progress)
        asked = params.max_new_tokens
        backend.prepare(values["prompt"], params, fit=fit_context)
        fitted = params.max_new_tokens if params.max_new_tokens != asked else None
        return backend, values | {"seed": params.seed, "max_new_tokens": params.max_new_tokens,
                                  "prefix_ids": params.prefix_ids}, params, fitted

    def prompt_logprobs(self, model: str, prompt: str, alternatives: int = TOP_N, dtype: str = "auto",
                        progress: Progress | None = None) -> Outcome:
        """Each prompt token's log-probability given the tokens before it, with its top alternatives."""
        values = self.check("generate", model=model, prompt=prompt, dtype=dtype)
        alternatives = number(alternatives, "alternatives", 0, MAX_ALTERNATIVES, integer=True)
        with self.using(values["model"], "generate", values["dtype"], progress) as loaded:
            result = self.compute(loaded, "prompt-logprobs", {"prompt": values["prompt"], "alternatives": alternatives})
        return Outcome(result, model_info(loaded), values)
