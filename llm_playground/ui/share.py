"""The parts every tab shares: the share panel (copy link, JSON download, Copy as Python), the learner guide
accordion, the error box beside the run button, examples, and the TabLink each tab returns (tab_link.py: its
URL parameters -> its input components). The links themselves (restore on load, copy, address bar) are in
links.py; the files and code behind the panel come from export_panel.py (and service/exports.py).
"""

from __future__ import annotations

import gradio as gr

from ..i18n.labels import TEXTS, t
from .links import defaults_of, wire  # noqa: F401 - tabs reach the links through here
from .tab_link import Field, Panel, TabLink  # noqa: F401 - and a tab's link through here


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
