"""Shared UI glue: who is asking, model pickers, progress, sizes. Handlers are bound by binding.py."""

from __future__ import annotations

import gradio as gr

from ..serving import clients
from .binding import bind  # noqa: F401 - the tabs import bind from here


def client_key(proxy_hops: int = 1) -> str:
    """Who is asking, for the request gradio is handling now (see clients.py)."""
    from gradio.context import LocalContext

    return clients.of_request(LocalContext.request.get(None), proxy_hops)


def model_picker(service, task: str, label, elem_id: str | None = None, info=None,
                 names: list[str] | None = None) -> gr.Dropdown:
    names = service.model_choices(task) if names is None else names
    return gr.Dropdown(choices=names, value=service.default_model(task), label=label,
                       allow_custom_value=service.settings.allow_custom_models, info=info, filterable=True,
                       elem_id=elem_id)


def progress_callback(progress: gr.Progress):
    return lambda fraction, message: progress(fraction, desc=message)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:,.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GB"


def page_session() -> str | None:
    """The browser page (gradio's session) of the request being handled: whose generations a Stop ends."""
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    return getattr(request, "session_hash", None) if request is not None else None
