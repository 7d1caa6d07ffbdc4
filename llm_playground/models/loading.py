"""The only place that calls from_pretrained.

Chooses one head class per checkpoint so that a single copy of the weights serves every tab
(BERT -> BertForPreTraining: MLM + NSP + attention; causal LMs -> AutoModelForCausalLM: generation
+ attention), records which head weights were missing from the checkpoint (so tasks never run on a
randomly initialised head), and turns loader exceptions into messages a user can act on.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from pathlib import Path

import torch

from ..errors import Message, ModelLoadError
from . import quantize
from .catalog import FILL_MASK, GENERATION, NEXT_SENTENCE, ModelEntry

log = logging.getLogger(__name__)

SAFE = {"trust_remote_code": False}  # never run code shipped inside a checkpoint

# from_pretrained temporarily patches process-wide state (e.g. PreTrainedModel.tie_weights, the default
# device for the meta-device init): two loads of different models in parallel interleave those patches
# and can leave them applied for good ("Cannot copy out of meta tensor" on every later load). So loads
# run one at a time in the whole process. This is the one process-wide lock of the app, because the
# state it protects is transformers', not ours; loads of the same model are still single-flighted by
# the manager, and a model already loaded is never behind this lock.
_FROM_PRETRAINED = threading.Lock()


@contextlib.contextmanager
def one_load_at_a_time():
    with _FROM_PRETRAINED:
        yield


def worth_remembering(error: ModelLoadError) -> bool:
    """A failure that will happen again on the next try (not an out-of-memory, which passes as others
    unload): the manager answers it from memory for a while instead of re-reading the checkpoint."""
    return error.key != "load.out_of_memory"


def folder_mtime(source: str) -> float:
    """The newest modification time of a local model folder's files (0 for a Hub id): a change means
    someone fixed or replaced the checkpoint."""
    folder = Path(source)
    if not folder.is_absolute() or not folder.is_dir():
        return 0.0
    return max((f.stat().st_mtime for f in folder.iterdir() if f.is_file()), default=0.0)


def load_tokenizer(entry: ModelEntry, local_only: bool):
    from transformers import AutoTokenizer

    try:
        with one_load_at_a_time():
            return AutoTokenizer.from_pretrained(entry.source, local_files_only=local_only, **SAFE, **_gguf(entry))
    except Exception as exc:  # noqa: BLE001 - every loader failure becomes a user message
        raise ModelLoadError(explain_load_error(exc, entry, local_only)) from exc


def _gguf(entry: ModelEntry) -> dict:
    """A GGUF folder's file for from_pretrained (it dequantizes the weights; needs the `gguf` package)."""
    return {"gguf_file": entry.gguf_file} if entry.gguf_file else {}


def _head_class(config, entry: ModelEntry):
    import transformers as tf

    archs = config.architectures or []
    if config.model_type == "bert" and (FILL_MASK in entry.tasks or NEXT_SENTENCE in entry.tasks):
        return tf.BertForPreTraining  # both heads: fill-mask and next-sentence share one copy
    if config.model_type == "bert":
        return tf.AutoModel  # a bare encoder (e.g. MiniLM): no head weights to report missing
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs) or entry.gguf_file:
        return tf.AutoModelForCausalLM  # a GGUF file's config names no architecture: it holds a causal LM
    if any(a.endswith(("ForMaskedLM", "ForPreTraining")) for a in archs):
        return tf.AutoModelForMaskedLM
    return tf.AutoModel


def head_tasks(model, missing_keys: list[str]) -> set[str]:
    """Tasks whose head weights were actually in the checkpoint."""
    from transformers.models.auto.modeling_auto import (MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
                                                        MODEL_FOR_MASKED_LM_MAPPING_NAMES)

    prefix = model.base_model_prefix
    head_missing = [k for k in missing_keys if not k.startswith(prefix + ".")]
    name = type(model).__name__
    tasks = set()
    if name == "BertForPreTraining":
        if not any(k.startswith("cls.predictions") for k in head_missing):
            tasks.add(FILL_MASK)
        if not any(k.startswith("cls.seq_relationship") for k in head_missing):
            tasks.add(NEXT_SENTENCE)
        return tasks
    if head_missing:
        return tasks
    if name in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values():
        tasks.add(GENERATION)
    if name in MODEL_FOR_MASKED_LM_MAPPING_NAMES.values():
        tasks.add(FILL_MASK)
    return tasks


def load_model(entry: ModelEntry, device: str, dtype: torch.dtype, local_only: bool):
    """-> (model in eval mode on device, set of head tasks it really has)."""
    from transformers import AutoConfig

    try:
        with one_load_at_a_time():
            config = AutoConfig.from_pretrained(entry.source, local_files_only=local_only, **SAFE, **_gguf(entry))
            cls = _head_class(config, entry)
            model, info = cls.from_pretrained(
                entry.source, config=config, dtype=torch.float32 if dtype == quantize.INT8 else dtype,
                local_files_only=local_only, use_safetensors=None, output_loading_info=True, **SAFE, **_gguf(entry),
            )
        model.to(device).eval()
        if dtype == quantize.INT8:
            quantize.int8(model)
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(explain_load_error(exc, entry, local_only)) from exc
    return model, head_tasks(model, list(info.get("missing_keys", [])))


def _chain(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def explain_load_error(exc: Exception, entry: ModelEntry, local_only: bool) -> Message:
    from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError

    name = entry.name
    chain = list(_chain(exc))
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, (torch.OutOfMemoryError, MemoryError)) for e in chain):
        return Message("load.out_of_memory", model=name)
    if any(isinstance(e, GatedRepoError) for e in chain):
        return Message("load.gated", model=name)
    if any(isinstance(e, RepositoryNotFoundError) for e in chain) or "is not a valid model identifier" in text:
        return Message("load.not_on_hub", model=name)
    offline_words = ("couldn't connect", "cannot find the requested files", "offline")
    if not entry.local and (any(isinstance(e, LocalEntryNotFoundError) for e in chain)
                            or (local_only and any(w in text.lower() for w in offline_words))):
        return Message("load.offline", model=name)
    known = _known_problem(name, text, chain)
    if known:
        log.warning("could not load %s: %s", name, known)  # one line: the manager remembers the failure
        return known
    log.exception("unexpected load failure for %s", name, exc_info=exc)
    first = _without_paths(str(exc).strip().splitlines()[0][:200], entry) if str(exc).strip() else ""
    # the library's own words, which have no translation
    return Message("load.failed", model=name, error=f"{type(exc).__name__}{': ' + first if first else ''}")


def _known_problem(name: str, text: str, chain: list) -> Message | None:
    lower = text.lower()
    if "contains custom code" in lower or "trust_remote_code" in lower:
        return Message("load.remote_code", model=name)
    if "no file named" in lower or "does not appear to have a file named pytorch_model" in lower:
        return Message("load.no_weights", model=name)
    if "deserializ" in lower or "safetensor" in lower or any(isinstance(e, EOFError) for e in chain):
        return Message("load.corrupt", model=name)
    if "Unrecognized model" in text or "does not appear to have a file named config.json" in text:
        return Message("load.no_config", model=name)
    return None


def _without_paths(text: str, entry: ModelEntry) -> str:
    """The server's folders are nobody's business: the model's folder becomes its name, other paths go."""
    text = text.replace(entry.source, entry.name)
    return re.sub(r"(?<![\w.])/(?:[^\s'\"/]+/)+[^\s'\"]*", "<path>", text)
