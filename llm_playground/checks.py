"""Raw request values -> clean values, by the task spec: the one place parameters are validated.

Every endpoint and every UI event goes through `checked` before a model is touched, so a bad value is
refused with a specific message and no model loads for it. Checks that need the model (a layer index,
the context length, the number of masks) stay in the tasks.
"""

from __future__ import annotations

from typing import Any, Mapping

from .errors import InvalidInput, Word
from .specs import BOOL, CHOICE, FLOAT, IDS, INT, MODEL, MODELS, TEXT, Param, TaskSpec
from .tasks.validation import clean_text, flag, number

# How messages name a text parameter ("The sentence A is empty"; Japanese in i18n/errors.ja.yaml's words).
WHAT = {"sentence_a": "sentence A", "sentence_b": "sentence B", "text_pair": "sentence B",
        "train_text": "training text", "eval_text": "held-out text"}


def check_text(param: Param, value) -> str:
    what = WHAT.get(param.name, param.name)
    if param.optional:
        if value is not None and not isinstance(value, str):
            raise InvalidInput("text.not_a_string", what=Word(what), type=type(value).__name__)
        if not value or not value.replace("\x00", "").strip():
            return ""
    return clean_text(value, what, int(param.high))


def check_choice(param: Param, value) -> str:
    if isinstance(value, str) and value.strip().lower() in param.choices:
        return value.strip().lower()
    shown = repr(value) if isinstance(value, str) else str(value)
    raise InvalidInput("choice.unknown", name=param.name, got=shown[:40], choices=", ".join(param.choices))


def check(param: Param, value) -> Any:
    """One clean value (the catalogue checks model names when the model is looked up)."""
    kind = param.kind
    if kind == TEXT:
        return check_text(param, value)
    if param.task_checked:
        return value
    if kind in (INT, FLOAT):
        low, high = param.api_range
        return number(value, param.name, low, high, integer=kind == INT, low_open=param.low_open)
    if kind == BOOL:
        return flag(value, param.name)
    if kind == CHOICE:
        return check_choice(param, value)
    if kind in (MODEL, MODELS, IDS):  # names are checked by the catalogue, lists by their task
        return value
    raise ValueError(f"unknown parameter kind {kind!r}")


def checked(spec: TaskSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every API parameter of `spec`, checked; a missing one takes its default."""
    out = {}
    for param in spec.api_params():
        out[param.name] = check(param, values.get(param.name, param.default))
    return out
