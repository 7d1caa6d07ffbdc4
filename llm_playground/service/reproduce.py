"""Copy as Python for a result: the checked values it ran with, the model's source, and codegen.

Local folders (--models-dir) are marked in the code: the reader must use their own copy's path.
A failure here never fails the run: the panel shows a comment instead.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from typing import Any, Callable, Mapping

from .. import codegen
from ..backends.base import ModelInfo

log = logging.getLogger(__name__)
LOCAL_NOTE = "  # a local folder of the app (--models-dir): use your copy's path, or a Hub id"


def _generate(v: Mapping, info: ModelInfo, **_) -> str:
    if info.remote:  # an engine model: the openai client request that the app sent
        return codegen.generate_openai(info.source, v["prompt"], v["max_new_tokens"], v["do_sample"], v["temperature"],
                                       v["top_k"], v["top_p"], v["repetition_penalty"], v["seed"], v["num_sequences"],
                                       base_url=info.engine)
    return codegen.generate(v["model"], v["prompt"], v["max_new_tokens"], v["do_sample"], v["temperature"],
                            v["top_k"], v["top_p"], v["repetition_penalty"], v["seed"], v["no_repeat_ngram_size"],
                            v["num_sequences"], info.dtype or v["dtype"], source=info.source,
                            prefix_ids=v.get("prefix_ids") or ())


def _attention(v: Mapping, info: ModelInfo, layer: int = 0, head: Any = -1, causal: bool = False, **_) -> str:
    return codegen.attention(v["model"], v["text"], layer, head, v["text_pair"], source=info.source, causal=causal,
                             dtype=info.dtype)


def _tokenize(v: Mapping, info: ModelInfo | None, sources: Mapping[str, str] | None = None, **_) -> str:
    return codegen.tokenize(v["tokenizers"], v["text"], v["add_special_tokens"], sources=sources)


def _fine_tune(v: Mapping, info: ModelInfo, stopped_at: int | None = None, **_) -> str:
    return codegen.fine_tune(v["model"], v["train_text"], v["eval_text"], v["max_steps"], v["learning_rate"],
                             v["batch_size"], v["max_seq_len"], v["seed"], source=info.source, stopped_at=stopped_at)


def _compare(v: Mapping, info: ModelInfo, shared: bool = True, **_) -> str:
    sides = {side.upper(): (model.source, model.dtype or v[f"dtype_{side}"], v[f"do_sample_{side}"],
                            v[f"temperature_{side}"], model.local_folder) for side, model in zip("ab", v["models"])}
    return codegen.compare(v["prompt"], sides, v["max_new_tokens"], v["top_k"], v["top_p"], v["seed"], shared)


def codegen_function(name: str) -> Callable[..., str]:
    """The function `name` of whichever codegen/ module defines it: a new tab's module needs no export line."""
    for found in pkgutil.iter_modules(codegen.__path__):
        module = importlib.import_module(f"{codegen.__name__}.{found.name}")
        function = getattr(module, name, None)
        if callable(function) and getattr(function, "__module__", None) == module.__name__:
            return function
    raise LookupError(f"no codegen function named {name!r}")


def by_convention(task: str) -> Callable[..., str]:
    """The maker a task gets unless MAKERS names another: codegen's function named like the task (next-token ->
    codegen.next_token), called with the checked values its parameters name and the model's source and dtype."""
    generate_code = codegen_function(task.replace("-", "_"))
    wanted = inspect.signature(generate_code).parameters

    def make(v: Mapping, info: ModelInfo, **_) -> str:
        known = {**v, "source": info.source, "dtype": info.dtype}
        return generate_code(**{name: known[name] for name in wanted if name in known})
    return make


# The tasks whose code needs more than by_convention gives, by spec id.
MAKERS = {"generate": _generate, "attention": _attention, "compare": _compare, "tokenizer": _tokenize,
          "fine-tune": _fine_tune}


def python_code(task: str, values: Mapping, info: ModelInfo | None, local_sources=(), **extra) -> str:
    try:
        code = (MAKERS.get(task) or by_convention(task))(values, info, **extra)
    except Exception as exc:  # noqa: BLE001 - the code panel must not fail the run
        log.info("no code for %s: %s", task, exc)
        return f"# No code for this input: {exc}\n"
    sources = list(local_sources) + ([info.source] if info is not None and info.local_folder else [])
    for src in sources:
        code = code.replace(f"source = {src!r}\n", f"source = {src!r}{LOCAL_NOTE}\n", 1)
    return with_gguf_file(code, info.gguf_file) if info is not None and info.gguf_file else code


def with_gguf_file(code: str, gguf_file: str) -> str:
    """A GGUF folder's model is read with gguf_file= (transformers dequantizes it; pip install gguf)."""
    lines = code.split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("source = ")), None)
    if at is None:
        return code
    lines.insert(at + 1, f"gguf_file = {gguf_file!r}  # the folder's .gguf file (pip install gguf)")
    return "\n".join(lines).replace("from_pretrained(source", "from_pretrained(source, gguf_file=gguf_file")
