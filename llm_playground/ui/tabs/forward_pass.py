"""Inside one prediction: one block of one forward pass, step by step, with the model's own numbers. One run per
text, layer, head and position (a forward pass of the model); the language switch re-draws the stored result."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ...i18n.labels import t
from ...i18n.words import tr
from ...plots import forward_pass as plots
from ...plots.next_token import shown
from ...plots.text import md
from .. import controls, share
from .. import export_panel as exports
from ..common import bind, progress_callback
from ..share import TabLink

TAB = "forward-pass"
EXAMPLES = [["Once upon a time there was a little girl named Lily. She", "stories260K"],
            ["Lily and Ben went to the park. They saw a big", "stories260K"],
            ["The capital of France is", "gpt2"]]
# Each step's charts, in page order: scores beside weights, the head's output beside every head's share.
STEP_CHARTS = ((plots.embeddings,), (plots.block_input,), (plots.qkv,), (plots.scores, plots.weights),
               (plots.head_output, plots.head_shares), (plots.neurons,), (plots.residual,), (plots.prediction,))


@dataclass
class ForwardUI:
    data: gr.State  # the shown result's /forward_pass dict: the language switch re-draws from it
    summary: gr.Markdown
    texts: list  # one Markdown per step: what it computes, in the course's words
    charts: list  # one Plot per step
    layer: gr.Slider
    head: gr.Slider
    position: gr.Slider
    panel: share.Panel
    error: gr.Markdown
    link: gr.JSON | None = None  # the link values of the shown result (share.shown_link)


def step_texts(d: dict, lang: str) -> list[str]:
    n, hd, d_model = len(d["tokens"]), len(d["q"][0]), len(d["resid_in"])
    group = d["heads"] // d["kv_heads"]
    gqa = tr(lang, "fp_gqa", group=group, head=d["head"], kv=d["kv_head"]) if group > 1 else ""
    positions = tr(lang, "fp_rope") if d["rotary"] else tr(lang, "fp_learned", position=d["position"])
    return [tr(lang, "fp_step1", d=d_model, positions=positions),
            tr(lang, "fp_step2", layer=d["layer"], d=d_model),
            tr(lang, "fp_step3", head=d["head"], n=n, hd=hd, gqa=gqa,
               rope=tr(lang, "fp_rotated") if d["rotary"] else ""),
            tr(lang, "fp_step4", scale=d["scale"], n=n,
               root=tr(lang, "fp_root", hd=hd) if abs(d["scale"] - hd ** -0.5) < 1e-4 else ""),
            tr(lang, "fp_step5", n=n, hd=hd, heads=d["heads"], d=d_model, position=d["position"]),
            tr(lang, "fp_step6", neurons=d["mlp_neurons"], d=d_model),
            tr(lang, "fp_step7", **d["norms"]),
            tr(lang, "fp_step8")]


def figures(d: dict, lang: str) -> list:
    stem = exports.safe_name(TAB, d["model"])
    made = [draw(d, lang) for step in STEP_CHARTS for draw in step]
    return [exports.png_plot(fig, f"{stem}-chart{i + 1}") for i, fig in enumerate(made)]


def summary(d: dict, lang: str) -> str:
    best = d["top"][0]
    return tr(lang, "fp_summary", model=md(d["model"]), layer=d["layer"], layers=d["layers"], head=d["head"],
              heads=d["heads"], token=md(shown(d["pieces"][d["position"]])), position=d["position"],
              best=md(shown(best["token"])), prob=best["prob"])


def relabel(ui: ForwardUI, d, lang="en") -> dict:
    """The shown result in `lang`: after a run, and again after the language switch (share.on_language)."""
    if not d:
        return {}
    return {ui.summary: summary(d, lang), **dict(zip(ui.texts, step_texts(d, lang))),
            **dict(zip(ui.charts, figures(d, lang)))}


def walk(ui: ForwardUI, service, model, text, layer, head, position, lang="en", progress=gr.Progress()) -> dict:
    out = service.forward_pass(model, text, layer, head, position, progress=progress_callback(progress))
    d, stem = out.result.to_dict(out.model.name), exports.safe_name(TAB, out.model.name)
    return {**relabel(ui, d, lang), ui.data: d, **ranges(ui, d["layers"], d["heads"]),
            ui.position: gr.update(maximum=max(1, len(d["tokens"]) - 1)),
            ui.link: share.link_values(service.specs[TAB], out.values),
            ui.panel.json: exports.json_download(service, stem, d), ui.panel.code: service.python(TAB, out)}


def ranges(ui: ForwardUI, layers: int, heads: int) -> dict:
    """The sliders' ranges for a model (Gradio refuses a slider from 0 to 0: one block or head is fixed)."""
    return {ui.layer: gr.update(maximum=max(1, layers - 1), interactive=layers > 1),
            ui.head: gr.update(maximum=max(1, heads - 1), interactive=heads > 1)}


