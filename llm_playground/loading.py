"""The only place that calls from_pretrained.

Chooses one head class per checkpoint so that a single copy of the weights serves every tab
(BERT -> BertForPreTraining: MLM + NSP + attention; causal LMs -> AutoModelForCausalLM: generation
+ attention), records which head weights were missing from the checkpoint (so tasks never run on a
randomly initialised head), and turns loader exceptions into messages a user can act on.
"""

from __future__ import annotations

import logging

import torch

from .catalog import FILL_MASK, GENERATION, NEXT_SENTENCE, ModelEntry
from .errors import ModelLoadError

log = logging.getLogger(__name__)

SAFE = {"trust_remote_code": False}  # never run code shipped inside a checkpoint


def load_tokenizer(entry: ModelEntry, local_only: bool):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(entry.source, local_files_only=local_only, **SAFE)
    except Exception as exc:  # noqa: BLE001 - every loader failure becomes a user message
        raise ModelLoadError(explain_load_error(exc, entry, local_only)) from exc


def _head_class(config):
    import transformers as tf

    archs = config.architectures or []
    if config.model_type == "bert":
        return tf.BertForPreTraining  # both heads: fill-mask and next-sentence share one copy
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
        return tf.AutoModelForCausalLM
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
        config = AutoConfig.from_pretrained(entry.source, local_files_only=local_only, **SAFE)
        cls = _head_class(config)
        model, info = cls.from_pretrained(
            entry.source, config=config, dtype=dtype, local_files_only=local_only,
            use_safetensors=None, output_loading_info=True, **SAFE,
        )
        model.to(device).eval()
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(explain_load_error(exc, entry, local_only)) from exc
    return model, head_tasks(model, list(info.get("missing_keys", [])))


def _chain(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def explain_load_error(exc: Exception, entry: ModelEntry, local_only: bool) -> str:
    from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError

    name = entry.name
    chain = list(_chain(exc))
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, (torch.OutOfMemoryError, MemoryError)) for e in chain):
        return f"Not enough memory to load '{name}'. Try a smaller model or a 16-bit dtype."
    if any(isinstance(e, GatedRepoError) for e in chain):
        return f"Model '{name}' is gated on the Hugging Face Hub; gated models are not supported here."
    if any(isinstance(e, RepositoryNotFoundError) for e in chain) or "is not a valid model identifier" in text:
        return f"Model '{name}' was not found on the Hugging Face Hub. Check the spelling (e.g. 'gpt2')."
    offline_words = ("couldn't connect", "cannot find the requested files", "offline")
    if not entry.local and (any(isinstance(e, LocalEntryNotFoundError) for e in chain)
                            or (local_only and any(w in text.lower() for w in offline_words))):
        return (f"Model '{name}' is not in this machine's Hugging Face cache and the Hub cannot be reached. "
                "Connect to the internet, pre-download it (hf download " + name + "), or pick a local model.")
    if "deserializ" in text.lower() or "safetensor" in text.lower() or any(isinstance(e, EOFError) for e in chain):
        return f"The weights of '{name}' are corrupt or truncated and could not be read."
    if "Unrecognized model" in text or "does not appear to have a file named config.json" in text:
        return f"'{name}' has no supported model configuration (config.json)."
    log.exception("unexpected load failure for %s", name, exc_info=exc)
    first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"Could not load '{name}': {type(exc).__name__}{': ' + first if first else ''}"
