"""PlaygroundService.compare: two generations of one prompt (two models, or two settings of one) and how each
model scores the other's text. A mixin of the service, so that service/playground.py stays about the other tasks."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import replace
from typing import Callable

from ..errors import ClientGone
from ..tasks import compare as compare_task
from ..tasks.generation import GenerationParams
from .outcome import Outcome, unless_caller_left

SIDES = ("a", "b")


def side_values(values: dict, side: str) -> dict:
    """One side's own settings under the generate spec's names (do_sample_a -> do_sample)."""
    return {name[:-2]: value for name, value in values.items() if name.endswith(f"_{side}")}


class Comparisons:
    def compare(self, prompt: str, model_a: str, model_b: str, progress=None,
                keep_going: Callable[[], bool] | None = None, stop: threading.Event | None = None, **raw):
        """Both generations use one seed (drawn once for -1); then, when the models share a vocabulary, each
        text is read by both models (tasks/compare.py). Engine models are refused: scoring needs logits.
        keep_going, stop: as for generate; a caller who left stops the work within a step (ClientGone)."""
        values = self.check("compare", prompt=prompt, model_a=model_a, model_b=model_b, **raw)
        seed, backends, states = values["seed"], [], []
        for side in SIDES:
            self._refuse_engine_model(values[f"model_{side}"], "compare")
        with contextlib.ExitStack() as held:
            for side in SIDES:
                unless_caller_left(keep_going, stop)  # before B's load too
                params = GenerationParams.from_checked(values | {"seed": seed, **side_values(values, side)})
                seed = params.seed if params.do_sample else seed  # a seed drawn for A is B's too
                backend = self.generation_backend(values[f"model_{side}"], values[f"dtype_{side}"], progress)
                held.enter_context(backend.session())  # both stay loaded until the texts are scored
                backend.prepare(values["prompt"], params)
                backends.append(backend)
                if self.gpu.zero:  # both sides and the scoring in one GPU call, below
                    states.append(params)
                    continue
                state = self.generations.run(backend, values["prompt"], params, keep_going, stop)
                if state is None or state.stopped:
                    raise ClientGone("generate.client_gone")
                states.append(state)
            if seed == -1:  # two greedy sides: no draw, nothing to report
                seed = 0
            names, dtypes = (values["model_a"], values["model_b"]), tuple(b.info.dtype for b in backends)
            if self.gpu.zero:
                result = self._compare_on_gpu(values["prompt"], backends, states, names, dtypes, seed, keep_going,
                                              stop)
            else:
                states = [replace(s, params=replace(s.params, seed=seed)) for s in states]
                result = compare_task.compare(values["prompt"], backends[0].loaded, states[0], backends[1].loaded,
                                              states[1], names, dtypes)
        return Outcome(result, backends[0].info, values | {"seed": seed, "models": [b.info for b in backends]})

    def _compare_on_gpu(self, prompt: str, backends, params, names, dtypes, seed: int, keep_going, stop):
        """ZeroGPU: one GPU call generates both sides and scores them (service/gpu_work.py's "compare"), streaming
        a step at a time so that a caller who leaves stops it within a step."""
        loaded = [b.loaded for b in backends]
        work = {"prompt": prompt, "params": params, "other": self.manager.key_of(loaded[1]), "names": names,
                "dtypes": dtypes, "seed": seed, "decode": [b.decode for b in backends]}
        passes = sum(2 + len(p.prefix_ids) + p.max_new_tokens for p in params) + 4  # generations, then scoring
        items = self.compute_stream(loaded[0], "compare", work, passes, nbytes=loaded[0].nbytes + loaded[1].nbytes)
        try:
            for item in items:
                if (keep_going is not None and not keep_going()) or (stop is not None and stop.is_set()):
                    raise ClientGone("generate.client_gone")
                if item is not None:
                    return item
        finally:
            items.close()
        raise ClientGone("generate.client_gone")
