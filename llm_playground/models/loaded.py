"""A model the manager has loaded: weights, tokenizer, where they live, and who is using them."""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import TaskNotSupported, Word
from ..runtime.cores import ModelLock
from .catalog import ModelEntry


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
    # Holding it on a model thread is what counts as computing (cores.py).
    lock: ModelLock = field(default_factory=ModelLock, repr=False)
    float32_nbytes: int | None = None  # int8 models: what the model took before it was quantized
    users: int = 0  # requests holding it now (manager.hold): an unloaded model in use still counts
    compiled: Any = field(default=None, repr=False)  # its compiled decode step and static caches (decode_steps.py)

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def float32_bytes(self) -> int:
        """What the same weights take in float32: shows what 16-bit saves."""
        if self.float32_nbytes is not None:
            return self.float32_nbytes
        return self.nbytes * 4 // self.dtype.itemsize

    def on_its_weights_device(self) -> "LoadedModel":
        """This model as a forked ZeroGPU worker sees it: on the device its weights were moved to when the
        worker started (inputs follow `device`), with a lock of its own (see ModelManager.resident)."""
        device = str(next(self.model.parameters()).device)
        return dataclasses.replace(self, device=device, lock=ModelLock(), users=0)

    def require(self, task: str) -> None:
        if task not in self.tasks:
            raise TaskNotSupported("model.head_missing", model=self.name, task=Word(task))

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
