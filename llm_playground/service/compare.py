"""PlaygroundService.compare: two generations of one prompt (two models, or two settings of one) and how each
model scores the other's text. A mixin of the service, so that service/playground.py stays about the other tasks."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from ..tasks import compare as compare_task
from ..tasks.generation import GenerationParams
from .outcome import Outcome

SIDES = ("a", "b")


class Comparisons:
    def compare(self, prompt: str, model_a: str, model_b: str, progress=None, **raw):
        """Both generations use one seed (drawn once for -1); then, when the models share a vocabulary, each
        text is read by both models (tasks/compare.py). Engine models are refused: scoring needs logits."""
        values = self.check("compare", prompt=prompt, model_a=model_a, model_b=model_b, **raw)
        seed, backends, states = values["seed"], [], []
        for side in SIDES:
            self._refuse_engine_model(values[f"model_{side}"], "compare")
        with contextlib.ExitStack() as held:
            for side in SIDES:
                params = GenerationParams(
                    max_new_tokens=values["max_new_tokens"], do_sample=values[f"do_sample_{side}"],
                    temperature=values[f"temperature_{side}"], top_k=values["top_k"], top_p=values["top_p"],
                    seed=seed).validated(self.specs["generate"])
                seed = params.seed if params.do_sample else seed  # a seed drawn for A is B's too
                backend = self.generation_backend(values[f"model_{side}"], values[f"dtype_{side}"], progress)
                held.enter_context(backend.session())  # both stay loaded until the texts are scored
                backend.check(values["prompt"], params)
                backends.append(backend)
                states.append(self.generations.run(backend, values["prompt"], params))
            if seed == -1:  # two greedy sides: no draw, nothing to report
                seed = 0
            states = [replace(s, params=replace(s.params, seed=seed)) for s in states]
            result = compare_task.compare(values["prompt"], backends[0].loaded, states[0], backends[1].loaded,
                                          states[1], (values["model_a"], values["model_b"]),
                                          tuple(b.info.dtype for b in backends))
        return Outcome(result, backends[0].info, values | {"seed": seed, "models": [b.info for b in backends]})
