"""Tokenizer tab: how several tokenizers cut the same text, ids -> text, and a short explainer."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ...i18n.labels import t
from ...i18n.words import tr
from ...plots.tokens import CSS, comparison_html, ids_html, summary_html
from ...specs import CHARACTERS, MAX_TOKENIZERS, WORDS
from .. import controls, share
from .. import export_panel as exports
from ..common import bind
from ..share import Panel, TabLink

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
    ["minilm", "bert-base-uncased", "story-bert"],  # WordPiece
    ["rinna/japanese-gpt2-xsmall", "stories260K"],  # sentencepiece
]

@dataclass
class TokenizerUI:
    view: gr.HTML
    summary: gr.HTML
    panel: Panel
    decoded: gr.Textbox
    decoded_tokens: gr.HTML
    tokenizers: gr.Dropdown
    error: gr.Markdown
    shown: gr.State | None = None  # the Outcome on the page: the language switch re-renders it
    link: gr.JSON | None = None  # the link values of that result (share.shown_link)


def default_tokenizers(service) -> list[str]:
    """One tokenizer per family: a --models-dir folder if there is one, else a Hub id if the Hub is reachable,
    else the built-in model's; a family nobody can load is stood in for by a baseline."""
    names, local = service.tokenizer_names(), set(service.local_model_names(builtin=False))
    builtin = set(service.local_model_names()) - local
    hub_ok = None
    chosen, baselines = [], iter([WORDS, CHARACTERS])
    for family in FAMILIES:
        pick = next((n for n in family if n in local), None)
        if pick is None and any(n in names and n not in builtin for n in family):
            hub_ok = service.hub_reachable() if hub_ok is None else hub_ok
            pick = next((n for n in family if n in names and n not in builtin), None) if hub_ok else None
        pick = pick or next((n for n in family if n in builtin), None)
        chosen.append(pick or next(baselines, WORDS))
    return list(dict.fromkeys(chosen))


def completed(service, names) -> list[str]:
    """Typed names as the user meant them: a few letters ("char" + Enter in the picker) that begin exactly
    one offered tokenizer stand for it, instead of becoming a made-up model name."""
    choices = service.tokenizer_choices()
    out = []
    for name in names or []:
        matches = [c for c in choices if c.lower().startswith(name.strip().lower())] if name not in choices else []
        out.append(matches[0] if len(matches) == 1 else name)
    return list(dict.fromkeys(out))


def failure_lines(failures, lang: str) -> list[str]:
    return [tr(lang, "tok_failed", name=name, message=exc.message(lang)) for name, exc in failures]


def show(ui: TokenizerUI, service, names, text, add_special, lang="en") -> dict:
    names = completed(service, names)
    if not names:  # mid-edit of the multiselect: a hint, not an error toast
        return {ui.view: f"<p><i>{tr(lang, 'tok_nothing')}</i></p>", ui.summary: "", ui.panel.code: "",
                ui.panel.json: gr.update(value=None, visible=False), ui.shown: None,
                ui.link: None}
    out = service.tokenize(names, text, bool(add_special), partial=True)
    c = out.result
    data = {"text": c.text, "results": [r.to_dict() for r in c.results]}  # what /tokenize returns
    stem = exports.safe_name("tokenize", *out.values["tokenizers"])
    return {**relabel(ui, out, lang), ui.shown: out, ui.link: share.link_values(service.specs[TAB], out.values), 
            ui.panel.code: service.python(TAB, out),
            ui.panel.json: exports.json_download(service, stem, data), ui.tokenizers: gr.update(value=names)}


def relabel(ui: TokenizerUI, out, lang="en") -> dict:
    """What the page shows of `out` in `lang` (after a run, and again after the language switch)."""
    if out is None:
        return {}
    c = out.result
    return {ui.view: comparison_html(c.results, c.differs, c.votes, lang, failure_lines(c.failures, lang)),
            ui.summary: summary_html(c.results, lang)}


def complete_typed(ui: TokenizerUI, service, names, text, add_special, lang="en") -> dict:
    """On any change of the picker: when a typed name was completed (see `completed`), show the completed
    choice and render it; otherwise nothing (the user's selections render through `.input`, a restored link
    through the page load), so this costs nothing on most changes."""
    if completed(service, names) == list(dict.fromkeys(names or [])):
        return {}
    return show(ui, service, names, text, add_special, lang)


