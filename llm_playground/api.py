"""Public JSON API: thin functions over the tasks, registered with gr.api by the UI.

Each returns plain JSON-able dicts and raises PlaygroundError for bad requests (the UI layer turns
those into gr.Error, which gradio_client raises as AppError with the same message).
"""

from __future__ import annotations

from .catalog import GENERATION
from .devices import dtype_name
from .manager import ModelManager
from .tasks.generation import GenerationParams, generate


class PlaygroundAPI:
    def __init__(self, manager: ModelManager):
        self.manager = manager

    def generate(self, model: str, prompt: str, max_new_tokens: int = 40, do_sample: bool = False,
                 temperature: float = 1.0, top_k: int = 50, top_p: float = 1.0,
                 repetition_penalty: float = 1.0, seed: int = 0, no_repeat_ngram_size: int = 0,
                 num_sequences: int = 1, dtype: str = "auto") -> dict:
        """Generate a continuation of `prompt`, with each new token's probability and top-5 alternatives."""
        params = GenerationParams(max_new_tokens, do_sample, temperature, top_k, top_p, repetition_penalty,
                                  no_repeat_ngram_size, seed, num_sequences)
        params.validated(self.manager.settings.max_new_tokens_cap)  # fail before any model loads
        loaded = self.manager.get(model, GENERATION, None if dtype == "auto" else dtype)
        state = generate(loaded, prompt, params, self.manager.settings.max_new_tokens_cap)
        return {**state.to_dict(loaded.name, loaded.device), "dtype": dtype_name(loaded.dtype)}

    def models(self) -> dict:
        """The model catalogue per task, and what is loaded now (device, dtype, bytes)."""
        m = self.manager
        return {
            "tasks": m.catalog.by_task(),
            "loaded": [{"model": x.name, "device": x.device, "dtype": dtype_name(x.dtype), "bytes": x.nbytes,
                        "tasks": sorted(x.tasks), "load_seconds": round(x.load_seconds, 3)} for x in m.loaded()],
            "device": m.device, "default_dtype": dtype_name(m.default_dtype),
            "memory_budget": m.settings.memory_budget, "custom_models": m.settings.allow_custom_models,
        }
