"""One model manager per process, shared by every tab and API endpoint.

- Lazy: nothing loads at start-up.
- One copy of the weights per (checkpoint, dtype), whatever the number of tabs using it.
- Single-flight: concurrent requests for a model that is loading wait for that one load.
- Bounded: least-recently-used models are evicted once their bytes exceed the budget.
- Failed loads are not cached: the next request tries again.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections import Counter, OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from . import loading
from .catalog import TOKENIZER, Catalog, ModelEntry
from .config import Settings
from .devices import HubProbe, dtype_name, resolve_device, resolve_dtype
from .errors import TaskNotSupported

Progress = Callable[[float, str], None]


@dataclass
class LoadedModel:
    entry: ModelEntry
    model: Any
    tokenizer: Any
    device: str
    dtype: torch.dtype
    nbytes: int
    tasks: set[str]  # head tasks whose weights were really in the checkpoint
    load_seconds: float
    # Forward passes on one model run one at a time: the attention tab flips the model to eager
    # attention for its pass, and on 2 CPU cores parallel forwards of one model gain nothing.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def float32_bytes(self) -> int:
        """What the same weights take in float32: shows what 16-bit saves."""
        return self.nbytes * 4 // self.dtype.itemsize

    def require(self, task: str) -> None:
        if task not in self.tasks:
            raise TaskNotSupported(
                f"Model '{self.name}' has no {task} head in its weights, so it cannot be used for {task}.")

    @contextlib.contextmanager
    def eager_attention(self):
        """Hold the model lock with eager attention on: only eager returns attention weights."""
        with self.lock:
            before = self.model.config._attn_implementation
            if before != "eager":
                self.model.set_attn_implementation("eager")
            try:
                yield self.model
            finally:
                if before != "eager":
                    self.model.set_attn_implementation(before)


def model_bytes(model) -> int:
    tensors = {id(t): t for t in [*model.parameters(), *model.buffers()]}  # tied weights once
    return sum(t.numel() * t.element_size() for t in tensors.values())


class ModelManager:
    def __init__(self, settings: Settings | None = None, catalog: Catalog | None = None,
                 hub_probe: Callable[[], bool] | None = None):
        self.settings = settings or Settings()
        self.catalog = catalog or Catalog(self.settings.models_dir, self.settings.allow_custom_models)
        self.device = resolve_device(self.settings.device)
        self.default_dtype = resolve_dtype(self.settings.dtype, self.device)
        self.hub_probe = hub_probe or HubProbe()
        self._lock = threading.Lock()
        self._models: OrderedDict[tuple[str, str], LoadedModel] = OrderedDict()
        self._tokenizers: dict[str, Any] = {}
        self._inflight: dict[tuple, Future] = {}
        self.load_counts: Counter = Counter()  # from_pretrained calls per source, for tests and the bench

    # ---- public API -------------------------------------------------------------------------
    def get(self, name: str, task: str, dtype: str | None = None,
            progress: Progress | None = None) -> LoadedModel:
        """The loaded model for `name`, checked to have a head for `task`."""
        entry = self.catalog.resolve(name, task)
        torch_dtype = resolve_dtype(dtype, self.device) if dtype else self.default_dtype
        key = (entry.source, dtype_name(torch_dtype))
        try:
            loaded = self._single_flight(("model", *key), lambda: self._load_model(entry, torch_dtype, progress))
        except loading.ModelLoadError as exc:
            raise loading.ModelLoadError(self._with_local_hint(str(exc), entry, task)) from exc
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
        loaded.require(task)
        return loaded

    def tokenizer(self, name: str):
        """(entry, tokenizer) without loading any weights; reuses a loaded model's tokenizer."""
        entry = self.catalog.resolve(name, TOKENIZER)
        with self._lock:
            for loaded in self._models.values():
                if loaded.entry.source == entry.source:
                    return entry, loaded.tokenizer
            if entry.source in self._tokenizers:
                return entry, self._tokenizers[entry.source]
        try:
            tok = self._single_flight(("tokenizer", entry.source), lambda: self._load_tokenizer(entry))
        except loading.ModelLoadError as exc:
            raise loading.ModelLoadError(self._with_local_hint(str(exc), entry, TOKENIZER)) from exc
        return entry, tok

    def loaded(self) -> list[LoadedModel]:
        with self._lock:
            return list(self._models.values())

    def total_bytes(self) -> int:
        return sum(m.nbytes for m in self.loaded())

    def unload(self, name: str | None = None) -> int:
        """Unload one model by name (every dtype) or all; returns how many were unloaded."""
        with self._lock:
            keys = [k for k, m in self._models.items() if name is None or m.name == name]
            for key in keys:
                del self._models[key]
        self._free_memory()
        return len(keys)

    # ---- internals --------------------------------------------------------------------------
    def _single_flight(self, key: tuple, load: Callable[[], Any]):
        with self._lock:
            cached = self._cached(key)
            if cached is not None:
                return cached
            future = self._inflight.get(key)
            owner = future is None
            if owner:
                future = self._inflight[key] = Future()
        if not owner:
            return future.result()  # re-raises the loader's error too; it was not cached
        try:
            value = load()
            future.set_result(value)
            return value
        except BaseException as exc:
            future.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    def _cached(self, key: tuple):
        if key[0] == "model":
            return self._models.get(key[1:])
        return self._tokenizers.get(key[1])

    def _local_only(self, entry: ModelEntry) -> bool:
        return entry.local or not self.hub_probe()

    def _with_local_hint(self, message: str, entry: ModelEntry, task: str) -> str:
        """A Hub model failed while the Hub is unreachable: name the local models that do work."""
        if entry.local or "cannot be reached" not in message:
            return message
        usable = [e.name for e in self.catalog.entries.values() if e.local and task in e.tasks]
        return message + (f" Available offline for {task}: {', '.join(usable)}." if usable else "")

    def _load_tokenizer(self, entry: ModelEntry):
        tok = loading.load_tokenizer(entry, self._local_only(entry))
        with self._lock:
            self._tokenizers[entry.source] = tok
        return tok

    def _load_model(self, entry: ModelEntry, dtype: torch.dtype, progress: Progress | None) -> LoadedModel:
        report = progress or (lambda _f, _m: None)
        report(0.05, f"Loading {entry.name} ({dtype_name(dtype)}) on {self.device}…")
        local_only = self._local_only(entry)
        start = time.perf_counter()
        _, tokenizer = self.tokenizer(entry.name)
        report(0.3, f"Loading weights of {entry.name}…")
        self.load_counts[entry.source] += 1
        try:
            model, tasks = loading.load_model(entry, self.device, dtype, local_only)
        except loading.ModelLoadError:
            self._free_memory()  # a failed (e.g. out-of-memory) load must not keep half its weights
            raise
        loaded = LoadedModel(entry, model, tokenizer, self.device, dtype, model_bytes(model),
                             tasks | {"attention", TOKENIZER}, time.perf_counter() - start)
        with self._lock:
            self._models[(entry.source, dtype_name(dtype))] = loaded
            evicted = self._evict_over_budget(keep=loaded)
        if evicted:
            self._free_memory()
        report(1.0, f"Loaded {entry.name}")
        return loaded

    def _evict_over_budget(self, keep: LoadedModel) -> list[LoadedModel]:
        """Drop least-recently-used models until the budget holds (never the one just loaded)."""
        evicted = []
        while sum(m.nbytes for m in self._models.values()) > self.settings.memory_budget:
            key = next((k for k, m in self._models.items() if m is not keep), None)
            if key is None:
                break
            evicted.append(self._models.pop(key))
        return evicted

    def _free_memory(self) -> None:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
