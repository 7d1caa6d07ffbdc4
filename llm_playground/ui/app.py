"""The Gradio Blocks app: header, one tab per task, the Models view and the public API."""

from __future__ import annotations

import gradio as gr

from ..api import PlaygroundAPI
from ..manager import ModelManager
from ..ratelimit import RateLimiter
from . import attention_tab, common, fill_mask_tab, generation_tab, models_tab, next_sentence_tab, tokenizer_tab
from .common import user_errors

CSS = """
.tok-view { font-family: ui-monospace, monospace; line-height: 2; white-space: pre-wrap; }
.tok-view .prompt { color: #555; }
.tok { border-radius: 4px; padding: 1px 2px; margin: 0 1px; border: 1px solid rgba(0,0,0,.12); color: #111; }
.tok-legend { font-size: 0.85em; color: #666; margin-top: 6px; }
"""

INTRO = ("# LLM Playground\nSee how transformer language models work: generate text token by token with each "
         "token's probability, and inspect what the model computes. Models load on first use and are shared "
         "by every tab.")

# (tab label, module with build(manager)); later tabs plug in here.
TABS = [("Generate", generation_tab), ("Fill-mask", fill_mask_tab), ("Next sentence", next_sentence_tab),
        ("Attention", attention_tab), ("Tokenizer", tokenizer_tab)]


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
    common.RATE_LIMITER = RateLimiter(manager.settings.rate_limit)
    with gr.Blocks(title="LLM Playground") as app:
        gr.Markdown(INTRO)
        with gr.Tabs():
            for label, module in TABS:
                with gr.Tab(label, id=label.lower().replace(" ", "-")):
                    module.build(manager)
            with gr.Tab("Models", id="models") as models:
                refresh_all, outputs = models_tab.build(manager)
            models.select(refresh_all, None, outputs, api_visibility="private")
        register_api(PlaygroundAPI(manager))
    app.queue(max_size=manager.settings.queue_size, default_concurrency_limit=4)
    return app


def launch(app: gr.Blocks, manager: ModelManager, **kwargs):
    s = manager.settings
    options = dict(server_name=s.host, server_port=s.port, share=s.share, theme=gr.themes.Soft(), css=CSS,
                   footer_links=["api", "gradio"])
    return app.launch(**(options | kwargs))
