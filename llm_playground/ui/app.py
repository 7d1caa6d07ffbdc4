"""The Gradio Blocks app: header, one tab per task spec, the Models view and the public API."""

from __future__ import annotations

import gradio as gr
from starlette.middleware import Middleware

from .. import api
from ..generations import CONCURRENCY
from ..service import PlaygroundService
from . import (attention_tab, fill_mask_tab, generation_tab, gradio_patches, models_tab, next_sentence_tab,
               next_token_tab, share, tokenizer_tab)
from .body_limit import BodyLimit
from .common import bind
from .i18n import I18N, t

CSS = """
.tok-view { font-family: ui-monospace, monospace; line-height: 2; white-space: pre-wrap; }
.tok-view .prompt { color: #555; }
.tok { border-radius: 4px; padding: 1px 2px; margin: 0 1px; border: 1px solid rgba(0,0,0,.12); color: #111; }
.tok-legend { font-size: 0.85em; color: #666; margin-top: 6px; }
.share-row { align-items: end; }
"""

# The UI module of each tab spec (specs.py gives the order, ids and labels).
TAB_MODULES = {"generate": generation_tab, "next-token": next_token_tab, "fill-mask": fill_mask_tab,
               "next-sentence": next_sentence_tab, "attention": attention_tab, "tokenizer": tokenizer_tab}


def register_api(service: PlaygroundService) -> None:
    """Public JSON endpoints: one per spec, sharing the concurrency id of the tab's buttons."""
    for name, (fn, spec) in api.endpoints(service).items():
        limit = {"concurrency_limit": None} if spec.concurrency_id is None else {
            "concurrency_id": spec.concurrency_id, "concurrency_limit": service.concurrency_limit(spec.concurrency_id)}
        gr.api(bind(service, fn), api_name=name, **limit)


def build_tabs(service: PlaygroundService, tabs: gr.Tabs) -> list[share.TabLink]:
    links = []
    for tab_id, spec in service.specs.items():
        if tab_id not in TAB_MODULES:
            continue
        with gr.Tab(t(spec.label), id=tab_id, elem_id=f"tab-{tab_id}") as tab:
            link = TAB_MODULES[tab_id].build(service)
        links.append(link)
        # Switching tabs puts that tab's inputs in the address bar (without run=1).
        tab.select(None, share.js_inputs(link), None, api_visibility="private",
                   js=share.link_js(link, share.defaults_of(service, tab_id), "select"))
    with gr.Tab(t("tab_models"), id="models", elem_id="tab-models") as models:
        refresh, outputs = models_tab.build(service)
    models.select(refresh, None, outputs, api_visibility="private")
    models.select(None, None, None, api_visibility="private", js=share.MODELS_URL_JS)
    return links


def build_app(service: PlaygroundService) -> gr.Blocks:
    with gr.Blocks(title="LLM Playground") as app:
        gr.Markdown(t("intro"))
        with gr.Tabs(elem_id="tabs") as tabs:
            links = build_tabs(service, tabs)
        share.install(service, tabs, links, app)
        register_api(service)
    app.queue(max_size=service.settings.queue_size, default_concurrency_limit=CONCURRENCY)
    gradio_patches.fewer_analytics_summaries(app)
    return app


def launch(app: gr.Blocks, service: PlaygroundService, **kwargs):
    s = service.settings
    gradio_patches.lazy_session_configs()
    # i18n: the UI language follows the browser (English or Japanese; other languages get English). Not
    # "settings" in the footer: its language switch re-labels only the tabs already shown (gradio 6.31).
    options = dict(server_name=s.host, server_port=s.port, share=s.share, theme=gr.themes.Soft(), css=CSS,
                   footer_links=["api", "gradio"], i18n=I18N,
                   # no allowed_paths: files are served only from gradio's own upload/cache folders
                   app_kwargs={"middleware": [Middleware(BodyLimit)]})
    return app.launch(**(options | kwargs))
