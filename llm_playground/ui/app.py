"""The Gradio Blocks app: header, one tab per task, the Models view and the public API."""

from __future__ import annotations

import os

# Gradio recomputes its monitoring summary (a pandas groupby over up to 10,000 past events) after
# every single event by default; profiling showed it in the hot path of every API call, growing
# with uptime. Once per 500 events keeps the dashboard useful and takes it off the request path.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "500")

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from ..api import PlaygroundAPI
from ..manager import ModelManager
from ..ratelimit import RateLimiter
from . import attention_tab, common, fill_mask_tab, generation_tab, models_tab, next_sentence_tab, share, tokenizer_tab
from . import gradio_patches
from .body_limit import BodyLimit
from .common import user_errors
from .i18n import I18N, t

CSS = """
.tok-view { font-family: ui-monospace, monospace; line-height: 2; white-space: pre-wrap; }
.tok-view .prompt { color: #555; }
.tok { border-radius: 4px; padding: 1px 2px; margin: 0 1px; border: 1px solid rgba(0,0,0,.12); color: #111; }
.tok-legend { font-size: 0.85em; color: #666; margin-top: 6px; }
.share-row { align-items: end; }
"""

# (tab id, module with build(manager) -> share.TabLink); the id is the deep links' tab=, the label is
# translated (i18n key tab_<id>).
TABS = [("generate", generation_tab), ("fill-mask", fill_mask_tab), ("next-sentence", next_sentence_tab),
        ("attention", attention_tab), ("tokenizer", tokenizer_tab)]


def register_api(api: PlaygroundAPI) -> None:
    """Public JSON endpoints (documented in README)."""
    gr.api(user_errors(api.generate), api_name="generate", concurrency_id="generate")
    gr.api(user_errors(api.models), api_name="models", concurrency_limit=None)
    gr.api(user_errors(api.fill_mask), api_name="fill_mask", concurrency_id="fill_mask")
    gr.api(user_errors(api.next_sentence), api_name="next_sentence", concurrency_id="next_sentence")
    gr.api(user_errors(api.attention), api_name="attention", concurrency_id="attention")
    gr.api(user_errors(api.tokenize), api_name="tokenize", concurrency_id="tokenize")
    gr.api(user_errors(api.detokenize), api_name="detokenize", concurrency_id="tokenize")


def build_app(manager: ModelManager) -> gr.Blocks:
    gradio_patches.lazy_session_configs()
    common.RATE_LIMITER = RateLimiter(manager.settings.rate_limit)
    with gr.Blocks(title="LLM Playground") as app:
        gr.Markdown(t("intro"))
        links = []
        with gr.Tabs(elem_id="tabs") as tabs:
            for tab_id, module in TABS:
                with gr.Tab(t("tab_" + tab_id.replace("-", "_")), id=tab_id, elem_id=f"tab-{tab_id}") as tab:
                    links.append(module.build(manager))
                # Switching tabs puts that tab's inputs in the address bar (without run=1).
                link = links[-1]
                tab.select(None, share.js_inputs(link), None, api_visibility="private",
                           js=share.link_js(link, share.defaults_of(manager, tab_id), "select"))
            with gr.Tab(t("tab_models"), id="models", elem_id="tab-models") as models:
                refresh_all, outputs = models_tab.build(manager)
            models.select(refresh_all, None, outputs, api_visibility="private")
            models.select(None, None, None, api_visibility="private", js=share.MODELS_URL_JS)
        share.install(manager, tabs, links, app)
        register_api(PlaygroundAPI(manager))
    app.queue(max_size=manager.settings.queue_size, default_concurrency_limit=4)
    return app


def launch(app: gr.Blocks, manager: ModelManager, **kwargs):
    s = manager.settings
    # i18n: the UI language follows the browser (English or Japanese; other languages get English). Not
    # "settings" in the footer: its language switch re-labels only the tabs already shown (gradio 6.31).
    options = dict(server_name=s.host, server_port=s.port, share=s.share, theme=gr.themes.Soft(), css=CSS,
                   footer_links=["api", "gradio"], i18n=I18N,
                   # no allowed_paths: files are served only from gradio's own upload/cache folders
                   app_kwargs={"middleware": [Middleware(BodyLimit)]})
    return app.launch(**(options | kwargs))