def decode(ui: TokenizerUI, service, name, raw_ids, lang="en") -> dict:
    text, tokens = service.detokenize(name, raw_ids).result
    return {ui.decoded: text, ui.decoded_tokens: ids_html(tokens)}


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    defaults = default_tokenizers(service)
    custom = service.settings.allow_custom_models
    share.guide("guide_tokenizer", "tok-guide")
    with gr.Row():
        with gr.Column(scale=3):
            tokenizers = gr.Dropdown(service.tokenizer_choices(), value=defaults, multiselect=True,
                                     max_choices=MAX_TOKENIZERS, allow_custom_value=custom, label=t("tok_tokenizers"),
                                     info=t("tok_tokenizers_info"), elem_id="tok-tokenizers")
            text = controls.textbox(spec, "text", "tok-text", EXAMPLE, lines=3)
            with gr.Row():
                specials = gr.Checkbox(True, label=t("tok_specials"), elem_id="tok-specials")
                run = gr.Button(t("tok_run"), variant="primary", elem_id="tok-run", scale=0)
            error = share.error_box("tok-error")
        with gr.Column(scale=2):
            examples = share.examples(service, EXAMPLES, [text], t("tok_try"), ["ex_text"])
            with gr.Accordion(t("tok_explainer"), open=False, elem_id="tok-explainer"):
                gr.Markdown(t("tok_explainer_body"))
    view = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-view")
    summary = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-summary")
    panel = share.panel("tok")
    with gr.Accordion(t("tok_decode_box"), open=False, elem_id="tok-decode-box"):
        with gr.Row():
            decode_with = gr.Dropdown([CHARACTERS, *service.model_choices(spec.model_task)],
                                      value=next((n for n in defaults if n != WORDS), CHARACTERS),
                                      allow_custom_value=custom, label=t("tok_decode_model"),
                                      elem_id="tok-decode-model")
            ids = gr.Textbox(label=t("tok_ids"), placeholder="15496, 995", elem_id="tok-ids", scale=3)
            decode_run = gr.Button(t("tok_decode"), elem_id="tok-decode", scale=0)
        decoded = gr.Textbox(label=t("tok_decoded"), interactive=False, buttons=["copy"], elem_id="tok-decoded")
        decoded_tokens = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-decoded-tokens")
    ui = TokenizerUI(view, summary, panel, decoded, decoded_tokens, tokenizers, error, gr.State(None),
                     share.shown_link("tok-shown"))
    handler = bind(service, show, ui, service, error=error, clear=[view, summary, ui.shown, ui.link, panel.json])
    share.on_language(service, lang, relabel, (ui,), [ui.shown], [view, summary])

    # Not on every keystroke: with a public rate limit, live typing would spend a client's budget. `.input`,
    # not `.change`: a link restoring the controls must not render once per control (the page load renders
    # once, below). Page renders have their own concurrency id: opening a heavy link never makes /tokenize
    # API callers wait behind it.
    inputs = [tokenizers, text, specials, lang]
    outputs = [view, summary, panel.json, panel.code, tokenizers, error, ui.shown, ui.link]
    page_id = f"{spec.concurrency_id}_page"
    events = [event(handler, inputs, outputs, trigger_mode="always_last", concurrency_id=page_id,
                    api_visibility="private")
              for event in (run.click, text.submit, tokenizers.input, specials.input,
                            examples.load_input_event.then)]
    # "char" + Enter adds a custom value, which fires only `.change`: complete it to the offered name.
    tokenizers.change(bind(service, complete_typed, ui, service, error=error, rate_limited=False), inputs, outputs,
                      concurrency_id=page_id, api_visibility="private", trigger_mode="always_last")
    gr.on([decode_run.click, ids.submit], bind(service, decode, ui, service), [decode_with, ids, lang],
          [decoded, decoded_tokens], concurrency_id=page_id, api_visibility="private")

    def render_on_load(restored):  # once per page load, after a link may have set the inputs
        restored.then(handler, inputs, outputs, concurrency_id=page_id,
                      api_visibility="private")  # not a "run": the URL stays as it is

    link = TabLink(TAB, share.fields(spec, {"tokenizers": tokenizers, "text": text,
                                            "add_special_tokens": specials}), panel, on_load=render_on_load, ui=ui,
                   shown=ui.link)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
