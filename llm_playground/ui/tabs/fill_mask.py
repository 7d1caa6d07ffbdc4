"""Fill-mask tab: top-k predictions for every [MASK], as a chart, completed texts and the tokens seen."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ...i18n.labels import t
from ...i18n.words import tr
from ...plots.fill_mask import (PREDICTION_HEADERS, TOKEN_HEADERS, mask_label, percent, prediction_figure,
                                prediction_rows, token_chips, token_rows)
from ...plots.text import md
from .. import controls, share
from .. import export_panel as exports
from ..common import bind, progress_callback
from ..share import Field, Panel, TabLink

TAB = "fill-mask"
EXAMPLES = [
    ["I played [MASK] with my friends at school yesterday"],
    ["The [MASK] raised the interest rate, and the river [MASK] was flooded after the rain."],
    ["What is baseball? It is a game of hitting the ball with the [MASK]."],
    ["Lily and Ben went to the [MASK] to play with the ball."],  # the built-in story-bert knows this world
]


@dataclass
class FillMaskUI:
    summary: gr.Markdown
    chart: gr.Plot
    chips: gr.HTML
    tokens: gr.Dataframe
    predictions: gr.Dataframe
    panel: Panel
    error: gr.Markdown
    shown: gr.State | None = None  # the Outcome on the page: the language switch re-renders it
    link: gr.JSON | None = None  # the link values of that result (share.shown_link)


def summary(outcome, lang: str) -> str:
    result, info = outcome.result, outcome.model
    lines = [f"{md(mask_label(i, m.position, lang))}: **{md(m.predictions[0].token)}** "
             f"({percent(m.predictions[0].score)}) → “{md(m.predictions[0].sequence)}”"
             for i, m in enumerate(result.masks)]
    lines.append(tr(lang, "fm_ran", name=md(info.name), device=info.device, n=len(result.tokens)))
    return "\n\n".join(lines)


def predict(ui: FillMaskUI, service, model, text, k, lang="en", progress=gr.Progress()) -> dict:
    out = service.fill_mask(model, text, k, progress=progress_callback(progress))
    data, stem = out.result.to_dict(out.model.name), exports.safe_name(TAB, out.model.name)
    return {**relabel(ui, out, lang), ui.shown: out, ui.link: share.link_values(service.specs[TAB], out.values), 
            ui.panel.json: exports.json_download(service, stem, data),
            ui.panel.code: service.python(TAB, out)}


def relabel(ui: FillMaskUI, out, lang="en") -> dict:
    """What the page shows of `out` in `lang` (after a run, and again after the language switch)."""
    if out is None:
        return {}
    data, r, stem = out.result.to_dict(out.model.name), out.result, exports.safe_name(TAB, out.model.name)
    positions = [m.position for m in r.masks]
    return {ui.summary: summary(out, lang), ui.chips: token_chips(r.tokens, positions, lang),
            ui.chart: exports.png_plot(prediction_figure(data["masks"], lang), stem + "-predictions"),
            ui.tokens: pd.DataFrame(token_rows(r.tokens, r.input_ids, positions), columns=tr(lang, "fm_tokens")),
            ui.predictions: pd.DataFrame(prediction_rows(data["masks"]), columns=tr(lang, "fm_predictions"))}


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_fill_mask", "fm-guide")
    with gr.Row():
        with gr.Column(scale=3):
            model = controls.model(service, spec, "fm-model")
            text = controls.textbox(spec, "text", "fm-text", EXAMPLES[0][0], lines=2)
            run = gr.Button(t("fm_run"), variant="primary", elem_id="fm-run")
            error = share.error_box("fm-error")
            summary_ = gr.Markdown(elem_id="fm-summary")
        with gr.Column(scale=1):
            top_k = controls.slider(spec, "top_k", "fm-top-k")
            gr.Markdown(t("fm_help"))
    with gr.Row():
        with gr.Column(scale=3):
            chart = gr.Plot(elem_id="fm-chart", show_label=False)
        with gr.Column(scale=2):
            chips = gr.HTML(label=t("fm_chips"), elem_id="fm-chips")
            tokens = gr.Dataframe(headers=TOKEN_HEADERS, label=t("fm_tokens"), elem_id="fm-tokens", max_height=420)
    predictions = gr.Dataframe(headers=PREDICTION_HEADERS, label=t("fm_predictions"), wrap=True,
                               elem_id="fm-predictions")
    panel = share.panel("fm")
    share.examples(service, EXAMPLES, [text], t("examples_course"), ["ex_text"])
    ui = FillMaskUI(summary_, chart, chips, tokens, predictions, panel, error, gr.State(None),
                    share.shown_link("fm-shown"))
    shown = [summary_, chart, chips, tokens, predictions]
    outputs = [*shown, panel.json, panel.code, error, ui.shown, ui.link]
    handler = bind(service, predict, ui, service, error=error, clear=[*shown, ui.shown, ui.link, panel.json])
    share.on_language(service, lang, relabel, (ui,), [ui.shown], shown)
    events = [trigger(handler, [model, text, top_k, lang], outputs, concurrency_id=spec.concurrency_id,
                      api_visibility="private") for trigger in (run.click, text.submit)]
    link = TabLink(TAB, [Field("model", model), Field("text", text), Field("top_k", top_k)], panel,
                   run_button="fm-run", ui=ui, shown=ui.link)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
