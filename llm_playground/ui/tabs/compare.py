"""Compare tab: one prompt, two generations (two models, or two settings of one model), side by side with what each
model thinks of the other's text."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ...i18n.labels import t
from ...i18n.words import tr
from ...models.catalog import GENERATION
from ...plots import compare as plots
from ...plots.text import md
from ...serving import gradio_patches
from ...specs import DTYPES
from .. import controls, share
from .. import export_panel as exports
from ..common import bind, model_picker, progress_callback
from ..share import Field, TabLink

TAB = "compare"
SIDES = ("a", "b")


@dataclass
class CompareUI:
    summary: gr.Markdown
    heads: dict  # side -> gr.Markdown (model, dtype, decoding)
    texts: dict  # side -> gr.HTML
    chart: gr.Plot
    panel: share.Panel
    used_seed: gr.Number
    error: gr.Markdown
    shown: gr.State | None = None  # the result's dict on the page: the language switch re-renders it
    link: gr.JSON | None = None  # the link values of that result (share.shown_link)


def run_compare(ui: CompareUI, service, prompt, model_a, dtype_a, mode_a, temperature_a, model_b, dtype_b, mode_b,
                temperature_b, max_new, top_k, top_p, seed, lang="en", progress=gr.Progress()) -> dict:
    out = service.compare(prompt, model_a, model_b, progress=progress_callback(progress),
                          keep_going=gradio_patches.still_wanted(), dtype_a=dtype_a,
                          do_sample_a=mode_a == "sampling", temperature_a=temperature_a, dtype_b=dtype_b,
                          do_sample_b=mode_b == "sampling", temperature_b=temperature_b, max_new_tokens=max_new,
                          top_k=top_k, top_p=top_p, seed=seed)
    data = out.result.to_dict()
    stem = exports.safe_name(TAB, data["a"]["model"], data["b"]["model"])
    return {**relabel(ui, data, lang), ui.shown: data, ui.link: share.link_values(service.specs[TAB], out.values), 
            ui.panel.json: exports.json_download(service, stem, data),
            ui.panel.code: service.python(TAB, out, shared=data["shared_vocabulary"]),
            ui.used_seed: out.values["seed"]}


def relabel(ui: CompareUI, data, lang="en") -> dict:
    """What the page shows of a result (its dict) in `lang`: after a run, and again after the language switch."""
    if not data:
        return {}
    stem = exports.safe_name(TAB, data["a"]["model"], data["b"]["model"])
    fig = plots.figure(data, lang)
    heads = {ui.heads[s]: f"**{s.upper()}** · {md(plots.side_label(data[s], lang))} · "
                          f"{tr(lang, 'cmp_tokens', n=len(data[s]['tokens']))}" for s in SIDES}
    texts = {ui.texts[s]: plots.side_html(data["prompt"], data[s], f"{data[o]['model']} ({o.upper()})",
                                          data["first_difference"], lang) for s, o in (("a", "b"), ("b", "a"))}
    return {ui.summary: plots.summary(data, lang), **heads, **texts,
            ui.chart: exports.png_plot(fig, stem) if fig is not None else None}


def side_controls(service, spec, side: str) -> list:
    with gr.Group(elem_id=f"cmp-side-{side}"):
        model = model_picker(service, GENERATION, t(f"cmp_model_{side}"), elem_id=f"cmp-model-{side}",
                             names=service.tab_model_names(TAB))
        with gr.Row():
            dtype = gr.Dropdown(list(DTYPES), value=spec.param(f"dtype_{side}").default, label=t("gen_dtype"),
                                elem_id=f"cmp-dtype-{side}", min_width=120)
            mode = gr.Radio([(t("gen_greedy"), "greedy"), (t("gen_sampling"), "sampling")], value="greedy",
                            label=t("gen_decoding"), elem_id=f"cmp-mode-{side}", min_width=160)
        temperature = controls.slider(spec, f"temperature_{side}", f"cmp-temperature-{side}")
    return [model, dtype, mode, temperature]


def mode_field(name: str, component) -> Field:
    return Field(name, component, update=lambda v: gr.update(value="sampling" if v else "greedy"),
                 js={"map": {"greedy": "false", "sampling": "true"}})


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_compare", "cmp-guide")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            prompt = controls.textbox(spec, "prompt", "cmp-prompt", "Once upon a time", lines=2)
            run = gr.Button(t("cmp_run"), variant="primary", elem_id="cmp-run")
            error = share.error_box("cmp-error")
            summary = gr.Markdown(elem_id="cmp-summary")
            heads, texts = {}, {}
            for side in SIDES:
                heads[side] = gr.Markdown(elem_id=f"cmp-head-{side}")
                texts[side] = gr.HTML(elem_id=f"cmp-text-{side}")
            chart = gr.Plot(elem_id="cmp-chart", show_label=False)
        with gr.Column(scale=2):
            a = side_controls(service, spec, "a")
            b = side_controls(service, spec, "b")
            with gr.Group(elem_id="cmp-shared"):
                gr.Markdown(t("cmp_shared"))
                max_new = controls.slider(spec, "max_new_tokens", "cmp-max-new")
                top_k = controls.slider(spec, "top_k", "cmp-top-k")
                top_p = controls.slider(spec, "top_p", "cmp-top-p")
                seed = gr.Number(value=spec.param("seed").default, precision=0, label=t("gen_seed"), minimum=-1,
                                 elem_id="cmp-seed")
    panel = share.panel("cmp")
    used_seed = gr.Number(visible=False, elem_id="cmp-used-seed")
    ui = CompareUI(summary, heads, texts, chart, panel, used_seed, error, gr.State(None),
                   share.shown_link("cmp-shown"))
    inputs = [prompt, *a, *b, max_new, top_k, top_p, seed]
    shown = [summary, *heads.values(), *texts.values(), chart]
    outputs = [*shown, panel.json, panel.code, used_seed, error, ui.shown, ui.link]
    handler = bind(service, run_compare, ui, service, error=error,
                   clear=[summary, *texts.values(), chart, ui.shown, ui.link, panel.json])
    share.on_language(service, lang, relabel, (ui,), [ui.shown], shown)
    events = [trigger(handler, inputs + [lang], outputs, concurrency_id=spec.concurrency_id,
                      api_visibility="private") for trigger in (run.click, prompt.submit)]
    names = ["prompt", "model_a", "dtype_a", "do_sample_a", "temperature_a", "model_b", "dtype_b", "do_sample_b",
             "temperature_b", "max_new_tokens", "top_k", "top_p", "seed"]
    fields = share.fields(spec, dict(zip(names, inputs)), do_sample_a=mode_field("do_sample_a", a[2]),
                          do_sample_b=mode_field("do_sample_b", b[2]),
                          seed=Field("seed", seed, js={"random": -1, "from": len(spec.link_params())}))
    link = TabLink(TAB, fields, panel, run_button="cmp-run", extra_js=[used_seed], ui=ui, shown=ui.link)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
