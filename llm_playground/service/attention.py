"""The service's attention methods (a mixin of PlaygroundService): weights computed once per checkpoint, dtype
and text, kept in the service's attention cache, and the views of them the tab and its export show."""

from __future__ import annotations

import dataclasses

from ..models.catalog import ATTENTION
from ..models.devices import dtype_name
from ..tasks import attention as attention_task
from ..tasks.attention_views import export_json, view_data
from ..tasks.validation import number
from .outcome import Outcome, Progress


class AttentionViews:
    def attention(self, model: str, text: str, text_pair: str = "", progress: Progress | None = None,
                  prompt_chars: int = 0) -> Outcome:
        """The attention of a text under a model, computed once per (checkpoint, dtype, text, sentence B).
        prompt_chars: the text is a prompt of that many characters and what a model generated after it
        (the Generate tab's "Show attention"): the result says where the generated tokens start."""
        values = self.check("attention", model=model, text=text, text_pair=text_pair)
        prompt_chars = number(prompt_chars or 0, "prompt_chars", 0, len(values["text"]), integer=True)
        key = self.attention_key(values["model"], values["text"], values["text_pair"])

        def compute():
            with self.using(values["model"], "attention", progress=progress) as loaded:
                return self.compute(loaded, "attention",
                                    {"text": values["text"], "text_pair": values["text_pair"] or None})

        result = self.attention_cache.get(key, compute)
        if prompt_chars and result.causal:  # the boundary is not part of the cached weights: same text, same pass
            start = attention_task.generated_start(self._tokenizer(values["model"]), result.ids, values["text"],
                                                   prompt_chars)
            result = dataclasses.replace(result, generated_start=start)
        info = self._info_of(values["model"], ATTENTION, dtype=key[1])  # the dtype the cached weights were made in
        return Outcome(result, info, values | {"prompt_chars": prompt_chars})

    def attention_view(self, model: str, text: str, text_pair: str = "", view: str = "heatmap", layer=0,
                       head="mean", token=0, progress: Progress | None = None, prompt_chars: int = 0) -> Outcome:
        """One view (heatmap, model view, rollout, token view) of a text's stored attention: (result, ViewData)."""
        out = self.attention(model, text, text_pair, progress, prompt_chars)
        data = view_data(out.result, view, layer, head, token)
        chosen = {"view": data.view, "layer": data.layer, "head": data.head, "token": data.token}
        return Outcome((out.result, data), out.model, out.values | chosen)

    def attention_stored(self, model: str, text: str, text_pair: str = "") -> bool:
        """Whether a re-plot of this text is free (its weights are still in the cache)."""
        values = self.check("attention", model=model, text=text, text_pair=text_pair)
        return self.attention_key(values["model"], values["text"], values["text_pair"]) in self.attention_cache

    def attention_json(self, outcome: Outcome) -> dict:
        """The weights of a view as shown, with what they mean (the tab's export)."""
        return export_json(*outcome.result)

    def attention_key(self, model: str, text: str, text_pair: str) -> tuple:
        """Names the weights without loading them: catalogue source + the dtype the tab loads."""
        self._refuse_engine_model(model, "attention")
        source = self.catalog.resolve(model, ATTENTION).source
        return source, dtype_name(self.manager.default_dtype), text, text_pair
