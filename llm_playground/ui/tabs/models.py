"""Models tab: what is loaded (device, dtype, memory) and the local Hugging Face cache."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ...i18n.labels import t
from ...i18n.words import tr
from ...plots.text import md, plain
from .. import share
from ..common import bind, human_bytes


@dataclass
class ModelsUI:
    info: gr.Markdown
    loaded: gr.Dataframe
    cache: gr.Dataframe
    cache_empty: gr.Markdown
    unload_name: gr.Dropdown
    repo: gr.Dropdown

    def outputs(self) -> list:
        return [self.info, self.loaded, self.cache, self.cache_empty, self.unload_name, self.repo]


def loaded_rows(models: dict) -> list[list]:
    return [[m["model"], m["device"], m["dtype"], human_bytes(m["bytes"]), ", ".join(m["tasks"]),
             round(m["load_seconds"], 2)] for m in models["loaded"]]


def summary(models: dict, lang: str = "en") -> str:
    used = sum(m["bytes"] for m in models["loaded"])
    text = tr(lang, "models_summary", device=models["device"], dtype=models["default_dtype"], n=len(models["loaded"]),
              used=human_bytes(used), budget=human_bytes(models["memory_budget"]))
    return text + ("" if models["loaded"] else "\n\n" + tr(lang, "models_none_loaded"))


def refresh(ui: ModelsUI, service, lang="en") -> dict:
    models, repos = service.models(), service.cached_repos()
    rows = [[r.repo_id, r.repo_type, human_bytes(r.size_on_disk), r.revisions] for r in repos]
    return {ui.info: summary(models, lang),
            ui.loaded: pd.DataFrame(loaded_rows(models), columns=tr(lang, "models_loaded")),
            ui.cache: gr.update(value=pd.DataFrame(rows, columns=tr(lang, "models_cache")), visible=bool(rows)),
            ui.cache_empty: gr.update(value=tr(lang, "models_cache_empty"), visible=not rows),
            ui.unload_name: gr.update(choices=sorted({m["model"] for m in models["loaded"]}), value=None),
            ui.repo: gr.update(choices=[(f"{r.repo_id} ({r.repo_type})", f"{r.repo_type}:{r.repo_id}") for r in repos],
                               value=None)}


def unload(ui: ModelsUI, service, name, lang="en") -> dict:
    if not name:  # the button pressed with the list empty: say what to do, not "'None' is not loaded."
        gr.Warning(tr(lang, "models_unload_none"), title=tr(lang, "warning_title"))
    elif service.unload(name):
        gr.Info(tr(lang, "models_unloaded", name=plain(name)), title=tr(lang, "info_title"))
    else:
        gr.Warning(plain(tr(lang, "models_not_loaded", name=name)), title=tr(lang, "warning_title"))
    return refresh(ui, service, lang)


def delete(ui: ModelsUI, service, choice, lang="en") -> dict:
    """`choice` is "type:repo id" (the dropdown's value): only the repo of the type shown is deleted."""
    repo_type, _, repo_id = (choice or "").rpartition(":") if ":" in (choice or "") else ("model", "", choice)
    freed = service.delete_cached(repo_id, repo_type)
    gr.Info(plain(tr(lang, "models_deleted", repo=repo_id, size=human_bytes(freed))), title=tr(lang, "info_title"))
    return refresh(ui, service, lang)


def build(service, lang):
    """-> (the refresh handler, its inputs, its outputs): app.py refreshes when the tab is selected."""
    public = service.settings.public
    share.guide("guide_models", "models-guide")
    models = service.models()
    info = gr.Markdown(summary(models), elem_id="models-summary")
    loaded = gr.Dataframe(headers=tr("en", "models_loaded"), value=loaded_rows(models), label=t("models_loaded"),
                          interactive=False, elem_id="models-loaded")
    refresh_button = gr.Button(t("models_refresh"), elem_id="models-refresh")
    with gr.Row(visible=not public):  # unloading is refused on the server too (service.unload)
        unload_name = gr.Dropdown(choices=[], label=t("models_unload_name"), allow_custom_value=True,
                                  elem_id="models-unload-name")
        unload_button = gr.Button(t("models_unload"), elem_id="models-unload")
    gr.Markdown(t("models_cache_public" if public else "models_cache"))
    cache = gr.Dataframe(headers=tr("en", "models_cache"), label=t("models_cache_table"), interactive=False,
                         elem_id="models-cache")
    cache_empty = gr.Markdown(md(tr("en", "models_cache_empty")), elem_id="models-cache-empty")
    with gr.Row(visible=not public):
        repo = gr.Dropdown(choices=[], label=t("models_delete_name"), allow_custom_value=True)
        delete_button = gr.Button(t("models_delete"), variant="stop")
    ui = ModelsUI(info, loaded, cache, cache_empty, unload_name, repo)
    refresh_all = bind(service, refresh, ui, service, rate_limited=False)
    refresh_button.click(refresh_all, [lang], ui.outputs(), api_visibility="private")
    unload_button.click(bind(service, unload, ui, service), [unload_name, lang], ui.outputs(), api_visibility="private")
    delete_button.click(bind(service, delete, ui, service), [repo, lang], ui.outputs(), api_visibility="private")
    return refresh_all, [lang], ui.outputs()
