"""Models tab: what is loaded (device, dtype, memory) and the local Hugging Face cache."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..plots.text import plain
from . import share
from .common import bind, human_bytes
from .i18n import t

LOADED_HEADERS = ["model", "device", "dtype", "weights", "tasks", "load time (s)"]
CACHE_HEADERS = ["repo", "type", "size", "revisions"]


@dataclass
class ModelsUI:
    info: gr.Markdown
    loaded: gr.Dataframe
    cache: gr.Dataframe
    unload_name: gr.Dropdown
    repo: gr.Dropdown

    def outputs(self) -> list:
        return [self.info, self.loaded, self.cache, self.unload_name, self.repo]


def loaded_rows(models: dict) -> list[list]:
    return [[m["model"], m["device"], m["dtype"], human_bytes(m["bytes"]), ", ".join(m["tasks"]),
             round(m["load_seconds"], 2)] for m in models["loaded"]]


def summary(models: dict) -> str:
    used = sum(m["bytes"] for m in models["loaded"])
    return (f"Device **{models['device']}**, default dtype **{models['default_dtype']}** · "
            f"{len(models['loaded'])} model(s) loaded, {human_bytes(used)} of a "
            f"{human_bytes(models['memory_budget'])} budget (least recently used models are unloaded beyond it).")


def refresh(ui: ModelsUI, service) -> dict:
    models, repos = service.models(), service.cached_repos()
    return {ui.info: summary(models), ui.loaded: loaded_rows(models),
            ui.cache: [[r.repo_id, r.repo_type, human_bytes(r.size_on_disk), r.revisions] for r in repos],
            ui.unload_name: gr.update(choices=sorted({m["model"] for m in models["loaded"]})),
            ui.repo: gr.update(choices=[(f"{r.repo_id} ({r.repo_type})", f"{r.repo_type}:{r.repo_id}")
                                        for r in repos])}


def unload(ui: ModelsUI, service, name) -> dict:
    if not service.unload(name):
        gr.Warning(plain(f"'{name}' is not loaded."))
    return refresh(ui, service)


def delete(ui: ModelsUI, service, choice) -> dict:
    """`choice` is "type:repo id" (the dropdown's value): only the repo of the type shown is deleted."""
    repo_type, _, repo_id = (choice or "").rpartition(":") if ":" in (choice or "") else ("model", "", choice)
    freed = service.delete_cached(repo_id, repo_type)
    gr.Info(plain(f"Deleted {repo_id} ({human_bytes(freed)} freed)."))
    return refresh(ui, service)


def build(service):
    """-> (the refresh handler, its outputs): app.py refreshes when the tab is selected."""
    public = service.settings.public
    share.guide("guide_models", "models-guide")
    models = service.models()
    info = gr.Markdown(summary(models), elem_id="models-summary")
    loaded = gr.Dataframe(headers=LOADED_HEADERS, value=loaded_rows(models), label=t("models_loaded"),
                          interactive=False, elem_id="models-loaded")
    refresh_button = gr.Button(t("models_refresh"), elem_id="models-refresh")
    with gr.Row(visible=not public):  # unloading is refused on the server too (service.unload)
        unload_name = gr.Dropdown(choices=[], label=t("models_unload_name"), allow_custom_value=True,
                                  elem_id="models-unload-name")
        unload_button = gr.Button(t("models_unload"), elem_id="models-unload")
    gr.Markdown(t("models_cache_public" if public else "models_cache"))
    cache = gr.Dataframe(headers=CACHE_HEADERS, label=t("models_cache_table"), interactive=False,
                         elem_id="models-cache")
    with gr.Row(visible=not public):
        repo = gr.Dropdown(choices=[], label=t("models_delete_name"), allow_custom_value=True)
        delete_button = gr.Button(t("models_delete"), variant="stop")
    ui = ModelsUI(info, loaded, cache, unload_name, repo)
    refresh_all = bind(service, refresh, ui, service, rate_limited=False)
    refresh_button.click(refresh_all, None, ui.outputs(), api_visibility="private")
    unload_button.click(bind(service, unload, ui, service), unload_name, ui.outputs(), api_visibility="private")
    delete_button.click(bind(service, delete, ui, service), repo, ui.outputs(), api_visibility="private")
    return refresh_all, ui.outputs()
