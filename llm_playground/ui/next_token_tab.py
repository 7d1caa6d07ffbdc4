"""Next-token tab: the model's whole next-token distribution, and which tokens each sampling filter keeps."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..plots.next_token import TABLE_HEADERS, candidate_rows, candidates_figure, shown
from ..plots.text import md
from . import controls, exports, share
from .common import bind, progress_callback
from .i18n import t
from .share import Panel, TabLink

TAB = "next-token"
EXAMPLES = [["Once upon a time, there was a little", "stories260K"], ["The capital of France is", "gpt2"]]


@dataclass
class NextTokenUI:
    summary: gr.Markdown
    chart: gr.Plot
    table: gr.Dataframe
    panel: Panel


def summary(outcome) -> str:
    r, v = outcome.result, outcome.values
    best = r.candidates[0]
    return (f"Most likely next token: **{md(shown(best.token))}** ({best.prob:.1%}) · after temperature "
            f"{v['temperature']:g}, top-k {v['top_k'] or 'off'} and top-p {v['top_p']:g}, "
            f"**{r.kept_count:,} of {r.vocab_size:,} tokens** "
            f"can still be sampled · {md(outcome.model.name)}, {len(r.ids)} prompt tokens")


def predict(ui: NextTokenUI, service, model, prompt, top_k, temperature, top_p, progress=gr.Progress()) -> dict:
    out = service.next_token(model, prompt, progress=progress_callback(progress), top_k=top_k,
                             temperature=temperature, top_p=top_p)
    data, stem = out.result.to_dict(out.model.name), exports.safe_name(TAB, out.model.name)
    figure = candidates_figure(data["candidates"], "Next-token probabilities: the model's, and after the filters")
    return {ui.summary: summary(out), ui.chart: exports.png_plot(figure, stem),
            ui.table: candidate_rows(data["candidates"]), ui.panel.json: exports.json_download(service, stem, data),
            ui.panel.code: service.python(TAB, out)}


def build(service) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_next_token", "nt-guide")
    with gr.Row():
        with gr.Column(scale=3):
            model = controls.model(service, spec, "nt-model")
            prompt = controls.textbox(spec, "prompt", "nt-prompt", EXAMPLES[0][0], lines=2)
            run = gr.Button(t("nt_run"), variant="primary", elem_id="nt-run")
            summary_ = gr.Markdown(elem_id="nt-summary")
        with gr.Column(scale=2):
            temperature = controls.slider(spec, "temperature", "nt-temperature", info="gen_temperature_info")
            top_k = controls.slider(spec, "top_k", "nt-top-k")
            top_p = controls.slider(spec, "top_p", "nt-top-p")
    chart = gr.Plot(elem_id="nt-chart", show_label=False)
    table = gr.Dataframe(headers=TABLE_HEADERS, label=t("nt_table"), elem_id="nt-table", max_height=420)
    panel = share.panel("nt")
    share.examples(EXAMPLES, [prompt, model], t("examples"), ["Prompt", "Model"])
    ui = NextTokenUI(summary_, chart, table, panel)
    inputs = [model, prompt, top_k, temperature, top_p]
    handler = bind(service, predict, ui, service)
    events = [trigger(handler, inputs, [summary_, chart, table, panel.json, panel.code],
                      concurrency_id=spec.concurrency_id, api_visibility="private")
              for trigger in (run.click, prompt.submit)]
    # Moving a filter re-computes at once: one forward pass of a small model, and what the tab is for.
    for control in (temperature, top_k, top_p):
        events.append(control.release(handler, inputs, [summary_, chart, table, panel.json, panel.code],
                                      concurrency_id=spec.concurrency_id, api_visibility="private",
                                      trigger_mode="always_last", show_progress="minimal"))
    link = TabLink(TAB, share.fields(spec, dict(zip(["model", "prompt", "top_k", "temperature", "top_p"], inputs))),
                   panel, run_button="nt-run", ui=ui)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
