"""The playground's service: the only place a model name and raw parameters become a result.

One PlaygroundService per app. It owns everything stateful that requests share: the model manager, the
inference engines (backends/engine/registry.py), the attention cache, the rate limiter, the model threads,
the exports folder and the fine-tuning runs. UI handlers and API endpoints call one method per task and
never touch a model or a task function themselves. Each method does the same four steps: check the
parameters against the task's spec (checks.py), get the model, run the task (tasks/ or a generation
backend), return a typed result with what ran it. Parts of it live beside this module, as mixins: what
the pickers list (directory.py), generation (generations.py), Compare (compare.py), attention (attention.py),
tokenizers (tokenizers.py).
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable

from .. import checks, specs
from ..backends.base import ModelInfo
from ..backends.engine.registry import EngineRegistry
from ..backends.local import model_info
from ..config import Settings
from ..errors import TaskNotSupported
from ..models.catalog import TOKENIZER
from ..models.devices import dtype_name
from ..models.manager import ModelManager
from ..runtime.workers import Workers
from ..tasks.attention_cache import AttentionCache
from ..tasks.baselines import BASELINES
from . import reproduce
from .attention import AttentionViews
from .compare import Comparisons
from .directory import ModelDirectory
from .exports import ExportFolder
from .finetune import FineTuner
from .generations import Generations, GenerationTasks
from .gpu_work import GpuWorkMixin, task_function
from .outcome import Outcome, Progress
from .ratelimit import RateLimiter, TooManyAtOnce
from .tokenizers import Tokenizers


class PlaygroundService(GenerationTasks, ModelDirectory, Comparisons, AttentionViews, Tokenizers, GpuWorkMixin):
    def __init__(self, settings: Settings | None = None, manager: ModelManager | None = None,
                 gpu_decorate: Callable | None = None, **manager_kwargs):
        self.manager = manager or ModelManager(settings, **manager_kwargs)
        self.settings = self.manager.settings
        self.specs = specs.for_settings(self.settings)
        self.limiter = RateLimiter(self.settings.rate_limit)
        self.engines = EngineRegistry(self.settings)
        self.workers = Workers(16 + (self.settings.engine_concurrency if self.engines else 0))
        self.exports = ExportFolder()
        self.attention_cache = AttentionCache()
        self.generations = Generations(self.engines, self.workers, self.settings.engine_concurrency, self.local_stream)
        self.fine_tuner = FineTuner(self)  # training runs and the models they register (service/finetune.py)
        self.gpu = self._gpu_calls(gpu_decorate)  # here, or each computation in a ZeroGPU call (gpu_work.py)

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
            raise TooManyAtOnce("traffic.too_many_at_once", in_flight=in_flight, cap=cap)
        if counted:
            self.limiter.check(client)

    # ---- parameters and models ----------------------------------------------------------------
    def check(self, task: str, **raw) -> dict[str, Any]:
        return checks.checked(self.specs[task], raw)

    @contextlib.contextmanager
    def using(self, name: str, spec_id: str, dtype: str | None = None, progress: Progress | None = None):
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

    def concurrency_limit(self, concurrency_id: str | None) -> int:
        return self.generations.concurrency_limit(concurrency_id)

    def run_task(self, spec_id: str, *args, progress: Progress | None = None, **raw) -> Outcome:
        """A task with no method of its own: its values checked by its spec, its model held, then the function of
        `tasks/<api name>.py` named like the endpoint called with the checked values (named like the spec's
        parameters; positional `args` in the spec's order). `service.next_token(...)` is this for "next-token"."""
        spec = self.specs[spec_id]
        raw |= dict(zip((p.name for p in spec.api_params()), args))
        values = self.check(spec_id, **raw)
        args = {k: v for k, v in values.items() if k != "model"}
        with self.using(values["model"], spec_id, progress=progress) as loaded:
            result = self.compute(loaded, "spec-task", {"spec_id": spec_id, "args": args})
        return Outcome(result, model_info(loaded), values)

    def __getattr__(self, name: str):
        """The method of a task that has none of its own (see run_task): next_token, fill_mask, next_sentence."""
        spec = next((s for s in self.__dict__.get("specs", {}).values() if s.api_name == name), None)
        if spec is None or task_function(spec) is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return functools.partial(self.run_task, spec.id)

    def logit_lens(self, model: str, text: str, top_k: int = 5, track: str = "",
                   progress: Progress | None = None) -> Outcome:
        values = self.check("logit-lens", model=model, text=text, top_k=top_k, track=track)
        with self._causal_lm(values["model"], progress) as loaded:
            result = self.compute(loaded, "logit-lens", {k: values[k] for k in ("text", "top_k", "track")})
        return Outcome(result, model_info(loaded), values)

    @contextlib.contextmanager
    def _causal_lm(self, name: str, progress: Progress | None):
        """using for tasks that read a causal LM's head: a BERT is refused saying what the task needs (an engine
        model first, with its own reason: the message below would call it no causal LM)."""
        self._refuse_engine_model(name, "logit-lens")
        try:
            with self.using(name, "logit-lens", progress=progress) as loaded:
                yield loaded
        except TaskNotSupported as exc:
            raise TaskNotSupported("lens.not_causal", model=name) from exc

    def _info_of(self, name: str, task: str, dtype: str) -> ModelInfo:
        """The model a cached result was computed with: its checkpoint's loaded copy in `dtype`, the dtype that
        named the result. Another copy (Compare's bfloat16 side) did not compute it, even when listed first (#32)."""
        entry = self.catalog.resolve(name, task)
        loaded = next((m for m in self.manager.loaded()
                       if m.entry.source == entry.source and dtype_name(m.dtype) == dtype), None)
        return model_info(loaded) if loaded else ModelInfo(entry.name, entry.source, entry.local,
                                                           self.manager.device, dtype, gguf_file=entry.gguf_file)

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

