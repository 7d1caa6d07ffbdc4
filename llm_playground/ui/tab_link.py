"""What a tab's build() returns: its URL parameters and the components holding them (links.py restores and
writes them), its share panel, and its output components."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import gradio as gr


@dataclass
class Field:
    """One URL parameter of a tab and the component holding it."""
    name: str
    component: gr.components.Component
    update: Callable[[Any], Any] | None = None  # parsed value -> gr.update(...) (default: value=...)
    js: dict = field(default_factory=dict)  # browser side: map (UI value -> URL value), when [index, value]


@dataclass
class Panel:
    copy: gr.Button
    link: gr.Textbox
    code: gr.Code
    json: gr.DownloadButton | None = None


@dataclass
class TabLink:
    tab: str
    fields: list[Field]
    panel: Panel | None = None
    run_button: str | None = None  # elem_id pressed when the link says run=1
    extra_js: list = field(default_factory=list)  # hidden components LINK_JS may read (spec "from": index)
    # A hidden gr.JSON of the values the result on the page was made with (None: no result): while it is set,
    # links name them rather than the controls, which the learner may have changed since (#32).
    shown: Any = None
    on_load: Callable | None = None  # called with the restore event (e.g. to render after restoring)
    ui: Any = None  # the tab's output components (its handlers' first argument): tests call handlers with it
