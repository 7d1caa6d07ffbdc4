"""The service's model computations, by name, so that each can run in a ZeroGPU call (runtime/gpu_calls.py).

`compute(loaded, kind, values, passes)` runs COMPUTATIONS[kind] on the loaded model: in this process, or on
ZeroGPU in a forked worker that finds the same model in its copy of the manager. What crosses the process
boundary is plain data both ways: the values in, the task's result out (lists, numbers, CPU tensors).
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import torch

from ..runtime.cores import CURRENT

from ..errors import PlaygroundError
from ..runtime.gpu_calls import GpuCalls, GpuWork, seconds_for
from ..backends.local import LocalGeneration
from ..tasks import attention as attention_task
from ..tasks import compare as compare_task
from ..tasks import logit_lens as logit_lens_task
from ..tasks import prompt_logprobs as prompt_logprobs_task
from ..tasks.generation import GenerationState, Sequence


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


def _attention(service, loaded, values: dict) -> Any:
    return attention_task.compute_attention(loaded, values["text"], values["text_pair"])


def _prompt_logprobs(service, loaded, values: dict) -> Any:
    return prompt_logprobs_task.prompt_logprobs(loaded, values["prompt"], values["alternatives"])


@dataclass
class StepDelta:
    """What a generation step changed: the worker sends this, not the whole state, whose pickles grew with the
    square of the length (4.6 MB a step at 512 tokens x 8 sequences x 20 alternatives)."""
    tokens: list[list]  # per sequence, its tokens new since the last delta
    completions: list[str]
    finished: list[bool]
    seconds: float
    prompt_tokens: int
    done: bool
    stopped: bool

    def apply(self, state: GenerationState) -> None:
        for sequence, new, text, finished in zip(state.sequences, self.tokens, self.completions, self.finished):
            sequence.tokens.extend(new)
            sequence.completion, sequence.finished = text, finished
        state.seconds, state.prompt_tokens, state.done, state.stopped = (self.seconds, self.prompt_tokens, self.done,
                                                                         self.stopped)


def _generate(service, loaded, values: dict) -> Iterator[StepDelta]:
    """Each step's change (a streaming computation: GpuCalls.stream). Progress callbacks stay in the main process."""
    backend = LocalGeneration(loaded, decode=values["decode"])
    backend.prepare(values["prompt"], values["params"])
    sent = [0] * values["params"].num_sequences
    for state in backend.stream(values["prompt"], values["params"]):
        seqs = state.sequences
        yield StepDelta([s.tokens[n:] for s, n in zip(seqs, sent)], [s.completion for s in seqs],
                        [s.finished for s in seqs], state.seconds, state.prompt_tokens, state.done, state.stopped)
        sent = [len(s.tokens) for s in seqs]


def _compare(service, loaded, values: dict) -> Iterator:
    """Compare's two generations and their scoring (service/compare.py): None after each step (where the caller
    may stop it), then the Comparison."""
    other = service.manager.resident(values["other"])
    other = other.on_its_weights_device() if service.gpu.zero else other
    states = []
    for side, params, decode in zip((loaded, other), values["params"], values["decode"]):
        backend, state = LocalGeneration(side, decode=decode), None
        for state in backend.stream(values["prompt"], params):
            yield None
        states.append(dataclasses.replace(state, params=dataclasses.replace(state.params, seed=values["seed"])))
    yield compare_task.compare(values["prompt"], loaded, states[0], other, states[1], values["names"],
                               values["dtypes"])


COMPUTATIONS: dict[str, Callable[..., Any]] = {"compare": _compare, "spec-task": _spec_task, "logit-lens": _logit_lens,
                                               "attention": _attention, "prompt-logprobs": _prompt_logprobs,
                                               "generate": _generate}


