"""What the service's methods return: a task's result with what ran it, or a generation under way."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, TypeVar

from ..backends.base import ModelInfo
from ..errors import ClientGone
from ..tasks.generation import GenerationParams, GenerationState

T = TypeVar("T")
Progress = Callable[[float, str], None]  # (fraction done, what is happening): a UI progress bar


def unless_caller_left(keep_going: Callable[[], bool] | None, stop: threading.Event | None) -> None:
    """Raise ClientGone when the caller of long work has left (`stop` set, or `keep_going` says no): before each
    slow part (a load, the prompt's measure, a prefill, Compare's second side) that nobody would wait for."""
    if (stop is not None and stop.is_set()) or (keep_going is not None and not keep_going()):
        raise ClientGone("generate.client_gone")


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
