"""Next-sentence tab: P(B follows A) from BERT's NSP head, and the encoding the model saw."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ...i18n.labels import t
from ...i18n.words import tr
from ...plots.next_sentence import TOKEN_HEADERS, encoding_text, nsp_figure, percent, token_rows
from ...plots.text import md
from .. import controls, share
from .. import export_panel as exports
from ..common import bind, progress_callback
from ..share import Field, Panel, TabLink

TAB = "next-sentence"
EXAMPLES = [
    ["What is baseball ?", "It is a game of hitting the ball with the bat."],
    ["What is baseball ?", "This food is made with flour and milk."],
    # the built-in story-bert knows this world: 93% IsNext, then 8%
    ["Once upon a time, there was a little girl named Lily.", "She loved to play outside in the sun."],
    ["Once upon a time, there was a little girl named Lily.", "The big truck drove down the road."],
]


@dataclass
class NextSentenceUI:
    summary: gr.Markdown
    chart: gr.Plot
    tokens: gr.Dataframe
    encoding: gr.Code
    panel: Panel
    error: gr.Markdown
    shown: gr.State | None = None  # the Outcome on the page: the language switch re-renders it
    link: gr.JSON | None = None  # the link values of that result (share.shown_link)


def summary(outcome, lang: str) -> str:
    r, info = outcome.result, outcome.model
    verdict = tr(lang, "nsp_follows" if r.is_next >= 0.5 else "nsp_not")
    return tr(lang, "nsp_summary", verdict=verdict, p_next=percent(r.is_next), p_not=percent(r.not_next),
              l_next=r.logits[0], l_not=r.logits[1], name=md(info.name), device=info.device, n=len(r.tokens))


def predict(ui: NextSentenceUI, service, model, a, b, lang="en", progress=gr.Progress()) -> dict:
    out = service.next_sentence(model, a, b, progress=progress_callback(progress))
    r, stem = out.result, exports.safe_name(TAB, out.model.name)
    return {**relabel(ui, out, lang), ui.shown: out, ui.link: share.link_values(service.specs[TAB], out.values), 
            ui.encoding: encoding_text(r.input_ids, r.token_type_ids,
                                                                                  r.attention_mask),
            ui.panel.json: exports.json_download(service, stem, r.to_dict(out.model.name)),
            ui.panel.code: service.python(TAB, out)}


def relabel(ui: NextSentenceUI, out, lang="en") -> dict:
    """What the page shows of `out` in `lang` (after a run, and again after the language switch)."""
    if out is None:
        return {}
    r, stem = out.result, exports.safe_name(TAB, out.model.name)
    rows = token_rows(r.tokens, r.input_ids, r.token_type_ids, r.attention_mask)
    return {ui.summary: summary(out, lang), ui.chart: exports.png_plot(nsp_figure(r.is_next, r.not_next, lang), stem),
            ui.tokens: pd.DataFrame(rows, columns=tr(lang, "nsp_tokens"))}


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_next_sentence", "nsp-guide")
    with gr.Row():
        with gr.Column(scale=3):
            model = controls.model(service, spec, "nsp-model")
            sentence_a = controls.textbox(spec, "sentence_a", "nsp-a", EXAMPLES[0][0])
            sentence_b = controls.textbox(spec, "sentence_b", "nsp-b", EXAMPLES[0][1])
            with gr.Row():
                run = gr.Button(t("nsp_run"), variant="primary", elem_id="nsp-run")
                swap = gr.Button(t("nsp_swap"), elem_id="nsp-swap")
            error = share.error_box("nsp-error")
            gr.Markdown(t("nsp_help"))
            summary_ = gr.Markdown(elem_id="nsp-summary")
        with gr.Column(scale=2):
            chart = gr.Plot(elem_id="nsp-chart", show_label=False)
    tokens = gr.Dataframe(headers=TOKEN_HEADERS, label=t("nsp_tokens"), elem_id="nsp-tokens", max_height=420)
    with gr.Accordion(t("nsp_encoding"), open=False):
        encoding = gr.Code(language="python", elem_id="nsp-encoding", interactive=False)
    panel = share.panel("nsp")
    share.examples(service, EXAMPLES, [sentence_a, sentence_b], t("examples_course"), ["ex_sentence_a", "ex_sentence_b"])
    ui = NextSentenceUI(summary_, chart, tokens, encoding, panel, error, gr.State(None),
                        share.shown_link("nsp-shown"))
    inputs = [model, sentence_a, sentence_b, lang]
    outputs = [summary_, chart, tokens, encoding, panel.json, panel.code, error, ui.shown, ui.link]
    handler = bind(service, predict, ui, service, error=error,
                   clear=[summary_, chart, tokens, encoding, ui.shown, ui.link, panel.json])
    share.on_language(service, lang, relabel, (ui,), [ui.shown], [summary_, chart, tokens])
    events = [trigger(handler, inputs, outputs, concurrency_id=spec.concurrency_id, api_visibility="private")
              for trigger in (run.click, sentence_a.submit, sentence_b.submit)]
    # Swapping happens in the browser, then the pair runs again: the lesson is that the number changes.
    swapped = swap.click(None, [sentence_a, sentence_b], [sentence_a, sentence_b], js="(a, b) => [b, a]",
                         api_visibility="private")
    events.append(swapped.then(handler, inputs, outputs, concurrency_id=spec.concurrency_id,
                               api_visibility="private"))
    link = TabLink(TAB, [Field("model", model), Field("sentence_a", sentence_a), Field("sentence_b", sentence_b)],
                   panel, run_button="nsp-run", ui=ui, shown=ui.link)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
