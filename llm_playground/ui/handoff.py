"""Generate → Attention (#15): "Show attention for this text" opens the Attention tab on the prompt and the
completion just generated, with the same model, marks where the generated tokens start on every view, and runs
it, as a deep link with run=1 would."""

from __future__ import annotations

import json

import gradio as gr

from ..errors import InvalidInput
from .common import bind
from .links import CLICK_JS
from .share import TabLink

# Press the Attention tab's run button once the tab is shown (CLICK_JS retries while it renders).
RUN_ATTENTION_JS = "() => (" + CLICK_JS % json.dumps({"attention": "att-run"}) + ")('attention')"


def attention_inputs(fields: dict, tabs: gr.Tabs, last: dict | None, lang: str = "en") -> dict:
    """The Attention tab's inputs for the last generated text (its first sequence)."""
    if not last:
        raise InvalidInput("attention.generate_first")
    return {tabs: gr.Tabs(selected="attention"), fields["model"]: last["model"], fields["text"]: last["text"],
            fields["text_pair"]: "", fields["prompt_chars"]: len(last["prompt"])}


def wire(service, tabs: gr.Tabs, generate: TabLink, attention: TabLink, lang) -> None:
    fields = {f.name: f.component for f in attention.fields}
    outputs = [tabs, *(fields[name] for name in ("model", "text", "text_pair", "prompt_chars"))]
    handler = bind(service, attention_inputs, fields, tabs, rate_limited=False)
    generate.ui.show_attention.click(handler, [generate.ui.last, lang], outputs, api_visibility="private",
                                     queue=False).success(None, None, None, js=RUN_ATTENTION_JS,
                                                          api_visibility="private")
