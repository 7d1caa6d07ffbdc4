"""Module-level handlers -> gradio callables: bound arguments, model threads, errors in the page's language.

Handlers are plain functions `handler(ui, service, *inputs, lang="en")` that call the service and return
`{component: value}`. `bind` fixes their first arguments and wraps them:

- model work runs on the service's model threads (generators stream from theirs; a function marked
  `places_itself`, /generate, picks its thread itself);
- a PlaygroundError becomes a message written for the user, in the page's language (the handler's `lang`
  input): shown next to the control that caused it (`error`, a Markdown box) until the next run, with the
  stale results (`clear`) emptied, and as a toast; without an `error` box it is raised as gr.Error;
- anything else is logged and shown as a generic line, never a traceback;
- `rate_limited` is marked on the wrapper and checked when gradio queues the call (gradio_patches).
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Callable

import gradio as gr

from ..errors import PlaygroundError
from ..i18n.messages import Message
from ..i18n.words import tr
from ..plots.text import md, plain

log = logging.getLogger("llm_playground")


def message_of(exc: Exception, lang: str = "en") -> str:
    if isinstance(exc, PlaygroundError):
        return exc.message(lang)
    if isinstance(exc, gr.Error):  # raised by gradio or a handler with its text: it has no other language
        return exc.message
    log.exception("unexpected error")
    return Message("server.internal", error=type(exc).__name__).message(lang)


def as_gr_error(exc: Exception, for_page: bool = True, lang: str = "en") -> gr.Error:
    """The page shows messages as HTML, so there a quoted name or text is escaped; API callers (for_page=False)
    get the message as it is."""
    text = message_of(exc, lang)
    return gr.Error(plain(text) if for_page else text, print_exception=False)


def _signature_without(fn: Callable, bound: int) -> inspect.Signature:
    sig = inspect.signature(fn)
    return sig.replace(parameters=list(sig.parameters.values())[bound:])


class _Call:
    """What one call of a bound handler needs to report an error: its language and where to show it."""

    def __init__(self, sig: inspect.Signature, args, kwargs, error, clear, for_page):
        bound = sig.bind_partial(*args, **kwargs).arguments
        self.lang = bound.get("lang", "en") if bound.get("lang") in ("en", "ja") else "en"
        self.error, self.clear, self.for_page = error, clear, for_page

    def ok(self, result: dict | None) -> dict | None:
        if self.error is None or not isinstance(result, dict):
            return result
        return {self.error: gr.update(value="", visible=False), **result}

    def failed(self, exc: Exception) -> dict:
        if self.error is None:
            raise as_gr_error(exc, self.for_page, self.lang) from None
        text = message_of(exc, self.lang)  # quotes names and texts: escaped for the toast (HTML) and the box (Markdown)
        gr.Warning(plain(text), title=tr(self.lang, "warning_title"))
        return {self.error: gr.update(value=tr(self.lang, "error", message=md(text)), visible=True),
                **{component: _cleared(component) for component in self.clear}}


def _cleared(component):
    """Empty; a download also hidden: after an error it offered the previous result as if it were this one's."""
    if isinstance(component, (gr.DownloadButton, gr.File)):
        return gr.update(value=None, visible=False)
    return None


def bind(service, fn: Callable, *bound, rate_limited: bool = True, for_page: bool = True, error=None,
         clear=()) -> Callable:
    """fn with its first arguments fixed to `bound`, as a gradio event or endpoint function (see module doc)."""
    sig = _signature_without(fn, len(bound))

    if inspect.isgeneratorfunction(fn):
        def wrapper(*args, **kwargs):
            call = _Call(sig, args, kwargs, error, clear, for_page)
            first = True
            try:
                for update in fn(*bound, *args, **kwargs):
                    yield call.ok(update) if first else update
                    first = False
            except Exception as exc:  # noqa: BLE001
                yield call.failed(exc)
    else:
        run = fn if getattr(fn, "places_itself", False) else functools.partial(service.workers.call, fn)

        def wrapper(*args, **kwargs):
            call = _Call(sig, args, kwargs, error, clear, for_page)
            try:
                return call.ok(run(*bound, *args, **kwargs))
            except Exception as exc:  # noqa: BLE001
                return call.failed(exc)
    functools.update_wrapper(wrapper, fn)
    del wrapper.__wrapped__  # gradio must read the signature below, not fn's
    wrapper.__signature__ = sig
    wrapper.rate_limited = rate_limited
    return wrapper
