"""Tokenizer tab: how several tokenizers cut the same text, ids -> text, and a short explainer."""

from __future__ import annotations

import gradio as gr

from .. import codegen
from ..catalog import TOKENIZER
from ..plots.tokens import CSS, comparison_html, ids_html, summary_html
from ..tasks.baselines import BASELINES, CHARACTERS, WORDS
from ..tasks.token_compare import cut_votes, disagreements
from ..tasks.detokenize import decode_ids
from ..tasks.tokenize import MAX_TOKENIZERS, resolve, tokenize_all
from ..tasks.validation import MAX_TEXT_CHARS
from . import exports, share
from .common import user_errors
from .i18n import t
from .share import Field, TabLink

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


def default_tokenizers(manager) -> list[str]:
    """One tokenizer per family: a local folder if there is one, else a Hub id if the Hub is reachable."""
    names = manager.catalog.names(TOKENIZER)
    local = {e.name for e in manager.catalog.entries.values() if e.local}
    hub_ok = None
    chosen, baselines = [], iter(BASELINES)  # a family nobody can load is stood in for by a baseline
    for family in FAMILIES:
        pick = next((n for n in family if n in local), None)
        if pick is None and any(n in names for n in family):
            hub_ok = manager.hub_probe() if hub_ok is None else hub_ok
            pick = next((n for n in family if n in names), None) if hub_ok else None
        chosen.append(pick or next(baselines, WORDS))
    return list(dict.fromkeys(chosen))


def _loader(manager):
    return lambda name: manager.tokenizer(name)[1]


def python(manager, names, text, add_special) -> str:
    sources = {n: exports.source_of(manager, n, TOKENIZER)[0] for n in names if n not in BASELINES}
    return exports.python_code(codegen.tokenize, names, text, add_special, sources=sources)


def build(manager) -> TabLink:
    choices = [*BASELINES, *manager.catalog.names(TOKENIZER)]
    defaults = default_tokenizers(manager)
    custom = manager.settings.allow_custom_models
    share.guide("guide_tokenizer", "tok-guide")
    with gr.Row():
        with gr.Column(scale=3):
            tokenizers = gr.Dropdown(choices, value=defaults, multiselect=True, max_choices=MAX_TOKENIZERS,
                                     allow_custom_value=custom, label=t("tok_tokenizers"),
                                     info=t("tok_tokenizers_info"), elem_id="tok-tokenizers")
            text = gr.Textbox(label=t("text"), lines=3, value=EXAMPLE, max_length=MAX_TEXT_CHARS, elem_id="tok-text")
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
            decode_with = gr.Dropdown([CHARACTERS, *manager.catalog.names(TOKENIZER)],
                                      value=next((n for n in defaults if n != WORDS), CHARACTERS),
                                      allow_custom_value=custom, label=t("tok_decode_model"),
                                      elem_id="tok-decode-model")
            ids = gr.Textbox(label=t("tok_ids"), placeholder="15496, 995", elem_id="tok-ids", scale=3)
            decode_run = gr.Button(t("tok_decode"), elem_id="tok-decode", scale=0)
        decoded = gr.Textbox(label=t("tok_decoded"), interactive=False, buttons=["copy"], elem_id="tok-decoded")
        decoded_tokens = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-decoded-tokens")

    @user_errors
    def show(names, text_, add_special):
        if not names:  # mid-edit of the multiselect: a hint, not an error toast
            return NOTHING_CHOSEN, "", gr.update(value=None, visible=False), ""
        results = tokenize_all(names, text_, _loader(manager), bool(add_special))
        data = {"text": results[0].text, "results": [r.to_dict() for r in results]}  # what /tokenize returns
        return (comparison_html(results, disagreements(results), cut_votes(results)), summary_html(results),
                exports.json_download(exports.safe_name("tokenize", *names), data),
                python(manager, names, text_, bool(add_special)))

    @user_errors
    def decode(name, raw_ids):
        text_, tokens = decode_ids(resolve(name, _loader(manager)), raw_ids)
        return text_, ids_html(tokens)

    # Not on every keystroke: with a public rate limit, live typing would spend a client's budget.
    inputs, outputs = [tokenizers, text, specials], [view, summary, panel.json, panel.code]
    events = [event(show, inputs, outputs, trigger_mode="always_last", concurrency_id="tokenize",
                    api_visibility="private")
              for event in (run.click, text.submit, tokenizers.change, specials.change,
                            examples.load_input_event.then)]
    gr.on([decode_run.click, ids.submit], decode, [decode_with, ids], [decoded, decoded_tokens],
          concurrency_id="tokenize", api_visibility="private")

    def render_on_load(restored):  # once per page load, after a link may have set the inputs
        restored.then(show, inputs, outputs, api_visibility="private")  # not a "run": the URL stays as it is

    link = TabLink("tokenizer", [Field("tokenizers", tokenizers), Field("text", text),
                                 Field("add_special_tokens", specials)], panel, on_load=render_on_load)
    share.wire(link, share.defaults_of(manager, "tokenizer"), events)
    return link
