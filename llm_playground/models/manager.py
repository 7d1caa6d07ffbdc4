"""One model manager per service, shared by every tab and API endpoint.

- Lazy: nothing loads at start-up (on ZeroGPU everything does, and nothing after: `frozen`).
- One copy of the weights per (checkpoint, dtype), whatever the number of tabs using it — also while
  it is unloaded or evicted but still in use: a request for it then takes that copy back.
- Single-flight (single_flight.py): concurrent requests for a model that is loading wait for that one load; loads of
  different models run one at a time (loading.one_load_at_a_time).
- Bounded: least-recently-used models are evicted once their bytes exceed the budget; models still in
  use (`hold`) keep counting against it until their last user lets go.
- Failed loads are remembered for FAILURE_TTL seconds: a broken checkpoint is not re-read (and its
  error not re-logged) on every request; the message says when it will be tried again. A local folder
  whose files change (the user fixed them) is tried again at once.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from collections import Counter, OrderedDict
from typing import Any, Callable

import torch

from ..config import Settings
from ..errors import Message, Word
from . import loading
from .catalog import TOKENIZER, Catalog, ModelEntry
from .devices import HubProbe, dtype_name, resolve_device, resolve_dtype
from .loaded import LoadedModel
from .single_flight import FAILURE_TTL, SingleFlight  # noqa: F401 - FAILURE_TTL: read with the manager
from .sizes import model_bytes

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
Key = tuple[str, str]  # (checkpoint source, dtype name)


class ModelManager:
    def __init__(self, settings: Settings | None = None, catalog: Catalog | None = None,
                 hub_probe: Callable[[], bool] | None = None, clock: Callable[[], float] = time.monotonic):
        self.settings = settings or Settings()
        self.catalog = catalog or Catalog(self.settings.models_dir, self.settings.allow_custom_models,
                                         self.settings.hub_models)
        self.device = resolve_device(self.settings.device)
        self.default_dtype = resolve_dtype(self.settings.dtype, self.device)
        self.hub_probe = hub_probe or HubProbe()
        self.clock = clock
        self._lock = threading.Lock()
        self._models: OrderedDict[Key, LoadedModel] = OrderedDict()
        self._retired: dict[Key, LoadedModel] = {}  # unloaded or evicted while in use
        self._tokenizers: dict[str, Any] = {}
        self._loads = SingleFlight(self._lock, clock)  # loads in flight and recent failures
        self._reserved: dict[object, int] = {}  # bytes held by work that is not a loaded model (a training run)
        self.load_counts: Counter = Counter()  # from_pretrained calls per source, for tests and the bench
        # ZeroGPU, once the catalogue is preloaded (service/gpu_work.py): `spaces` packed what was on "cuda" at
        # launch, and its CUDA emulation works on the thread that imported it only, so nothing loads later.
        self.frozen = False

    # ---- public API -------------------------------------------------------------------------
    def get(self, name: str, task: str, dtype: str | None = None,
            progress: Progress | None = None) -> LoadedModel:
        """The loaded model for `name`, checked to have a head for `task`."""
        entry = self.catalog.resolve(name, task)
        torch_dtype = resolve_dtype(dtype, self.device) if dtype else self.default_dtype
        key = (entry.source, dtype_name(torch_dtype))
        if self.frozen and key not in self._models:
            raise loading.ModelLoadError("gpu.not_preloaded", model=entry.name, dtype=key[1])
        try:
            loaded = self._single_flight(("model", *key), lambda: self._load_model(entry, torch_dtype, progress))
        except loading.ModelLoadError as exc:
            raise loading.ModelLoadError(self._with_local_hint(exc.text, entry, task)) from exc
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
        loaded.require(task)
        return loaded

    @contextlib.contextmanager
    def hold(self, loaded: LoadedModel):
        """Mark `loaded` in use for the block: unloading or eviction then keep counting its bytes and
        hand the same copy to the next request instead of loading a second one."""
        with self._lock:
            loaded.users += 1
        try:
            yield loaded
        finally:
            with self._lock:
                loaded.users -= 1
                key = self._key(loaded)
                released = loaded.users == 0 and self._retired.get(key) is loaded
                if released:
                    del self._retired[key]
            if released:
                self._free_memory()

    @contextlib.contextmanager
    def reserve(self, what: str, nbytes: int):
        """Count `nbytes` against the memory budget for the block (a training run's weights, gradients and
        optimizer state): idle models are evicted to make room; without room, a PlaygroundError naming `what`
        (a Message, or a str shown as it is)."""
        token = object()  # two runs of the same model hold two reservations
        with self._lock:
            idle = sum(m.nbytes for m in self._models.values() if m.users == 0)
            over = self._bytes() - idle + nbytes - self.settings.memory_budget  # refused: nothing is evicted
            if over <= 0:
                self._reserved[token] = nbytes
                self._evict_over_budget(keep=None)
        self._free_memory()
        if over > 0:
            raise loading.ModelLoadError("memory.reserve", what=what, mib=nbytes / 2**20)
        try:
            yield
        finally:
            with self._lock:
                self._reserved.pop(token, None)

    def tokenizer(self, name: str):
        """(entry, tokenizer) without loading any weights; reuses a loaded model's tokenizer."""
        entry = self.catalog.resolve(name, TOKENIZER)
        try:
            return entry, self._tokenizer(entry)
        except loading.ModelLoadError as exc:
            raise loading.ModelLoadError(self._with_local_hint(exc.text, entry, TOKENIZER)) from exc

    def _tokenizer(self, entry: ModelEntry):
        with self._lock:
            for loaded in self._models.values():
                if loaded.entry.source == entry.source:
                    return loaded.tokenizer
            if entry.source in self._tokenizers:
                return self._tokenizers[entry.source]
        return self._single_flight(("tokenizer", entry.source), lambda: self._load_tokenizer(entry))

    def loaded(self) -> list[LoadedModel]:
        with self._lock:
            return list(self._models.values())

    def total_bytes(self) -> int:
        """Weights in memory: loaded models and unloaded ones still in use."""
        with self._lock:
            return self._bytes()

    def unload(self, name: str | None = None) -> int:
        """Unload one model by name (every dtype) or all; returns how many were unloaded. A model still in
        use is only retired: its memory is freed when its last user lets go."""
        with self._lock:
            keys = [k for k, m in self._models.items() if name is None or m.name == name]
            for key in keys:
                self._retire(key)
            self._loads.forget_failures()  # unloading is also how an operator asks for a fresh try
        self._free_memory()
        return len(keys)

    def resident(self, key: Key) -> LoadedModel:
        """The loaded model of `key`, read without the lock: in a forked ZeroGPU worker
        (runtime/gpu_calls.py) a lock another thread held at the fork stays held for ever."""
        loaded = self._models.get(key) or self._retired.get(key)
        if loaded is None:  # loaded after this worker was forked: the next worker will have it
            raise loading.ModelLoadError("gpu.not_resident", model=key[0])
        return loaded

    # ---- internals --------------------------------------------------------------------------
    @staticmethod
    def _key(loaded: LoadedModel) -> Key:
        return loaded.entry.source, dtype_name(loaded.dtype)

    key_of = _key

    def _bytes(self) -> int:
        return (sum(m.nbytes for m in [*self._models.values(), *self._retired.values()])
                + sum(self._reserved.values()))

    def _retire(self, key: Key) -> LoadedModel:
        loaded = self._models.pop(key)
        if loaded.users > 0:
            self._retired[key] = loaded
        return loaded

    def _single_flight(self, key: tuple, load: Callable[[], Any]):
        return self._loads.run(key, lambda: self._cached(key), load)

    def _cached(self, key: tuple):
        if key[0] == "tokenizer":
            return self._tokenizers.get(key[1])
        model_key = key[1:]
        if model_key in self._retired:  # unloaded while in use: take that copy back, do not load another
            self._models[model_key] = self._retired.pop(model_key)
        return self._models.get(model_key)

    def _local_only(self, entry: ModelEntry) -> bool:
        return entry.local or not self.hub_probe()

    def _with_local_hint(self, message: Message, entry: ModelEntry, task: str) -> Message:
        """A Hub model failed while the Hub is unreachable (now, or when it was remembered): name the local
        models that do work."""
        first = message.values["message"] if message.key == "load.failed_recently" else message
        usable = [e.name for e in self.catalog.entries.values() if e.local and task in e.tasks]
        if entry.local or getattr(first, "key", None) != "load.offline" or not usable:
            return message
        return Message("load.offline_hint", message=message, task=Word(task), models=", ".join(usable))

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
        tokenizer = self._tokenizer(entry)  # its failure is explained for the task asked (get)
        report(0.3, f"Loading weights of {entry.name}…")
        self.load_counts[entry.source] += 1
        try:
            model, tasks = loading.load_model(entry, self.device, dtype, local_only)
        except loading.ModelLoadError:
            self._free_memory()  # a failed (e.g. out-of-memory) load must not keep half its weights
            raise
        loaded = LoadedModel(entry, model, tokenizer, self.device, dtype, model_bytes(model),
                             tasks | {"attention", TOKENIZER}, time.perf_counter() - start,
                             float32_nbytes=getattr(model, "float32_bytes", None))
        with self._lock:
            self._models[(entry.source, dtype_name(dtype))] = loaded
            evicted = self._evict_over_budget(keep=loaded)
        if evicted:
            self._free_memory()
        report(1.0, f"Loaded {entry.name}")
        return loaded

    def _evict_over_budget(self, keep: LoadedModel | None) -> list[LoadedModel]:
        """Drop least-recently-used models until the budget holds (never the one just loaded); models in
        use are retired, not freed, and keep counting until released."""
        evicted = []
        while self._bytes() > self.settings.memory_budget:
            key = next((k for k, m in self._models.items() if m is not keep and m.users == 0), None)
            if keep is not None:  # a load must fit (its own model stays); a reservation takes only idle ones
                key = key or next((k for k, m in self._models.items() if m is not keep), None)
            if key is None:
                break
            evicted.append(self._retire(key))
        return evicted

    def _free_memory(self) -> None:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
