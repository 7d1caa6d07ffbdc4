"""Next-sentence tab: P(B follows A) from BERT's NSP head, and the encoding the model saw."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..plots.text import md
from ..plots.next_sentence import TOKEN_HEADERS, encoding_text, nsp_figure, percent, token_rows
from . import controls, exports, share
from .common import bind, progress_callback
from .i18n import t
from .share import Field, Panel, TabLink

TAB = "next-sentence"
EXAMPLES = [
    ["What is baseball ?", "It is a game of hitting the ball with the bat."],
    ["What is baseball ?", "This food is made with flour and milk."],
]


@dataclass
class NextSentenceUI:
    summary: gr.Markdown
    chart: gr.Plot
    tokens: gr.Dataframe
    encoding: gr.Code
    panel: Panel


def summary(outcome) -> str:
    r, info = outcome.result, outcome.model
    verdict = "B follows A" if r.is_next >= 0.5 else "B does not follow A"
    return (f"### {verdict}\n**P(IsNext) = {percent(r.is_next)}** · P(NotNext) = {percent(r.not_next)}\n\n"
            f"Raw NSP logits: IsNext {r.logits[0]:.4f}, NotNext {r.logits[1]:.4f} · "
            f"{md(info.name)} on `{info.device}` · {len(r.tokens)} tokens")


def predict(ui: NextSentenceUI, service, model, a, b, progress=gr.Progress()) -> dict:
    out = service.next_sentence(model, a, b, progress=progress_callback(progress))
    r, stem = out.result, exports.safe_name(TAB, out.model.name)
    return {ui.summary: summary(out), ui.chart: exports.png_plot(nsp_figure(r.is_next, r.not_next), stem),
            ui.tokens: token_rows(r.tokens, r.input_ids, r.token_type_ids, r.attention_mask),
            ui.encoding: encoding_text(r.input_ids, r.token_type_ids, r.attention_mask),
            ui.panel.json: exports.json_download(service, stem, r.to_dict(out.model.name)),
            ui.panel.code: service.python(TAB, out)}


def build(service) -> TabLink:
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
            gr.Markdown(t("nsp_help"))
            summary_ = gr.Markdown(elem_id="nsp-summary")
        with gr.Column(scale=2):
            chart = gr.Plot(elem_id="nsp-chart", show_label=False)
    tokens = gr.Dataframe(headers=TOKEN_HEADERS, label=t("nsp_tokens"), elem_id="nsp-tokens", max_height=420)
    with gr.Accordion(t("nsp_encoding"), open=False):
        encoding = gr.Code(language="python", elem_id="nsp-encoding", interactive=False)
    panel = share.panel("nsp")
    share.examples(EXAMPLES, [sentence_a, sentence_b], t("examples_course"), ["Sentence A", "Sentence B"])
    ui = NextSentenceUI(summary_, chart, tokens, encoding, panel)
    outputs = [summary_, chart, tokens, encoding, panel.json, panel.code]
    events = [trigger(bind(service, predict, ui, service), [model, sentence_a, sentence_b], outputs,
                      concurrency_id=spec.concurrency_id, api_visibility="private")
              for trigger in (run.click, sentence_a.submit, sentence_b.submit)]
    # Swapping happens in the browser: no server round trip for a trivial change.
    swap.click(None, [sentence_a, sentence_b], [sentence_a, sentence_b], js="(a, b) => [b, a]",
               api_visibility="private")
    link = TabLink(TAB, [Field("model", model), Field("sentence_a", sentence_a), Field("sentence_b", sentence_b)],
                   panel, run_button="nsp-run", ui=ui)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
