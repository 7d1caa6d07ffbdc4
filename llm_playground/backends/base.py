"""What every generation backend provides, whether it runs the model here or asks an engine for it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import ContextManager, Iterator, Protocol

from ..tasks.generation import GenerationParams, GenerationState


@dataclass(frozen=True)
class ModelInfo:
    """What the UI's stats line, the API result and Copy as Python say about the model that ran."""
    name: str  # what the user picked
    source: str  # what from_pretrained gets (or the engine's model id)
    local_folder: bool = False  # a folder from --models-dir: Copy as Python says to use your own path
    device: str = "cpu"  # "cpu", "cuda", "mps", or "remote" for an engine
    dtype: str = ""  # "float32", ...; "" when an engine does not say
    nbytes: int | None = None  # weights in this process; None for an engine
    float32_bytes: int | None = None  # the same weights in float32 (what 16-bit saves)
    engine: str | None = None  # the engine's base URL, for engine models
    gguf_file: str = ""  # a GGUF folder's file: from_pretrained(source, gguf_file=...)

    @property
    def remote(self) -> bool:
        return self.engine is not None


class GenerationBackend(Protocol):
    info: ModelInfo

    def session(self) -> ContextManager:
        """Held while a stream runs (the local backend marks its model in use)."""

    def context_length(self) -> int | None:
        """How many tokens (prompt + new) the model can hold; None when unknown."""

    def prepare(self, prompt: str, params: GenerationParams, fit: bool = False) -> None:
        """Check, once per request, what depends on the model: a parameter this backend cannot honour, the forced
        tokens, the prompt's length against the context (with `fit`, params.max_new_tokens is shortened to the room
        left rather than refused). Refusals name the problem. `stream` then reuses what was measured here."""

    def stream(self, prompt: str, params: GenerationParams, stop: threading.Event) -> Iterator[GenerationState]:
        """The state after every step, until max_new_tokens, EOS, or `stop` is set."""
