"""Shared UI glue: turning module-level handlers into gradio callables, errors, pickers, progress.

Handlers are plain module-level functions `handler(ui, service, *inputs)` that call the service and
return `{component: value}`. `bind` fixes their first arguments and wraps them so that a
PlaygroundError becomes a gr.Error with its message (anything else: a generic line, traceback logged)
and model work runs on the service's model threads. Whether a call counts against the client's rate
limit is marked on the wrapper (`rate_limited`) and checked when gradio queues it (gradio_patches).
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Callable

import gradio as gr

from .. import clients
from ..errors import PlaygroundError
from ..plots.text import plain

log = logging.getLogger("llm_playground")
INTERNAL = "Something went wrong on the server ({}). The error was logged; please try again."


def client_key(proxy_hops: int = 1) -> str:
    """Who is asking, for the request gradio is handling now (see clients.py)."""
    from gradio.context import LocalContext

    return clients.of_request(LocalContext.request.get(None), proxy_hops)


def as_gr_error(exc: Exception, for_page: bool = True) -> gr.Error:
    """The error for gradio. The page shows messages as HTML, so there a model name or text quoted in the
    message is escaped; API callers (for_page=False) get the message as it is."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, PlaygroundError):
        return gr.Error(plain(str(exc)) if for_page else str(exc), print_exception=False)
    log.exception("unexpected error")
    return gr.Error(INTERNAL.format(type(exc).__name__), print_exception=False)


def _signature_without(fn: Callable, bound: int) -> inspect.Signature:
    sig = inspect.signature(fn)
    return sig.replace(parameters=list(sig.parameters.values())[bound:])


def bind(service, fn: Callable, *bound, rate_limited: bool = True, for_page: bool = True) -> Callable:
    """fn with its first arguments fixed to `bound`, as a gradio event or endpoint function (see module doc).

    rate_limited=False: cheap re-plots of data already computed do not count against the rate limit.
    for_page=False: an API endpoint, whose error messages are not HTML-escaped.
    """
    if inspect.isgeneratorfunction(fn):
        def wrapper(*args, **kwargs):
            try:
                yield from fn(*bound, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                raise as_gr_error(exc, for_page) from None
    else:
        def wrapper(*args, **kwargs):
            try:
                return service.workers.call(fn, *bound, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                raise as_gr_error(exc, for_page) from None
    functools.update_wrapper(wrapper, fn)
    del wrapper.__wrapped__  # gradio must read the signature below, not fn's
    wrapper.__signature__ = _signature_without(fn, len(bound))
    wrapper.rate_limited = rate_limited
    return wrapper


def model_picker(service, task: str, label, elem_id: str | None = None, info=None) -> gr.Dropdown:
    return gr.Dropdown(choices=service.model_names(task), value=service.default_model(task), label=label,
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
