"""Models tab: what is loaded (device, dtype, memory) and the local Hugging Face cache."""

from __future__ import annotations

import gradio as gr

from .. import hub_cache
from ..devices import dtype_name
from . import share
from .common import human_bytes, user_errors
from .i18n import t

LOADED_HEADERS = ["model", "device", "dtype", "weights", "tasks", "load time (s)"]
CACHE_HEADERS = ["repo", "type", "size", "revisions"]


def loaded_rows(manager) -> list[list]:
    return [[m.name, m.device, dtype_name(m.dtype), human_bytes(m.nbytes), ", ".join(sorted(m.tasks)),
             round(m.load_seconds, 2)] for m in manager.loaded()]


def summary(manager) -> str:
    used, budget = manager.total_bytes(), manager.settings.memory_budget
    return (f"Device **{manager.device}**, default dtype **{dtype_name(manager.default_dtype)}** · "
            f"{len(manager.loaded())} model(s) loaded, {human_bytes(used)} of a {human_bytes(budget)} budget "
            "(least recently used models are unloaded beyond it).")


def cache_rows() -> list[list]:
    return [[r.repo_id, r.repo_type, human_bytes(r.size_on_disk), r.revisions] for r in hub_cache.scan()]


def build(manager) -> None:
    public = manager.settings.public
    share.guide("guide_models", "models-guide")
    info = gr.Markdown(summary(manager), elem_id="models-summary")
    loaded = gr.Dataframe(headers=LOADED_HEADERS, value=loaded_rows(manager), label=t("models_loaded"),
                          interactive=False, elem_id="models-loaded")
    with gr.Row():
        refresh = gr.Button(t("models_refresh"), elem_id="models-refresh")
        unload_name = gr.Dropdown(choices=[], label=t("models_unload_name"), allow_custom_value=True,
                                  elem_id="models-unload-name")
        unload = gr.Button(t("models_unload"), elem_id="models-unload")
    gr.Markdown(t("models_cache_public" if public else "models_cache"))
    cache = gr.Dataframe(headers=CACHE_HEADERS, label=t("models_cache_table"), interactive=False,
                         elem_id="models-cache")
    with gr.Row(visible=not public):
        repo = gr.Dropdown(choices=[], label=t("models_delete_name"), allow_custom_value=True)
        delete = gr.Button(t("models_delete"), variant="stop")

    def refresh_all():
        names = sorted({m.name for m in manager.loaded()})
        repos = [r.repo_id for r in hub_cache.scan()]
        return (summary(manager), loaded_rows(manager), cache_rows(), gr.update(choices=names),
                gr.update(choices=repos))

    outputs = [info, loaded, cache, unload_name, repo]

    @user_errors
    def do_unload(name):
        if not manager.unload(name):
            gr.Warning(f"'{name}' is not loaded.")
        return refresh_all()

    @user_errors
    def do_delete(repo_id):
        if public:
            raise gr.Error("Deleting cache entries is disabled on this deployment.")
        freed = hub_cache.delete(repo_id)
        gr.Info(f"Deleted {repo_id} ({human_bytes(freed)} freed).")
        return refresh_all()

    refresh.click(refresh_all, None, outputs, api_visibility="private")
    unload.click(do_unload, unload_name, outputs, api_visibility="private")
    delete.click(do_delete, repo, outputs, api_visibility="private")
    return refresh_all, outputs
