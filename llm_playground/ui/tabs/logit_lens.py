"""Logit lens tab: one forward pass per text; the grid of every layer's prediction, and one position's
trajectory across layers (picking another position re-plots the stored result, no model run)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ...i18n.labels import t
from ...i18n.words import tr
from ...plots.logit_lens import first_top1, grid_figure, trajectory_figure
from ...plots.next_token import shown
from ...plots.text import code_span, md
from .. import controls, share
from .. import export_panel as exports
from ..common import bind, progress_callback
from ..share import Field, TabLink

TAB = "logit-lens"
LAST = -1  # the position control's "last token"
EXAMPLES = [["Once upon a time, there was a little girl named", "stories260K"],  # " Lily" wins in the last block
            ["Lily and Ben went to the park. They saw a big", "stories260K"],
            ["The capital of France is", "gpt2"]]


@dataclass
class LensUI:
    data: gr.State  # the last run's /logit_lens dict: the trajectory re-plots from it
    summary: gr.Markdown
    grid: gr.Plot
    trajectory: gr.Plot
    position: gr.Dropdown
    panel: share.Panel
    error: gr.Markdown
    link: gr.JSON | None = None  # the link values of the shown result (share.shown_link)


def chosen(data: dict, position) -> int:
    """The position the trajectory follows: the one picked, where the text has it; else the last."""
    n = len(data["tokens"])
    return position if isinstance(position, int) and 0 <= position < n else n - 1


def summary(data: dict, lang: str) -> str:
    last = data["tracked"][-1]["final"]
    first = first_top1(last)
    note = "" if first is None else tr(lang, "ll_first_embeddings") if first == 0 else tr(lang, "ll_first", layer=first)
    line = tr(lang, "ll_summary", n=len(data["tokens"]), layers=data["layers"], blocks=data["layers"] - 1,
              name=md(data["model"]), token=md(shown(last["token"])), prob=last["prob"][-1], first=note)
    return line + pieces(data, lang)


def pieces(data: dict, lang: str) -> str:
    """Which piece the lens follows, when the text to follow is several tokens (else nothing)."""
    track = data.get("track") or {}
    if len(track.get("pieces") or ()) < 2:
        return ""
    return tr(lang, "ll_track_pieces", n=len(track["pieces"]),
              pieces=" ".join(code_span(shown(p)) for p in track["pieces"]), first=code_span(shown(track["token"])))


def position_choices(tokens: list[str]) -> list[tuple]:
    return [(t("ll_last"), LAST)] + [(f"{i}: {shown(token)}", i) for i, token in enumerate(tokens)]


def trajectory(data: dict, position, lang: str):
    return exports.png_plot(trajectory_figure(data, chosen(data, position), lang),
                            exports.safe_name(f"{TAB}-{data['model']}-trajectory"))


def run_lens(ui: LensUI, service, model, text, top_k, track, position, lang="en", progress=gr.Progress()) -> dict:
    out = service.logit_lens(model, text, top_k, track, progress=progress_callback(progress))
    data, stem = out.result.to_dict(out.model.name), exports.safe_name(TAB, out.model.name)
    position = position if isinstance(position, int) and position < len(data["tokens"]) else LAST
    return {ui.data: data, ui.link: share.link_values(service.specs[TAB], out.values, view=("position",)),
            ui.summary: summary(data, lang), ui.grid: exports.png_plot(grid_figure(data, lang), stem),
            ui.trajectory: trajectory(data, position, lang),
            ui.position: gr.update(choices=position_choices(data["tokens"]), value=position),
            ui.panel.json: exports.json_download(service, stem, data), ui.panel.code: service.python(TAB, out)}


def replot(ui: LensUI, service, data, position, lang="en") -> dict:
    return {ui.trajectory: trajectory(data, position, lang)} if data else {}


def relabel(ui: LensUI, data, position, lang="en") -> dict:
    """The shown result in the page's new language (share.on_language): summary, grid and trajectory."""
    if not data:
        return {}
    stem = exports.safe_name(TAB, data["model"])
    return {ui.summary: summary(data, lang), ui.grid: exports.png_plot(grid_figure(data, lang), stem),
            ui.trajectory: trajectory(data, position, lang)}


def restore_position(v: int):
    """The position list is filled by a run: offer the linked position until then."""
    return gr.update(choices=[(t("ll_last"), LAST)] + [(str(i), i) for i in range(max(v, 0) + 1)], value=v)


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_logit_lens", "ll-guide")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            model = controls.model(service, spec, "ll-model")
            text = controls.textbox(spec, "text", "ll-text", EXAMPLES[0][0], lines=2)
            run = gr.Button(t("ll_run"), variant="primary", elem_id="ll-run")
            error = share.error_box("ll-error")
            summary_ = gr.Markdown(elem_id="ll-summary")
        with gr.Column(scale=2):
            top_k = controls.slider(spec, "top_k", "ll-top-k")
            track = controls.textbox(spec, "track", "ll-track", info=t("ll_track_info"), max_lines=1)
            position = gr.Dropdown([(t("ll_last"), LAST)], value=LAST, label=t("ll_position"), elem_id="ll-position",
                                   info=t("ll_position_info"), filterable=True)
            gr.Markdown(t("ll_help"))
    grid = gr.Plot(elem_id="ll-grid", show_label=False)
    trajectory_ = gr.Plot(elem_id="ll-trajectory", show_label=False)
    panel = share.panel("ll")
    share.examples(service, EXAMPLES, [text, model], t("examples"), ["ex_text", "ex_model"], model_column=1)
    ui = LensUI(gr.State(None), summary_, grid, trajectory_, position, panel, error, share.shown_link("ll-shown"))
    inputs = [model, text, top_k, track, position, lang]
    outputs = [ui.data, summary_, grid, trajectory_, position, panel.json, panel.code, error, ui.link]
    handler = bind(service, run_lens, ui, service, error=error, clear=[summary_, grid, trajectory_, ui.data, ui.link,
                                                                       panel.json])
    share.on_language(service, lang, relabel, (ui,), [ui.data, position], [summary_, grid, trajectory_])
    events = [trigger(handler, inputs, outputs, concurrency_id=spec.concurrency_id, api_visibility="private")
              for trigger in (run.click, text.submit, track.submit)]
    # .input: the learner's picks only, not the choices a run sets; a re-plot of stored numbers, not a run
    replots = position.input(bind(service, replot, ui, service, rate_limited=False), [ui.data, position, lang],
                             [trajectory_], api_visibility="private", show_progress="minimal")
    fields = share.fields(spec, dict(zip(["model", "text", "top_k", "track", "position"], inputs)),
                          position=Field("position", position, update=restore_position))
    link = TabLink(TAB, fields, panel, run_button="ll-run", ui=ui, shown=ui.link)
    share.wire(link, share.defaults_of(service, TAB), [*events, replots])
    return link
