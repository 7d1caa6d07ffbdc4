"""Tokenizer tab: how several tokenizers cut the same text, ids -> text, and a short explainer."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..plots.tokens import CSS, comparison_html, ids_html, summary_html
from ..specs import CHARACTERS, MAX_TOKENIZERS, WORDS
from . import controls, exports, share
from .common import bind
from .i18n import t
from .share import Panel, TabLink

TAB = "tokenizer"
EXAMPLE = "Unbelievable! 東京で寿司を食べた🍣 👩‍💻 café naïve 🇯🇵"
EXAMPLES = [
    [EXAMPLE],
    ["The unbelievably rare word 'tokenization' splits into pieces."],
    ["羽田空港に到着、東京の街は雨でした。"],
    ["e\u0301 (e + combining accent) vs é · 👍🏽 · 👨‍👩‍👧 · 🇫🇷🇯🇵"],
    ["def square(x):\n    return x ** 2  # code has lots of spaces"],
]

# One per family, best first: a local folder works offline, the Hub id needs the Hub.
FAMILIES = [
    ["gpt2-tokenizer", "gpt2"],  # byte-level BPE
    ["minilm", "bert-base-uncased"],  # WordPiece
    ["rinna/japanese-gpt2-xsmall", "stories260K"],  # sentencepiece
]

NOTHING_CHOSEN = "<p><i>Choose one or more tokenizers above.</i></p>"


@dataclass
class TokenizerUI:
    view: gr.HTML
    summary: gr.HTML
    panel: Panel
    decoded: gr.Textbox
    decoded_tokens: gr.HTML


def default_tokenizers(service) -> list[str]:
    """One tokenizer per family: a local folder if there is one, else a Hub id if the Hub is reachable."""
    names, local = service.tokenizer_names(), set(service.local_model_names())
    hub_ok = None
    chosen, baselines = [], iter([WORDS, CHARACTERS])  # a family nobody can load is stood in for by a baseline
    for family in FAMILIES:
        pick = next((n for n in family if n in local), None)
        if pick is None and any(n in names for n in family):
            hub_ok = service.hub_reachable() if hub_ok is None else hub_ok
            pick = next((n for n in family if n in names), None) if hub_ok else None
        chosen.append(pick or next(baselines, WORDS))
    return list(dict.fromkeys(chosen))


def show(ui: TokenizerUI, service, names, text, add_special) -> dict:
    if not names:  # mid-edit of the multiselect: a hint, not an error toast
        return {ui.view: NOTHING_CHOSEN, ui.summary: "", ui.panel.json: gr.update(value=None, visible=False),
                ui.panel.code: ""}
    out = service.tokenize(names, text, bool(add_special))
    c = out.result
    data = {"text": c.text, "results": [r.to_dict() for r in c.results]}  # what /tokenize returns
    return {ui.view: comparison_html(c.results, c.differs, c.votes),
            ui.summary: summary_html(c.results), ui.panel.code: service.python(TAB, out),
            ui.panel.json: exports.json_download(service, exports.safe_name("tokenize", *out.values["tokenizers"]),
                                                 data)}


def decode(ui: TokenizerUI, service, name, raw_ids) -> dict:
    text, tokens = service.detokenize(name, raw_ids).result
    return {ui.decoded: text, ui.decoded_tokens: ids_html(tokens)}


def build(service) -> TabLink:
    spec = service.specs[TAB]
    defaults = default_tokenizers(service)
    custom = service.settings.allow_custom_models
    share.guide("guide_tokenizer", "tok-guide")
    with gr.Row():
        with gr.Column(scale=3):
            tokenizers = gr.Dropdown(service.tokenizer_names(), value=defaults, multiselect=True,
                                     max_choices=MAX_TOKENIZERS, allow_custom_value=custom, label=t("tok_tokenizers"),
                                     info=t("tok_tokenizers_info"), elem_id="tok-tokenizers")
            text = controls.textbox(spec, "text", "tok-text", EXAMPLE, lines=3)
            with gr.Row():
                specials = gr.Checkbox(True, label=t("tok_specials"), elem_id="tok-specials")
                run = gr.Button(t("tok_run"), variant="primary", elem_id="tok-run", scale=0)
        with gr.Column(scale=2):
            examples = share.examples(EXAMPLES, [text], t("tok_try"), ["Text"])
            with gr.Accordion(t("tok_explainer"), open=False, elem_id="tok-explainer"):
                gr.Markdown(t("tok_explainer_body"))
    view = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-view")
    summary = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-summary")
    panel = share.panel("tok")
    with gr.Accordion(t("tok_decode_box"), open=False, elem_id="tok-decode-box"):
        with gr.Row():
            decode_with = gr.Dropdown([CHARACTERS, *service.model_names(spec.model_task)],
                                      value=next((n for n in defaults if n != WORDS), CHARACTERS),
                                      allow_custom_value=custom, label=t("tok_decode_model"),
                                      elem_id="tok-decode-model")
            ids = gr.Textbox(label=t("tok_ids"), placeholder="15496, 995", elem_id="tok-ids", scale=3)
            decode_run = gr.Button(t("tok_decode"), elem_id="tok-decode", scale=0)
        decoded = gr.Textbox(label=t("tok_decoded"), interactive=False, buttons=["copy"], elem_id="tok-decoded")
        decoded_tokens = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-decoded-tokens")
    ui = TokenizerUI(view, summary, panel, decoded, decoded_tokens)
    handler = bind(service, show, ui, service)

    # Not on every keystroke: with a public rate limit, live typing would spend a client's budget. `.input`,
    # not `.change`: a link restoring the controls must not render once per control (the page load renders
    # once, below). Page renders have their own concurrency id: opening a heavy link never makes /tokenize
    # API callers wait behind it.
    inputs, outputs = [tokenizers, text, specials], [view, summary, panel.json, panel.code]
    page_id = f"{spec.concurrency_id}_page"
    events = [event(handler, inputs, outputs, trigger_mode="always_last", concurrency_id=page_id,
                    api_visibility="private")
              for event in (run.click, text.submit, tokenizers.input, specials.input,
                            examples.load_input_event.then)]
    gr.on([decode_run.click, ids.submit], bind(service, decode, ui, service), [decode_with, ids],
          [decoded, decoded_tokens], concurrency_id=page_id, api_visibility="private")

    def render_on_load(restored):  # once per page load, after a link may have set the inputs
        restored.then(handler, inputs, outputs, concurrency_id=page_id,
                      api_visibility="private")  # not a "run": the URL stays as it is

    link = TabLink(TAB, share.fields(spec, {"tokenizers": tokenizers, "text": text,
                                            "add_special_tokens": specials}), panel, on_load=render_on_load, ui=ui)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
