"""What the model pickers, the Models tab and /models show: the catalogue per task, what works offline,
what is loaded, the engines' models and the Hugging Face cache. A part of PlaygroundService (service/playground.py),
kept apart because none of it runs a task."""

from __future__ import annotations

from ..backends.base import ModelInfo
from ..backends.local import model_info
from ..errors import InvalidInput
from ..i18n.words import tr
from ..models import hub_cache
from ..models.catalog import FILL_MASK, NEXT_SENTENCE, TOKENIZER
from ..models.devices import dtype_name
from ..tasks.baselines import BASELINES
from ..tasks.encoder import config_positions, local_config, usable_positions


class ModelDirectory:
    """Mixed into PlaygroundService: uses its catalog, manager, engines, specs and settings."""

    def model_names(self, task: str) -> list[str]:
        return self.catalog.names(task)

    def tab_model_names(self, tab: str, usable_now: bool = True) -> list[str]:
        """What a tab's model picker offers (usable_now: without Hub models while offline); the Generate
        tab adds the engines' models."""
        task = self.specs[tab].model_task
        names = self.model_choices(task) if usable_now else self.model_names(task)
        return names + [n for n in self.engines.names() if n not in names] if tab == "generate" else names

    def engine_status(self) -> list[dict]:
        """Each engine: label, URL, up (None: not asked yet), the error when down, its models."""
        self.engines.refresh()
        return self.engines.status()

    def tokenizer_names(self) -> list[str]:
        return [*BASELINES, *self.catalog.names(TOKENIZER)]

    def tokenizer_choices(self) -> list[str]:
        """The tokenizers a picker offers: the baselines, and the models that can be used now."""
        return [*BASELINES, *self.model_choices(TOKENIZER)]

    def default_model(self, task: str) -> str | None:
        """The catalogue's first model that can be used now (offline: the first local one)."""
        choices = self.model_choices(task)
        return choices[0] if choices else None

    def model_choices(self, task: str) -> list[str]:
        """The models a picker offers: while the Hub cannot be reached, only those that work offline."""
        names = self.catalog.names(task)
        return names if self.hub_reachable() else [n for n in names if self.catalog.entries[n].local]

    def hidden_offline(self, task: str) -> list[str]:
        """Catalogue models left out of the pickers while the Hub cannot be reached."""
        if self.hub_reachable():
            return []
        return [n for n in self.catalog.names(task) if not self.catalog.entries[n].local]

    def offline_note(self, lang: str = "en") -> str:
        if self.hub_reachable():
            return ""
        no_bert = not self.model_choices(FILL_MASK) or not self.model_choices(NEXT_SENTENCE)
        return tr(lang, "offline") + (tr(lang, "offline_no_bert") if no_bert else "")

    def usable(self, name: str) -> bool:
        """Whether a catalogue model can be used now (local, or the Hub is reachable): examples offer only these."""
        entry = self.catalog.entries.get(name)
        return bool(entry) and (entry.local or self.hub_reachable())

    def context_length(self, name: str) -> int | None:
        """A generation model's context (prompt + new tokens), read without loading its weights where possible."""
        loaded = next((m for m in self.manager.loaded() if m.name == name), None)
        if loaded is not None:
            return usable_positions(loaded.model.config)
        entry = self.catalog.entries.get(name)
        return config_positions(entry.source) if entry and entry.local else None

    def layers_and_heads(self, name: str) -> tuple[int, int] | None:
        """A model's blocks and attention heads, read without loading its weights where possible (the forward-pass
        tab's sliders); None when only loading it would tell."""
        loaded = next((m for m in self.manager.loaded() if m.name == name), None)
        entry = self.catalog.entries.get(name)
        if loaded is not None:
            config = loaded.model.config.get_text_config().to_dict()
        else:
            config = local_config(entry.source) if entry and entry.local else None
        if config is None:
            return None
        layers = config.get("num_hidden_layers") or config.get("n_layer")
        heads = config.get("num_attention_heads") or config.get("n_head")
        return (int(layers), int(heads)) if layers and heads else None

    def local_model_names(self, builtin: bool = True) -> list[str]:
        return [name for name, entry in self.catalog.entries.items()
                if entry.local and (builtin or entry.description != "built in")]

    def hub_reachable(self) -> bool:
        return self.manager.hub_probe()

    def loaded_models(self) -> list[ModelInfo]:
        return [model_info(m) for m in self.manager.loaded()]

    def models(self) -> dict:
        m = self.manager
        return {
            "tasks": m.catalog.by_task(),
            "loaded": [{"model": x.name, "device": x.device, "dtype": dtype_name(x.dtype), "bytes": x.nbytes,
                        "tasks": sorted(x.tasks), "load_seconds": round(x.load_seconds, 3)} for x in m.loaded()],
            "device": m.device, "default_dtype": dtype_name(m.default_dtype),
            "memory_budget": m.settings.memory_budget, "custom_models": m.settings.allow_custom_models,
            "engines": self.engine_status(),
        }

    def unload(self, name: str | None) -> int:
        """Unload a model (it loads again on next use). Not on public deployments: one visitor's unload would
        make everybody wait for cold loads again."""
        if self.settings.public:
            raise InvalidInput("deploy.no_unload")
        return self.manager.unload(name)

    def cached_repos(self) -> list[hub_cache.CachedRepo]:
        return hub_cache.scan()

    def delete_cached(self, repo_id: str, repo_type: str = "model") -> int:
        if self.settings.public:
            raise InvalidInput("deploy.no_delete")
        return hub_cache.delete(repo_id, repo_type=repo_type)
