"""Next-token tab: the model's whole next-token distribution, and which tokens each sampling filter keeps."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ...i18n.labels import t
from ...i18n.words import tr
from ...plots.next_token import candidate_rows, candidates_figure, shown
from ...plots.text import md
from .. import controls, share
from .. import export_panel as exports
from ..common import bind, progress_callback
from ..share import Panel, TabLink

TAB = "next-token"
EXAMPLES = [["Once upon a time, there was a little", "stories260K"], ["Lily and Ben went to the", "stories260K"],
            ["The capital of France is", "gpt2"]]


@dataclass
class NextTokenUI:
    summary: gr.Markdown
    chart: gr.Plot
    table: gr.Dataframe
    panel: Panel
    error: gr.Markdown
    shown: gr.State | None = None  # the Outcome on the page: the language switch re-renders it
    link: gr.JSON | None = None  # the link values of that result (share.shown_link)


def summary(outcome, lang: str) -> str:
    r, v = outcome.result, outcome.values
    best = r.candidates[0]
    return tr(lang, "nt_summary", token=md(shown(best.token)), prob=best.prob, temperature=v["temperature"],
              top_k=v["top_k"] or tr(lang, "off"), top_p=v["top_p"], kept=r.kept_count, vocab=r.vocab_size,
              name=md(outcome.model.name), n=len(r.ids))


def predict(ui: NextTokenUI, service, model, prompt, top_k, temperature, top_p, lang="en",
            progress=gr.Progress()) -> dict:
    out = service.next_token(model, prompt, progress=progress_callback(progress), top_k=top_k,
                             temperature=temperature, top_p=top_p)
    data, stem = out.result.to_dict(out.model.name), exports.safe_name(TAB, out.model.name)
    return {**relabel(ui, out, lang), ui.shown: out, ui.link: share.link_values(service.specs[TAB], out.values),
            ui.panel.json: exports.json_download(service, stem, data), ui.panel.code: service.python(TAB, out)}


def relabel(ui: NextTokenUI, out, lang="en") -> dict:
    """What the page shows of `out` in `lang` (after a run, and again after the language switch)."""
    if out is None:
        return {}
    data, stem = out.result.to_dict(out.model.name), exports.safe_name(TAB, out.model.name)
    chart = exports.png_plot(candidates_figure(data["candidates"], lang), stem)
    return {ui.summary: summary(out, lang), ui.chart: chart,
            ui.table: pd.DataFrame(candidate_rows(data["candidates"], lang), columns=tr(lang, "nt_table"))}


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_next_token", "nt-guide")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            model = controls.model(service, spec, "nt-model")
            prompt = controls.textbox(spec, "prompt", "nt-prompt", EXAMPLES[0][0], lines=2)
            run = gr.Button(t("nt_run"), variant="primary", elem_id="nt-run")
            error = share.error_box("nt-error")
            summary_ = gr.Markdown(elem_id="nt-summary")
        with gr.Column(scale=2):
            temperature = controls.slider(spec, "temperature", "nt-temperature", info="gen_temperature_info")
            top_k = controls.slider(spec, "top_k", "nt-top-k")
            top_p = controls.slider(spec, "top_p", "nt-top-p")
    chart = gr.Plot(elem_id="nt-chart", show_label=False)
    table = gr.Dataframe(headers=tr("en", "nt_table"), label=t("nt_table"), elem_id="nt-table", max_height=420)
    panel = share.panel("nt")
    share.examples(service, EXAMPLES, [prompt, model], t("examples"), ["ex_prompt", "ex_model"], model_column=1)
    ui = NextTokenUI(summary_, chart, table, panel, error, gr.State(None), share.shown_link("nt-shown"))
    inputs = [model, prompt, top_k, temperature, top_p, lang]
    outputs = [summary_, chart, table, panel.json, panel.code, error, ui.shown, ui.link]
    handler = bind(service, predict, ui, service, error=error,
                   clear=[summary_, chart, table, ui.shown, ui.link, panel.json])
    share.on_language(service, lang, relabel, (ui,), [ui.shown], [summary_, chart, table])
    events = [trigger(handler, inputs, outputs, concurrency_id=spec.concurrency_id, api_visibility="private")
              for trigger in (run.click, prompt.submit)]
    # Moving a filter re-computes at once: one forward pass of a small model, and what the tab is for.
    for control in (temperature, top_k, top_p):
        events.append(control.release(handler, inputs, outputs, concurrency_id=spec.concurrency_id,
                                      api_visibility="private", trigger_mode="always_last", show_progress="minimal"))
    link = TabLink(TAB, share.fields(spec, dict(zip(["model", "prompt", "top_k", "temperature", "top_p"], inputs))),
                   panel, run_button="nt-run", ui=ui, shown=ui.link)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
