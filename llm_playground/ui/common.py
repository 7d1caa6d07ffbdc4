"""Shared UI glue: turning module-level handlers into gradio callables, errors, pickers, progress.

Handlers are plain module-level functions `handler(ui, service, *inputs)` that call the service and
return `{component: value}`. `bind` fixes their first arguments and wraps them so that a
PlaygroundError becomes a gr.Error with its message (anything else: a generic line, traceback logged),
every call counts against the client's rate limit, and model work runs on the service's model threads.
"""

from __future__ import annotations

import functools
import inspect
import ipaddress
import logging
from typing import Callable

import gradio as gr

from ..errors import PlaygroundError

log = logging.getLogger("llm_playground")
INTERNAL = "Something went wrong on the server ({}). The error was logged; please try again."


def _behind_proxy(peer: str) -> bool:
    """A private or loopback peer is a proxy (Spaces, a local reverse proxy); a public one is the client."""
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return address.is_private or address.is_loopback


def client_key() -> str:
    """Who is asking: the first forwarded address behind a proxy (Spaces), else the peer address.

    X-Forwarded-For is only believed when the peer itself is a private/loopback address: a client
    that reaches a public server directly cannot dodge the rate limit by sending the header.
    """
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    if request is None:
        return "local"
    peer = request.client.host if request.client else "unknown"
    forwarded = (request.headers.get("x-forwarded-for") or "").split(",")[0].strip()
    return forwarded if forwarded and _behind_proxy(peer) else peer


def as_gr_error(exc: Exception) -> gr.Error:
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, PlaygroundError):
        return gr.Error(str(exc), print_exception=False)
    log.exception("unexpected error")
    return gr.Error(INTERNAL.format(type(exc).__name__), print_exception=False)


def _signature_without(fn: Callable, bound: int) -> inspect.Signature:
    sig = inspect.signature(fn)
    return sig.replace(parameters=list(sig.parameters.values())[bound:])


def bind(service, fn: Callable, *bound, rate_limited: bool = True) -> Callable:
    """fn with its first arguments fixed to `bound`, as a gradio event or endpoint function (see module doc).

    rate_limited=False: cheap re-plots of data already computed do not count against the limit.
    """
    def admit() -> None:
        if rate_limited:
            service.limiter.check(client_key())

    if inspect.isgeneratorfunction(fn):
        def wrapper(*args, **kwargs):
            try:
                admit()
                yield from fn(*bound, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                raise as_gr_error(exc) from None
    else:
        def wrapper(*args, **kwargs):
            try:
                admit()
                return service.workers.call(fn, *bound, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                raise as_gr_error(exc) from None
    functools.update_wrapper(wrapper, fn)
    del wrapper.__wrapped__  # gradio must read the signature below, not fn's
    wrapper.__signature__ = _signature_without(fn, len(bound))
    return wrapper


def model_picker(service, task: str, label, elem_id: str | None = None, info=None,
                 names: list[str] | None = None) -> gr.Dropdown:
    names = service.model_names(task) if names is None else names
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
