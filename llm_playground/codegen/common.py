"""Helpers shared by the Copy-as-Python generators: literals through repr(), numbers through int()/float()."""

from __future__ import annotations

import math
import re

from ..errors import InvalidInput
from ..tasks.validation import number

DTYPES = ("float32", "bfloat16", "float16")
TOP_N = 5  # alternatives per generated token, as the Generate tab shows
USER_MASK_RE = re.compile(re.escape("[MASK]"), re.IGNORECASE)


def text_literal(value, what: str = "text") -> str:
    """The text as the app reads it (clean_text drops NULs); always a str so repr() makes a literal."""
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be a string.")
    return value.replace("\x00", "")


def as_int(value, name: str) -> int:
    return number(value, name, -math.inf, math.inf, integer=True)


def as_float(value, name: str) -> float:
    return number(value, name, -math.inf, math.inf)


def dtype_of(dtype) -> tuple[str, str]:
    """(torch dtype name, comment): the app's 'auto' is float32 on a CPU (16-bit on a GPU)."""
    name = str(dtype or "auto").lower().removeprefix("torch.")
    if name == "auto":
        return "float32", "# The app's dtype 'auto' is float32 on a CPU (16-bit on a GPU: use the dtype it reports)."
    if name not in DTYPES:
        raise InvalidInput(f"Unknown dtype {dtype!r} (use auto, {', '.join(DTYPES)}).")
    return name, ""


def source_of(source, model) -> str:
    return text_literal(source if source else model, "model source")


def header(title: str, imports: str, source: str) -> list[str]:
    return [f"# LLM Playground, {title}: the same result with plain transformers.",
            "import torch", imports, "", f"source = {source!r}",
            "tokenizer = AutoTokenizer.from_pretrained(source)"]


DROP_EOS = [
    "if input_ids.shape[1] > 1 and input_ids[0, -1] == tokenizer.eos_token_id:",
    "    input_ids = input_ids[:, :-1]  # drop the </s> T5Tokenizer-style tokenizers append (BOS stays)"]