class GpuWorkMixin:
    def preload(self) -> list[str]:
        """Load every catalogue model, for every task a tab runs on it, now (ZeroGPU: before launch, when `spaces`
        packs the weights of what is on "cuda"; a model loaded later would be missing from a worker forked
        before it). Returns what could not be loaded, with the reason (it is then left out, not fatal)."""
        failed: dict[str, str] = {}  # one reason per model (its first task's)
        loaded: set[str] = set()
        for task in sorted({spec.model_task for spec in self.specs.values() if spec.model_task}):
            for name in self.catalog.names(task):
                if name in failed:
                    continue
                try:
                    loaded.add(self.manager.get(name, task).entry.name)
                except PlaygroundError as exc:
                    failed[name] = str(exc)
        resident = {model.entry.name for model in self.manager.loaded()}
        for name in sorted(loaded - resident):  # made room for a later one: on ZeroGPU, gone for good
            failed[name] = f"evicted: --memory-budget ({self.settings.memory_budget} bytes) holds not every model"
        if self.gpu.zero:  # what is not loaded now cannot run (see ModelManager.frozen): not offered either
            for name in failed:
                self.catalog.remove(name)
            self.manager.frozen = True
        return [f"{name}: {reason}" for name, reason in failed.items()]

    def _gpu_calls(self, decorate: Callable | None = None) -> GpuCalls:
        return GpuCalls(self._execute, zero=self.settings.zero_gpu, decorate=decorate)

    def compute(self, loaded, kind: str, values: dict, passes: int = 1) -> Any:
        """COMPUTATIONS[kind] on `loaded`: here, or in a ZeroGPU call asking for time for `passes` passes."""
        if not self.gpu.zero:
            return COMPUTATIONS[kind](self, loaded, values)
        return self.gpu.run(self._work(loaded, kind, values, passes))

    def compute_stream(self, loaded, kind: str, values: dict, passes: int, nbytes: int | None = None) -> Iterator:
        """A streaming computation's items (see compute); closing the iterator stops it. `nbytes`: the weights
        it reads, where it reads more models than `loaded`."""
        if not self.gpu.zero:
            return COMPUTATIONS[kind](self, loaded, values)
        return self.gpu.stream(self._work(loaded, kind, values, passes, nbytes))

    def local_stream(self, backend, prompt: str, params, stop) -> Iterator:
        """A local generation's states (Generations._local): the backend's own stream, or on ZeroGPU the same
        stream from a GPU call, closed at the first state after `stop` (the last one is marked stopped)."""
        if not self.gpu.zero:
            return backend.stream(prompt, params, stop)
        return self._gpu_generation(backend, prompt, params, stop)

    def _gpu_generation(self, backend, prompt: str, params, stop) -> Iterator[GenerationState]:
        values = {"prompt": prompt, "params": params, "decode": backend.decode}
        passes = 1 + len(params.prefix_ids) + params.max_new_tokens
        deltas = self.compute_stream(backend.loaded, "generate", values, passes)
        state, received = GenerationState(prompt, params, [Sequence() for _ in range(params.num_sequences)]), False
        try:
            for delta in deltas:
                delta.apply(state)
                received = True
                if stop is not None and stop.is_set():
                    break
                yield state
            else:
                return  # it ended by itself: its last state (done) was handed on
        finally:
            deltas.close()
        if received:  # stopped: what was made, marked as the in-process stream marks it (unless it had finished)
            state.stopped, state.done = state.stopped or not state.done, True
            yield state

    def _work(self, loaded, kind: str, values: dict, passes: int, nbytes: int | None = None) -> GpuWork:
        seconds = seconds_for(loaded.nbytes if nbytes is None else nbytes, passes, self.manager.total_bytes())
        return GpuWork(kind, self.manager.key_of(loaded), values, seconds)

    def _execute(self, work: GpuWork) -> Any:
        """In a ZeroGPU worker: the model from the forked manager, on the device its weights were moved to. Torch's
        CPU work there runs on one thread: OpenMP's thread pool does not survive a fork (a parent that computed on
        CPU left its child hanging at its first parallel loop)."""
        torch.set_num_threads(1)
        CURRENT.set(None)  # the parent's core accounting is not this process's: a model lock must not resize
        loaded = self.manager.resident(work.model).on_its_weights_device()
        return COMPUTATIONS[work.kind](self, loaded, work.values)
