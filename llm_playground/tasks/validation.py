"""Server-side input checks shared by every task (browser limits like max_length are not enough)."""

from __future__ import annotations

import contextlib
import gc
import math

from ..errors import InvalidInput, PlaygroundError, Word


def clean_text(text: str | None, what: str, max_chars: int) -> str:
    """Reject empty and oversized text (max_chars: the spec's limit, from Settings.max_input_chars) and
    characters no tokenizer can encode (lone surrogates); drop NULs. `what` names the text in messages."""
    what = Word(what)
    if text is not None and not isinstance(text, str):
        raise InvalidInput("text.not_a_string", what=what, type=type(text).__name__)
    text = (text or "").replace("\x00", "")
    if not text.strip():
        raise InvalidInput("text.empty", what=what)
    if len(text) > max_chars:
        raise InvalidInput("text.too_long", what=what, n=len(text), limit=max_chars)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise InvalidInput("text.lone_surrogate", what=what)
    return text


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _bound(x: float | int) -> str:
    return str(int(x)) if isinstance(x, int) or (x.is_integer() and abs(x) < 1e15) else f"{x:g}"


def number(value, name: str, low: float, high: float, *, integer: bool = False,
           low_open: bool = False) -> float | int:
    """A finite number in [low, high] (or (low, high] with low_open), else a specific error.

    Integers (and integer strings) are compared exactly, so 2**63 - 1 is not rounded up by float.
    """
    x = value
    if isinstance(value, str):
        try:
            x = int(value.strip())
        except ValueError:
            x = value
    if not isinstance(x, int):
        try:
            x = float(x)
        except (TypeError, ValueError):
            raise InvalidInput("number.not_a_number", name=name, got=_short(value)) from None
        if not math.isfinite(x):
            raise InvalidInput("number.not_finite", name=name, got=_short(value))
        if integer:
            if x != int(x):
                raise InvalidInput("number.not_whole", name=name, got=_short(value))
            x = int(x)
    below = x <= low if low_open else x < low
    if below or x > high:
        bracket = "(" if low_open else "["
        raise InvalidInput("number.out_of_range", name=name, range=f"{bracket}{_bound(low)}, {_bound(high)}]",
                           got=_short(value))
    return int(x) if integer else float(x)


def flag(value, name: str) -> bool:
    """A boolean parameter: true/false (JSON), 0/1, or the strings "true"/"false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidInput("flag.not_a_flag", name=name, got=_short(value))


@contextlib.contextmanager
def out_of_memory_as_error(model_name: str):
    """Turn an out-of-memory during a forward pass into a clear error, after freeing what we can."""
    import torch  # here, not at the top: codegen uses this module's checks without torch

    try:
        yield
    except (torch.OutOfMemoryError, MemoryError):
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise PlaygroundError("run.out_of_memory", model=model_name) from None