def fit_sliders(ui: ForwardUI, service, model) -> dict:
    """A picked model's blocks and heads as the sliders' ranges, read from its config where that needs no load."""
    shape = service.layers_and_heads(model) if isinstance(model, str) else None
    if shape is None:  # a Hub model not loaded yet: the spec's whole range until its first walk
        spec = service.specs[TAB]
        return ranges(ui, int(spec.param("layer").high) + 1, int(spec.param("head").high) + 1)
    return ranges(ui, *shape)


fit_sliders.places_itself = True  # a config read, no model: on the web server's thread


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_forward_pass", "fp-guide")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            model = controls.model(service, spec, "fp-model")
            text = controls.textbox(spec, "text", "fp-text", EXAMPLES[0][0], lines=2)
            run = gr.Button(t("fp_run"), variant="primary", elem_id="fp-run")
            error = share.error_box("fp-error")
            summary_ = gr.Markdown(elem_id="fp-summary")
        with gr.Column(scale=2):
            layer = controls.slider(spec, "layer", "fp-layer")
            head = controls.slider(spec, "head", "fp-head")
            position = controls.slider(spec, "position", "fp-position")
            gr.Markdown(t("fp_help"))
    texts, charts = [], []
    for i, step in enumerate(STEP_CHARTS):
        texts.append(gr.Markdown(elem_id=f"fp-step{i + 1}", elem_classes=["fp-step"]))
        with gr.Row(equal_height=False):  # side by side when there is room, one under the other on a phone
            for _ in step:
                charts.append(gr.Plot(elem_id=f"fp-chart{len(charts) + 1}", show_label=False, min_width=320))
    panel = share.panel("fp")
    share.examples(service, EXAMPLES, [text, model], t("examples"), ["ex_text", "ex_model"], model_column=1)
    ui = ForwardUI(gr.State(None), summary_, texts, charts, layer, head, position, panel, error,
                   share.shown_link("fp-shown"))
    inputs = [model, text, layer, head, position, lang]
    outputs = [ui.data, summary_, *texts, *charts, layer, head, position, panel.json, panel.code, error, ui.link]
    handler = bind(service, walk, ui, service, error=error,
                   clear=[summary_, *texts, *charts, ui.data, ui.link, panel.json])
    share.on_language(service, lang, relabel, (ui,), [ui.data], [summary_, *texts, *charts])
    events = [trigger(handler, inputs, outputs, concurrency_id=spec.concurrency_id, api_visibility="private")
              for trigger in (run.click, text.submit)]
    # moving a slider walks through again at once: one forward pass, and what the tab is for
    events += [control.release(handler, inputs, outputs, concurrency_id=spec.concurrency_id,
                               api_visibility="private", trigger_mode="always_last", show_progress="minimal")
               for control in (layer, head, position)]
    fitted = model.change(bind(service, fit_sliders, ui, service, rate_limited=False), [model], [layer, head],
                          api_visibility="private", show_progress="hidden")
    link = TabLink(TAB, share.fields(spec, dict(zip(["model", "text", "layer", "head", "position"], inputs))),
                   panel, run_button="fp-run", ui=ui, shown=ui.link)
    share.wire(link, share.defaults_of(service, TAB), [*events, fitted])
    return link
