"""Helpers shared by the Copy-as-Python generators: literals through repr(), numbers through int()/float()."""

from __future__ import annotations

import math
import re

from ..errors import InvalidInput, Word
from ..tasks.validation import number

DTYPES = ("float32", "bfloat16", "float16", "int8")
TOP_N = 5  # alternatives per generated token, as the Generate tab shows
USER_MASK_RE = re.compile(re.escape("[MASK]"), re.IGNORECASE)


def text_literal(value, what: str = "text") -> str:
    """The text as the app reads it (clean_text drops NULs); always a str so repr() makes a literal."""
    if not isinstance(value, str):
        raise InvalidInput("text.must_be_a_string", what=Word(what))
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
        raise InvalidInput("choice.unknown", name="dtype", got=repr(dtype), choices=", ".join(("auto", *DTYPES)))
    if name == "int8":  # loaded in float32, then quantized (int8_lines)
        return "float32", "# int8: the app loads float32 weights and quantizes every linear layer (below)."
    return name, ""


def int8_lines(model: str = "model", indent: str = "") -> list[str]:
    """The app's int8 weights (llm_playground/models/quantize.py): GPT-2's Conv1D layers as nn.Linear, then torch's
    dynamic int8 quantization of every nn.Linear but gated MLPs' down projections."""
    lines = ["# int8 weights as the app makes them: Conv1D layers (GPT-2) as nn.Linear, then dynamic quantization",
             "from transformers.pytorch_utils import Conv1D",
             f"for parent in list({model}.modules()):",
             "    for child_name, child in list(parent.named_children()):",
             "        if isinstance(child, Conv1D):",
             "            linear = torch.nn.Linear(*child.weight.shape)",
             "            linear.weight.data, linear.bias.data = child.weight.data.T.contiguous(), child.bias.data",
             "            setattr(parent, child_name, linear)",
             "from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic",
             "# gated MLPs' down projections stay float32: their inputs have outlier channels",
             f"layers = {{name: per_channel_dynamic_qconfig for name, layer in {model}.named_modules()",
             "          if isinstance(layer, torch.nn.Linear) and name.rsplit('.', 1)[-1] != 'down_proj'}",
             f"{model} = quantize_dynamic({model}, layers, dtype=torch.qint8)"]
    return [indent + line for line in lines]


def source_of(source, model) -> str:
    return text_literal(source if source else model, "model source")


def header(title: str, imports: str, source: str) -> list[str]:
    return [f"# LLM Playground, {title}: the same result with plain transformers.",
            "import torch", imports, "", f"source = {source!r}",
            "tokenizer = AutoTokenizer.from_pretrained(source)"]


DROP_EOS = [
    "if input_ids.shape[1] > 1 and input_ids[0, -1] == tokenizer.eos_token_id:",
    "    input_ids = input_ids[:, :-1]  # drop the </s> T5Tokenizer-style tokenizers append (BOS stays)"]


