"""What the service's methods return: a task's result with what ran it, or a generation under way."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, TypeVar

from ..backends.base import ModelInfo
from ..tasks.generation import GenerationParams, GenerationState

T = TypeVar("T")
Progress = Callable[[float, str], None]  # (fraction done, what is happening): a UI progress bar


@dataclass
class Outcome(Generic[T]):
    """A task's result, the model that computed it, and the checked parameter values it ran with."""
    result: T
    model: ModelInfo | None
    values: dict[str, Any]


@dataclass
class GenerationRun:
    """A generation under way: iterate `states` (closing it stops the model within a step). Its owner's Stop
    is claimed from generate_stream until `states` ends: iterate it."""
    model: ModelInfo
    values: dict[str, Any]
    params: GenerationParams
    states: Iterator[GenerationState]
    fitted: int | None = None  # max_new_tokens, when it was shortened to fit the model's context
    context: int | None = None
    finished: threading.Event | None = None  # set once the model has made its last state (the page's pacing)
