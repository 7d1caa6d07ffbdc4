"""Shared UI glue: error translation, model pickers, progress adapters."""

from __future__ import annotations

import functools
import inspect
import ipaddress
import logging

import gradio as gr

from ..errors import PlaygroundError
from ..ratelimit import RateLimiter
from ..tasks.streaming import run_on_model_thread

log = logging.getLogger("llm_playground")

# Set by build_app from --rate-limit; every wrapped event and API call counts against it.
RATE_LIMITER = RateLimiter(0)


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

INTERNAL = "Something went wrong on the server ({}). The error was logged; please try again."


def _as_gr_error(exc: Exception) -> gr.Error:
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, PlaygroundError):
        return gr.Error(str(exc), print_exception=False)
    log.exception("unexpected error")
    return gr.Error(INTERNAL.format(type(exc).__name__), print_exception=False)


def user_errors(fn=None, *, rate_limited: bool = True):
    """Show PlaygroundErrors as friendly gr.Errors and never a traceback (sync and generator fns).

    Every call counts against the per-client rate limit, except handlers marked
    rate_limited=False (cheap re-plots of data already computed).
    """
    if fn is None:
        return functools.partial(user_errors, rate_limited=rate_limited)

    def check_rate() -> None:
        if rate_limited:
            RATE_LIMITER.check(client_key())

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                check_rate()
                yield from fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                raise _as_gr_error(exc) from None
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            check_rate()
            return run_on_model_thread(fn, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            raise _as_gr_error(exc) from None
    return wrapper


def model_picker(manager, task: str, label: str = "Model", elem_id: str | None = None) -> gr.Dropdown:
    custom = manager.settings.allow_custom_models
    info = "Pick a model" + (" or type any Hugging Face model id" if custom else "")
    return gr.Dropdown(choices=manager.catalog.names(task), value=manager.catalog.default(task), label=label,
                       allow_custom_value=custom, info=info, filterable=True, elem_id=elem_id)


def progress_callback(progress: gr.Progress):
    return lambda fraction, message: progress(fraction, desc=message)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:,.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GB"
