"""Where a model computation runs: in this process (a CPU, a GPU of this machine), or on ZeroGPU.

On a ZeroGPU Space (the `spaces` package, SPACES_ZERO_GPU=true) this process has no GPU: each call of a
function decorated with `spaces.GPU` runs in a forked worker that holds a GPU for a duration asked for up
front, and its arguments and result are pickled across the process boundary. So a computation is described
as plain data (`GpuWork`: which computation, the loaded model's key, the checked values, the seconds to
ask for) and the worker finds the model in its forked copy of the manager (`ModelManager.resident`), never
through a lock another thread may have held at the fork.

Elsewhere `GpuCalls.run` calls the same function in this process, and nothing is pickled. What needs no GPU
(tokenizing, re-plots of stored results, exports, the Models tab, engine generations) never comes here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..errors import ClientGone, PlaygroundError

# Durations asked of ZeroGPU, in seconds: a smaller request waits less and costs the visitor less quota.
# A worker's first call moves the weights onto its GPU (~5 GB/s), then each forward pass costs about one
# read of the weights (~1 TB/s on the GPUs ZeroGPU lends) and a few milliseconds of launch overhead; the
# margin covers a busy GPU and Python's overhead. Estimates until measured on a GPU (scripts/gpu_check.sh).
MIN_SECONDS, MAX_SECONDS, MARGIN = 5, 120, 3.0
SECONDS_PER_PASS = 0.005
MOVE_BYTES_PER_S, READ_BYTES_PER_S = 5e9, 1e12


@dataclass(frozen=True)
class GpuWork:
    kind: str  # which computation: a key of the service's table of GPU functions
    model: tuple[str, str]  # the loaded model's key in the manager: (source, dtype)
    values: dict  # the checked values, plain data
    seconds: int  # the duration asked for on ZeroGPU


def seconds_for(nbytes: int, passes: int, packed_bytes: int = 0) -> int:
    """The duration to ask for `passes` forward passes of a model of `nbytes`, margin included, capped.
    `packed_bytes`: every preloaded weight, which a fresh worker moves onto its GPU before the call begins (the
    call cannot know whether its worker is fresh, and a call cut short costs more than a few seconds asked)."""
    moved = max(nbytes, packed_bytes)
    estimate = moved / MOVE_BYTES_PER_S + passes * (SECONDS_PER_PASS + nbytes / READ_BYTES_PER_S)
    return max(MIN_SECONDS, min(MAX_SECONDS, math.ceil(MARGIN * estimate)))


def _seconds(work: GpuWork) -> int:
    return work.seconds


class GpuCalls:
    """`run(work)`: `execute(work)` here, or (zero=True) in a ZeroGPU call sized by `work.seconds`.

    `decorate` makes the GPU function; by default `spaces.GPU`. The tests pass a stand-in that forks and
    pickles the same way (tests/zerogpu/forked.py)."""

    def __init__(self, execute: Callable[[GpuWork], Any], zero: bool = False,
                 decorate: Callable | None = None):
        self.zero = zero

        # A PlaygroundError (a bad input the task found, a model not preloaded) travels back as a result:
        # `spaces` passes only gr.Error across, and reports anything else as "ZeroGPU worker error" with the
        # class name, then throws its worker away.
        def call(work: GpuWork) -> Any:
            try:
                return execute(work)
            except PlaygroundError as exc:
                return Raised(exc)

        def stream(work: GpuWork) -> Iterator:  # a generator function: `spaces` streams what it yields
            try:
                yield from execute(work)
            except PlaygroundError as exc:
                yield Raised(exc)

        self._call, self._stream = call, stream
        if zero:
            if decorate is None:
                import spaces  # gradio's too: runtime/ reaches it only here, on ZeroGPU

                decorate = spaces.GPU
            # functions of their own: `spaces` keys its workers by the function object
            self._call = decorate(duration=_seconds)(lambda work: call(work))
            self._stream = decorate(duration=_seconds)(stream)

    def run(self, work: GpuWork) -> Any:
        try:
            out = self._call(work)
        except Exception as exc:
            raise _in_our_words(exc)
        if isinstance(out, Raised):
            raise out.error
        return out

    def stream(self, work: GpuWork) -> Iterator:
        """What a streaming computation yields, each item as it comes. Closing the iterator stops it: on ZeroGPU
        `spaces` then sets its worker's stop event, and the worker closes the computation after its next item."""
        items = self._stream(work)
        try:
            while True:
                try:
                    item = next(items)
                except StopIteration:
                    return
                except Exception as exc:
                    raise _in_our_words(exc)
                if isinstance(item, Raised):
                    raise item.error
                yield item
        finally:
            items.close()


@dataclass(frozen=True)
class Raised:
    error: PlaygroundError


# `spaces` refuses with a gr.Error titled by what happened (spaces/zero/client.py, wrappers.py), in English:
# each title's message, in the page's language, with what `spaces` said (a wait, a quota) kept as detail.
REFUSALS = {"ZeroGPU client error": "gpu.unavailable", "ZeroGPU queue timeout": "gpu.unavailable",
            "ZeroGPU quota exceeded": "gpu.quota", "ZeroGPU pending credits exceeded": "gpu.quota",
            "ZeroGPU illegal duration": "gpu.too_long", "ZeroGPU worker error": "gpu.worker_failed"}


def _in_our_words(exc: Exception) -> Exception:
    if str(exc).startswith("Connection closed by visitor"):  # spaces: the visitor left while queueing
        return ClientGone("generate.client_gone")
    key = REFUSALS.get(getattr(exc, "title", None))
    if key is None:
        return exc
    detail = str(getattr(exc, "message", exc))
    if detail.startswith("No GPU was available"):  # titled "quota exceeded" where it waited 60 s in vain
        key = "gpu.unavailable"
    return PlaygroundError(key, detail=detail)
