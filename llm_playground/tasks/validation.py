"""Server-side input checks shared by every task (browser limits like max_length are not enough)."""

from __future__ import annotations

import contextlib
import gc
import math

import torch

from ..errors import InvalidInput, PlaygroundError

MAX_TEXT_CHARS = 5000


def clean_text(text: str | None, what: str = "text", max_chars: int = MAX_TEXT_CHARS) -> str:
    """Reject empty/oversized text and characters no tokenizer can encode (lone surrogates, NULs)."""
    if text is None or not str(text).strip():
        raise InvalidInput(f"The {what} is empty. Type something first.")
    text = str(text)
    if len(text) > max_chars:
        raise InvalidInput(f"The {what} has {len(text):,} characters; the limit is {max_chars:,}.")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise InvalidInput(f"The {what} contains invalid Unicode (a lone surrogate); please re-type it.")
    return text.replace("\x00", "")


def number(value, name: str, low: float, high: float, *, integer: bool = False,
           low_open: bool = False) -> float | int:
    """A finite number in [low, high] (or (low, high] with low_open), else a specific error."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(x):
        raise InvalidInput(f"{name} must be a finite number, got {value!r}.")
    if integer and x != int(x):
        raise InvalidInput(f"{name} must be a whole number, got {value!r}.")
    below = x <= low if low_open else x < low
    if below or x > high:
        bracket = "(" if low_open else "["
        raise InvalidInput(f"{name} must be in {bracket}{low:g}, {high:g}], got {value!r}.")
    return int(x) if integer else x


@contextlib.contextmanager
def out_of_memory_as_error(model_name: str):
    """Turn an out-of-memory during a forward pass into a clear error, after freeing what we can."""
    try:
        yield
    except (torch.OutOfMemoryError, MemoryError):
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise PlaygroundError(f"Ran out of memory while running '{model_name}'. Try a shorter text, fewer "
                              "tokens or sequences, or a 16-bit dtype.") from None
