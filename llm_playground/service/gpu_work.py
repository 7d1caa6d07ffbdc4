"""The service's model computations, by name, so that each can run in a ZeroGPU call (runtime/gpu_calls.py).

`compute(loaded, kind, values, passes)` runs COMPUTATIONS[kind] on the loaded model: in this process, or on
ZeroGPU in a forked worker that finds the same model in its copy of the manager. What crosses the process
boundary is plain data both ways: the values in, the task's result out (lists, numbers, CPU tensors).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

import torch

from ..errors import PlaygroundError
from ..runtime.gpu_calls import GpuCalls, GpuWork, seconds_for
from ..tasks import logit_lens as logit_lens_task


def task_function(spec) -> Callable | None:
    """`tasks/<api name>.py`'s function of the same name, the pure task a spec runs by convention (None: none)."""
    try:
        module = importlib.import_module(f"{__package__.rsplit('.', 1)[0]}.tasks.{spec.api_name}")
    except ModuleNotFoundError:
        return None
    return getattr(module, spec.api_name, None)


def _spec_task(service, loaded, values: dict) -> Any:
    return task_function(service.specs[values["spec_id"]])(loaded, **values["args"])


def _logit_lens(service, loaded, values: dict) -> Any:
    return logit_lens_task.logit_lens(loaded, values["text"], values["top_k"], values["track"])


COMPUTATIONS: dict[str, Callable[..., Any]] = {"spec-task": _spec_task, "logit-lens": _logit_lens}


class GpuWorkMixin:
    def preload(self) -> list[str]:
        """Load every catalogue model, for every task a tab runs on it, now (ZeroGPU: before launch, when `spaces`
        packs the weights of what is on "cuda"; a model loaded later would be missing from a worker forked
        before it). Returns what could not be loaded, with the reason (it is then left out, not fatal)."""
        failed = []
        for task in sorted({spec.model_task for spec in self.specs.values() if spec.model_task}):
            for name in self.catalog.names(task):
                try:
                    self.manager.get(name, task)
                except PlaygroundError as exc:
                    failed.append(f"{name} ({task}): {exc}")
        return failed

    def _gpu_calls(self, decorate: Callable | None = None) -> GpuCalls:
        return GpuCalls(self._execute, zero=self.settings.zero_gpu, decorate=decorate)

    def compute(self, loaded, kind: str, values: dict, passes: int = 1) -> Any:
        """COMPUTATIONS[kind] on `loaded`: here, or in a ZeroGPU call asking for time for `passes` passes."""
        if not self.gpu.zero:
            return COMPUTATIONS[kind](self, loaded, values)
        work = GpuWork(kind, self.manager.key_of(loaded), values, seconds_for(loaded.nbytes, passes))
        return self.gpu.run(work)

    def _execute(self, work: GpuWork) -> Any:
        """In a ZeroGPU worker: the model from the forked manager, on the device its weights were moved to. Torch's
        CPU work there runs on one thread: OpenMP's thread pool does not survive a fork (a parent that computed on
        CPU left its child hanging at its first parallel loop)."""
        torch.set_num_threads(1)
        loaded = self.manager.resident(work.model).on_its_weights_device()
        return COMPUTATIONS[work.kind](self, loaded, work.values)
