"""The parts every tab shares: the share panel (copy link, JSON download, Copy as Python), the learner guide
accordion, the error box beside the run button, examples, and the TabLink each tab returns (tab_link.py: its
URL parameters -> its input components). The links themselves (restore on load, copy, address bar) are in
links.py; the files and code behind the panel come from export_panel.py (and service/exports.py).
"""

from __future__ import annotations

import logging

import gradio as gr

from ..i18n.labels import TEXTS, t
from .links import defaults_of, wire  # noqa: F401 - tabs reach the links through here
from .tab_link import Field, Panel, TabLink  # noqa: F401 - and a tab's link through here

log = logging.getLogger("llm_playground")


def fields(spec, components: dict, **special: Field) -> list[Field]:
    """The tab's link fields in its spec's order: component by parameter name, or a special Field."""
    return [special.get(p.name) or Field(p.name, components[p.name]) for p in spec.link_params()]


def examples(service, rows: list, inputs: list, label, headers: list[str], model_column: int | None = None):
    """gr.Examples with column headers from i18n keys (`headers`). Gradio shows a dataset's headers as given,
    untranslated: they start in English and the language switch sends them again (app.relabel_page). Rows
    naming a model that cannot be used here (not in the catalogue, or on the Hub while it is unreachable)
    are left out: an example must work when clicked."""
    if model_column is not None:
        rows = [row for row in rows if service.usable(row[model_column])]
    if not rows:
        return None
    ex = gr.Examples(rows, inputs=inputs, label=label)
    ex.dataset.headers = [TEXTS[key][0] for key in headers]
    ex.dataset.header_keys = headers
    return ex


def on_language(service, lang, relabel, bound: tuple, stored: list, outputs: list) -> None:
    """The language switch re-renders the tab's result from what the page stores (`stored`: the states holding
    the shown result), without running a model: stats, legends, summaries and charts stayed in the old language
    until the next run (#32). `relabel(*bound, *stored, lang)` returns {} when no result is shown. Registered on
    the switch; app.build_tabs wires every tab's in one event (wire_language)."""
    if not hasattr(lang, "playground_relabels"):
        lang.playground_relabels = []
    lang.playground_relabels.append((relabel, bound, list(stored), list(outputs)))


def wire_language(lang) -> None:
    """One event redraws every tab's result on a language switch: one request per tab queued behind one another
    (a browser opens 6 connections) and delayed the page's own relabel (the tab names). It runs on the web
    server's thread: drawing needs no torch and must not wait behind a model."""
    relabels = getattr(lang, "playground_relabels", [])
    stored = [component for _, _, inputs, _ in relabels for component in inputs]
    outputs = [component for *_, components in relabels for component in components]
    if not relabels:
        return

    def relabel_all(*values) -> dict:
        lang_ = values[-1] if values[-1] in ("en", "ja") else "en"
        updates, start = {}, 0
        for relabel, bound, inputs, _ in relabels:
            shown, start = values[start:start + len(inputs)], start + len(inputs)
            try:
                updates |= relabel(*bound, *shown, lang=lang_) or {}
            except Exception:  # noqa: BLE001 - one tab's drawing must not keep the others in the old language
                log.exception("redrawing %s in %s failed", relabel.__module__, lang_)
        # gradio reads an empty dict as one missing value: nothing to redraw is every output skipped
        return updates or {component: gr.skip() for component in outputs}

    lang.change(relabel_all, [*stored, lang], outputs, queue=False, api_visibility="private",
                show_progress="hidden")


def shown_link(elem_id: str) -> gr.JSON:
    """Where a tab keeps the link values of the result on the page (TabLink.shown): links name the result, not
    controls changed since. Hidden; null (links follow the controls) until a run, and again after an error."""
    return gr.JSON(None, visible="hidden", elem_id=elem_id)


def link_values(spec, values: dict, view: tuple = ()) -> dict:
    """The checked values a result ran with, by link parameter; `view`: the parameters a re-plot changes without
    a run (Attention's layer), which the controls keep saying."""
    return {p.name: values[p.name] for p in spec.link_params() if p.name in values and p.name not in view}


def error_box(elem_id: str) -> gr.Markdown:
    """Where a run's error stays visible, next to the button that caused it, until the next run."""
    return gr.Markdown(visible=False, elem_id=elem_id, elem_classes=["run-error"])


def guide(key: str, elem_id: str) -> None:
    """The learner guide of a tab: a closed accordion at its top."""
    with gr.Accordion(t("guide_title"), open=False, elem_id=elem_id, elem_classes=["guide"]):
        gr.Markdown(t(key))


def panel(prefix: str, with_json: bool = True) -> Panel:
    """🔗 Copy link + the link box, ⬇ JSON, and the Copy as Python accordion."""
    with gr.Row(equal_height=True, elem_classes=["share-row"]):
        copy = gr.Button(t("copy_link"), size="sm", scale=0, min_width=150, elem_id=f"{prefix}-copy-link")
        link = gr.Textbox(label=t("link"), show_label=False, placeholder=t("link_placeholder"), interactive=False,
                          buttons=["copy"], max_lines=1, scale=4, container=False, elem_id=f"{prefix}-link")
        download = (gr.DownloadButton(t("json"), size="sm", scale=0, min_width=170, visible=False,
                                      elem_id=f"{prefix}-json") if with_json else None)
    with gr.Accordion(t("python"), open=False, elem_id=f"{prefix}-python"):
        gr.Markdown(t("python_info"))
        code = gr.Code(language="python", interactive=False, elem_id=f"{prefix}-code")
    return Panel(copy, link, code, download)
