"""The playground's service: the only place a model name and raw parameters become a result.

One PlaygroundService per app. It owns everything stateful that requests share: the model manager, the
inference engines (backends/engine/registry.py), the attention cache, the rate limiter, the model threads,
the exports folder and the fine-tuning runs. UI handlers and API endpoints call one method per task and
never touch a model or a task function themselves. Each method does the same four steps: check the
parameters against the task's spec (checks.py), get the model, run the task (tasks/ or a generation
backend), return a typed result with what ran it. Parts of it live beside this module, as mixins: what
the pickers list (directory.py), Compare (compare.py), attention (attention.py), tokenizers (tokenizers.py).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable

from .. import checks, specs
from ..backends.base import GenerationBackend, ModelInfo
from ..backends.engine.registry import EngineRegistry
from ..backends.local import LocalGeneration, model_info
from ..config import Settings
from ..errors import ClientGone, TaskNotSupported
from ..models.catalog import TOKENIZER
from ..models.devices import dtype_name
from ..models.manager import ModelManager
from ..runtime.workers import Workers
from ..tasks import fill_mask as fill_mask_task
from ..tasks import logit_lens as logit_lens_task
from ..tasks import next_sentence as next_sentence_task
from ..tasks import next_token as next_token_task
from ..tasks import prompt_logprobs as prompt_logprobs_task
from ..tasks.attention_cache import AttentionCache
from ..tasks.baselines import BASELINES
from ..tasks.generation import MAX_ALTERNATIVES, TOP_N, GenerationParams, GenerationState
from ..tasks.validation import number
from . import reproduce
from .attention import AttentionViews
from .compare import Comparisons
from .directory import ModelDirectory
from .exports import ExportFolder
from .finetune import FineTuner
from .generations import Generations
from .outcome import GenerationRun, Outcome, Progress
from .ratelimit import RateLimiter, TooManyAtOnce
from .tokenizers import Tokenizers


class PlaygroundService(ModelDirectory, Comparisons, AttentionViews, Tokenizers):
    def __init__(self, settings: Settings | None = None, manager: ModelManager | None = None, **manager_kwargs):
        self.manager = manager or ModelManager(settings, **manager_kwargs)
        self.settings = self.manager.settings
        self.specs = specs.for_settings(self.settings)
        self.limiter = RateLimiter(self.settings.rate_limit)
        self.engines = EngineRegistry(self.settings)
        self.workers = Workers(16 + (self.settings.engine_concurrency if self.engines else 0))
        self.exports = ExportFolder()
        self.attention_cache = AttentionCache()
        self.generations = Generations(self.engines, self.workers, self.settings.engine_concurrency,
                                       self.is_engine_model, self._local_generation)
        self.fine_tuner = FineTuner(self)  # training runs and the models they register (service/finetune.py)

    def _local_generation(self, name: str, dtype: str, progress: Progress | None) -> LocalGeneration:
        return LocalGeneration(self._model(name, "generate", dtype, progress), self.manager.hold, self.settings.decode,
                               progress)

    @property
    def catalog(self):
        return self.manager.catalog

    # ---- admission ---------------------------------------------------------------------------
    def admit(self, client: str, in_flight: int, counted: bool = True) -> None:
        """Decide, before a request is queued, whether `client` may have it: at most jobs_per_client of its
        requests waiting or running, and (for requests that count) the per-minute rate limit. Checking
        here rather than when a job starts is what stops one client from filling the shared queue."""
        cap = self.settings.jobs_per_client
        if cap and in_flight >= cap:
            raise TooManyAtOnce(f"You already have {in_flight} requests waiting or running, and this deployment "
                                f"runs at most {cap} at once per visitor. Wait for them to finish (or press Stop).")
        if counted:
            self.limiter.check(client)

    # ---- parameters and models ----------------------------------------------------------------
    def check(self, task: str, **raw) -> dict[str, Any]:
        return checks.checked(self.specs[task], raw)

    @contextlib.contextmanager
    def _using(self, name: str, spec_id: str, dtype: str | None = None, progress: Progress | None = None):
        """The loaded model for the task `spec_id`, held for the block: unloading it meanwhile cannot make a
        second copy."""
        loaded = self._model(name, spec_id, dtype, progress)
        with self.manager.hold(loaded):
            yield loaded

    def _model(self, name: str, spec_id: str, dtype: str | None = None, progress: Progress | None = None):
        self._refuse_engine_model(name, spec_id)
        return self.manager.get(name, self.specs[spec_id].model_task, None if dtype in (None, "auto") else dtype,
                                progress=progress)

    def is_engine_model(self, name) -> bool:
        """An engine's model name (a catalogue model of the same name wins)."""
        return self.engines.is_engine_model(name) and name.strip() not in self.catalog.entries

    def local_model_for(self, name: str, task: str) -> str | None:
        """A model this app can run `task` on for what `name` computed: itself, or for an engine model the
        same checkpoint loaded locally (None when there is none)."""
        return self.engines.local_twin(name, self.catalog.names(task)) if self.is_engine_model(name) else name

    def _refuse_engine_model(self, name, spec_id: str) -> None:
        """Only generation runs on an engine: every other task needs the model's internals."""
        if self.is_engine_model(name):
            spec = self.specs[spec_id]
            raise self.engines.generation_only(name, spec.needs_internals or spec_id,
                                               self.catalog.names(spec.model_task))

    def generation_backend(self, name: str, dtype: str = "auto", progress: Progress | None = None
                           ) -> GenerationBackend:
        return self.generations.backend(name, dtype, progress)

    def concurrency_limit(self, concurrency_id: str | None) -> int:
        return self.generations.concurrency_limit(concurrency_id)

    # ---- tasks ---------------------------------------------------------------------------------
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
        backend, values, params, _ = self._generation(model, prompt, None, False, alternatives, raw)
        state = self.generations.run(backend, values["prompt"], params, keep_going, stop)
        if state is None:
            raise ClientGone("The client went away before the result was read; generation stopped.")
        return Outcome(state, backend.info, values)

    def _generation(self, model: str, prompt: str, progress: Progress | None, fit_context: bool, alternatives: int,
                    raw: dict):
        values = self.check("generate", model=model, prompt=prompt, **raw)
        params = GenerationParams(**{k: v for k, v in values.items()
                                     if k not in ("model", "prompt", "dtype", "filtered_probs")},
                                  alternatives=alternatives)
        params = params.validated(self.specs["generate"])
        backend = self.generation_backend(values["model"], values["dtype"], progress)
        room = backend.room(values["prompt"], len(params.prefix_ids)) if fit_context else None
        fitted = None
        if room is not None and 0 < room < params.max_new_tokens:
            params.max_new_tokens = fitted = room
        backend.check(values["prompt"], params)
        return backend, values | {"seed": params.seed, "max_new_tokens": params.max_new_tokens,
                                  "prefix_ids": params.prefix_ids}, params, fitted

    def prompt_logprobs(self, model: str, prompt: str, alternatives: int = TOP_N, dtype: str = "auto",
                        progress: Progress | None = None) -> Outcome:
        """Each prompt token's log-probability given the tokens before it, with its top alternatives."""
        values = self.check("generate", model=model, prompt=prompt, dtype=dtype)
        alternatives = number(alternatives, "alternatives", 0, MAX_ALTERNATIVES, integer=True)
        with self._using(values["model"], "generate", values["dtype"], progress) as loaded:
            result = prompt_logprobs_task.prompt_logprobs(loaded, values["prompt"], alternatives)
        return Outcome(result, model_info(loaded), values)

    def next_token(self, model: str, prompt: str, progress: Progress | None = None, **raw) -> Outcome:
        values = self.check("next-token", model=model, prompt=prompt, **raw)
        with self._using(values["model"], "next-token", progress=progress) as loaded:
            result = next_token_task.next_token(loaded, values["prompt"], values["top_k"], values["temperature"],
                                                values["top_p"])
        return Outcome(result, model_info(loaded), values)

    def logit_lens(self, model: str, text: str, top_k: int = 5, track: str = "",
                   progress: Progress | None = None) -> Outcome:
        values = self.check("logit-lens", model=model, text=text, top_k=top_k, track=track)
        with self._causal_lm(values["model"], progress) as loaded:
            result = logit_lens_task.logit_lens(loaded, values["text"], values["top_k"], values["track"])
        return Outcome(result, model_info(loaded), values)

    @contextlib.contextmanager
    def _causal_lm(self, name: str, progress: Progress | None):
        """_using for tasks that read a causal LM's head: a BERT is refused saying what the task needs (an engine
        model first, with its own reason: the message below would call it no causal LM)."""
        self._refuse_engine_model(name, "logit-lens")
        try:
            with self._using(name, "logit-lens", progress=progress) as loaded:
                yield loaded
        except TaskNotSupported as exc:
            raise TaskNotSupported(f"The logit lens needs a causal language model (one that predicts the next "
                                   f"token); '{name}' is not one.") from exc

    def fill_mask(self, model: str, text: str, top_k: int = 5, progress: Progress | None = None) -> Outcome:
        values = self.check("fill-mask", model=model, text=text, top_k=top_k)
        with self._using(values["model"], "fill-mask", progress=progress) as loaded:
            result = fill_mask_task.fill_mask(loaded, values["text"], values["top_k"])
        return Outcome(result, model_info(loaded), values)

    def next_sentence(self, model: str, sentence_a: str, sentence_b: str, progress: Progress | None = None
                      ) -> Outcome:
        values = self.check("next-sentence", model=model, sentence_a=sentence_a, sentence_b=sentence_b)
        with self._using(values["model"], "next-sentence", progress=progress) as loaded:
            result = next_sentence_task.next_sentence(loaded, values["sentence_a"], values["sentence_b"])
        return Outcome(result, model_info(loaded), values)

    def _info_of(self, name: str, task: str) -> ModelInfo:
        entry = self.catalog.resolve(name, task)
        loaded = next((m for m in self.manager.loaded() if m.entry.source == entry.source), None)
        return model_info(loaded) if loaded else ModelInfo(entry.name, entry.source, entry.local,
                                                           self.manager.device, dtype_name(self.manager.default_dtype))

    # ---- reproduce and export -------------------------------------------------------------------
    def python(self, task: str, outcome: Outcome, **extra) -> str:
        """Copy as Python: plain-transformers code that reproduces `outcome`."""
        sources = None
        if task == "tokenizer":
            sources = {n: self.catalog.resolve(n, TOKENIZER).source
                       for n in outcome.values["tokenizers"] if n not in BASELINES}
        return reproduce.python_code(task, outcome.values, outcome.model, sources=sources, **extra)

    def export_json(self, stem: str, data: dict, indent: int | None = 1, owner: str = "local"):
        return self.exports.write_json(stem, data, indent, owner)

    def close(self) -> None:
        self.fine_tuner.close()
        self.workers.shutdown()
        self.exports.remove()
        self.engines.close()

