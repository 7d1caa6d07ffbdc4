"""Which models the playground offers, per task.

Two sources: a built-in catalogue of Hub checkpoints (loaded on demand, needs the Hub or the
local HF cache) and local model folders under --models-dir, registered by folder name for every
task their architecture supports. Tasks of a local folder are read from config.json and the
safetensors header (which head weights exist) without loading any weights.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput, TaskNotSupported, Word

GENERATION = "generation"
FILL_MASK = "fill-mask"
NEXT_SENTENCE = "next-sentence"
TOKENIZER = "tokenizer"
ATTENTION = "attention"
TASKS = (GENERATION, FILL_MASK, NEXT_SENTENCE, TOKENIZER, ATTENTION)

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.txt", "vocab.json", "spiece.model",
                   "sentencepiece.bpe.model")
# Real models shipped inside the package (models/README.md): the app works with no flags and no network.
BUILTIN_DIR = Path(__file__).resolve().parent  # the built-in models live beside this module
# Hub ids: "name" or "owner/name"; no path tricks, no URLs.
HUB_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")


@dataclass(frozen=True)
class ModelEntry:
    name: str  # what users pick and type: a Hub id or a local folder name
    source: str  # what from_pretrained gets: the Hub id or the folder's absolute path
    tasks: frozenset[str]
    local: bool = False
    description: str = ""
    gguf_file: str = ""  # a folder holding one .gguf file: from_pretrained(source, gguf_file=...) reads it


# Why a model lacks a task, said in the refusal (the tab names alone do not tell users what is missing).
# The message for a model asked for a task it cannot do, where the reason is always the same head.
MISSING_HEAD = {FILL_MASK: "model.no_mlm_head", NEXT_SENTENCE: "model.no_nsp_head"}

_LM = frozenset({GENERATION, TOKENIZER, ATTENTION})
_BERT = frozenset({FILL_MASK, NEXT_SENTENCE, TOKENIZER, ATTENTION})
_MLM = frozenset({FILL_MASK, TOKENIZER, ATTENTION})

BUILTIN = (
    ModelEntry("gpt2", "gpt2", _LM, description="GPT-2 small, 124M, English byte-level BPE"),
    ModelEntry("distilgpt2", "distilgpt2", _LM, description="Distilled GPT-2, 82M"),
    ModelEntry("rinna/japanese-gpt2-xsmall", "rinna/japanese-gpt2-xsmall", _LM,
               description="Japanese GPT-2, 37M, sentencepiece (T5Tokenizer)"),
    ModelEntry("bert-base-uncased", "bert-base-uncased", _BERT,
               description="BERT base uncased, 110M, MLM + NSP heads, WordPiece"),
    ModelEntry("distilbert-base-uncased", "distilbert-base-uncased", _MLM,
               description="DistilBERT, 66M, MLM head (no NSP)"),
    ModelEntry("roberta-base", "roberta-base", _MLM, description="RoBERTa base, 125M, <mask> token, no NSP"),
)


# Bigger real models offered on ZeroGPU (--hub-models): they make the views worth a GPU, a base and an instruct
# model of one family show what instruction tuning changed, and all of them in bfloat16 (~5 GB with the
# catalogue above) fit the GPU a ZeroGPU call gets (48 GB) many times over.
ZERO_GPU_HUB_MODELS = ("HuggingFaceTB/SmolLM2-360M", "HuggingFaceTB/SmolLM2-360M-Instruct",
                       "Qwen/Qwen3-0.6B-Base", "Qwen/Qwen3-0.6B")


def hub_language_model(name: str) -> ModelEntry:
    """A causal LM named by --hub-models: offered for what such models do, loaded like the catalogue's."""
    return ModelEntry(name, name, _LM, description="Hub model (--hub-models)")


def _safetensors_keys(folder: Path) -> set[str]:
    """Tensor names from the safetensors headers (8-byte length + JSON), without reading weights."""
    keys: set[str] = set()
    for file in folder.glob("*.safetensors"):
        try:
            with file.open("rb") as fh:
                (size,) = struct.unpack("<Q", fh.read(8))
                if size > 100_000_000:
                    continue
                keys.update(k for k in json.loads(fh.read(size)) if k != "__metadata__")
        except (OSError, ValueError, struct.error):
            continue  # a corrupt file is reported properly when it is loaded
    return keys


def tasks_for_config(config: dict, weight_keys: set[str] | None = None) -> set[str]:
    """Tasks a checkpoint supports, from its config (and head weights when known)."""
    archs = config.get("architectures") or []
    tasks = {ATTENTION}
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
        tasks.add(GENERATION)
    if any(a.endswith(("ForMaskedLM", "ForPreTraining")) for a in archs):
        tasks.add(FILL_MASK)
    if config.get("model_type") == "bert" and any(a.endswith("ForPreTraining") for a in archs):
        tasks.add(NEXT_SENTENCE)
    if weight_keys:  # the weights have the last word: a head without weights is not a head
        names = {k.removeprefix("bert.") for k in weight_keys}
        if any(k.startswith("cls.seq_relationship") for k in names):
            tasks.add(NEXT_SENTENCE)
        else:
            tasks.discard(NEXT_SENTENCE)
        if any(k.startswith("cls.predictions") for k in names):
            tasks.add(FILL_MASK)
        elif config.get("model_type") == "bert":  # BERT's MLM head is always cls.predictions
            tasks.discard(FILL_MASK)
    return tasks


def _gguf_entry(folder: Path, description: str) -> ModelEntry | None:
    """A folder holding one .gguf file and no config.json: a quantized causal LM (GGUF files hold decoder LMs and
    their tokenizer), which transformers dequantizes when it loads it."""
    files = sorted(folder.glob("*.gguf"))
    if len(files) != 1 or (folder / "config.json").exists():
        return None
    return ModelEntry(folder.name, str(folder.resolve()), _LM, local=True, description=f"{description}, GGUF",
                      gguf_file=files[0].name)


def scan_local(models_dir: Path, description: str = "local folder") -> list[ModelEntry]:
    entries = []
    for folder in sorted(p for p in models_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if gguf := _gguf_entry(folder, description):
            entries.append(gguf)
            continue
        tasks: set[str] = set()
        has_tokenizer = any((folder / f).exists() for f in TOKENIZER_FILES)
        config_file = folder / "config.json"
        if config_file.exists():
            try:
                config = json.loads(config_file.read_text())
            except (OSError, ValueError):
                config = {}
            tasks |= tasks_for_config(config, _safetensors_keys(folder))
            if not has_tokenizer:
                tasks -= {GENERATION, FILL_MASK, NEXT_SENTENCE}
        if has_tokenizer:
            tasks.add(TOKENIZER)
        if tasks:
            entries.append(ModelEntry(folder.name, str(folder.resolve()), frozenset(tasks), local=True,
                                      description=description))
    return entries


def models_dir_note(models_dir: Path) -> tuple[str, bool]:
    """The start-up log line for a --models-dir, and whether it is a warning: what each model folder added, or why
    nothing was (a folder one level too high, whose subfolders hold the models, used to start silently empty)."""
    entries = scan_local(models_dir)
    if entries:
        added = "; ".join(f"{e.name} ({', '.join(sorted(e.tasks))})" for e in entries)
        return f"--models-dir {models_dir} added {len(entries)} model(s): {added}", False
    line = (f"--models-dir {models_dir} holds no model folder (a folder with a config.json, a tokenizer file or one .gguf file): "
            "no local models are offered")
    below = [sub for sub in sorted(models_dir.iterdir()) if sub.is_dir() and not sub.name.startswith(".")
             and scan_local(sub)]
    if below:
        line += f". Its subfolder {below[0]} holds model folders: did you mean --models-dir {below[0]}?"
    return line, True


@dataclass
class Catalog:
    models_dir: Path | None = None
    allow_custom: bool = True
    hub_models: tuple[str, ...] = ()  # causal LMs on the Hub offered besides BUILTIN (--hub-models)
    entries: dict[str, ModelEntry] = field(default_factory=dict)
    added: dict[str, ModelEntry] = field(default_factory=dict)  # registered while running (fine-tuned models)

    def __post_init__(self) -> None:
        self.refresh()

    def add(self, entry: ModelEntry) -> None:
        """Offer a model made while the server runs (a fine-tuned copy) until it is removed."""
        self.added[entry.name] = entry
        self.entries = {**self.entries, entry.name: entry}  # a new dict: readers iterating the old one are safe

    def remove(self, name: str) -> None:
        self.added.pop(name, None)
        self.entries = {n: e for n, e in self.entries.items() if n != name}

    def refresh(self) -> None:
        local = scan_local(self.models_dir) if self.models_dir and self.models_dir.is_dir() else []
        # --models-dir folders first (the operator's choice), then the Hub catalogue, then the built-in model
        # (a --models-dir folder of the same name wins over it). The service's default skips what cannot be
        # used now: offline, the built-in model is the default wherever the Hub's would be.
        self.entries = {e.name: e for e in local}
        hub = [hub_language_model(name) for name in self.hub_models]
        for e in [*BUILTIN, *hub, *scan_local(BUILTIN_DIR, "built in"), *self.added.values()]:
            self.entries.setdefault(e.name, e)

    def names(self, task: str) -> list[str]:
        return [name for name, e in self.entries.items() if task in e.tasks]

    def default(self, task: str) -> str | None:
        names = self.names(task)
        return names[0] if names else None

    def by_task(self) -> dict[str, list[str]]:
        return {task: self.names(task) for task in TASKS}

    def resolve(self, name: str, task: str) -> ModelEntry:
        """The entry for a user-supplied model name, or a specific error."""
        if name is not None and not isinstance(name, str):
            raise InvalidInput("model.not_a_string", type=type(name).__name__)
        name = (name or "").strip()
        if not name:
            raise InvalidInput("model.choose")
        entry = self.entries.get(name)
        if entry is None:
            entry = self._custom_entry(name)
        if task not in entry.tasks:
            can = ", ".join(sorted(entry.tasks)) or "nothing"
            raise TaskNotSupported(MISSING_HEAD.get(task, "model.cannot"), model=name, task=Word(task), can=can)
        return entry

    def _custom_entry(self, name: str) -> ModelEntry:
        shown = name if len(name) <= 80 else name[:77] + "..."
        if not self.allow_custom:
            raise InvalidInput("model.unknown", model=shown, models=", ".join(self.entries))
        if not HUB_ID_RE.match(name) or ".." in name:
            raise InvalidInput("model.bad_hub_id", model=shown)
        if Path(name).exists():
            # from_pretrained would read a folder relative to the working directory: only
            # --models-dir may provide local models.
            raise InvalidInput("model.local_folder", model=shown)
        # Unknown checkpoint: allow every task, the manager checks the heads once it is loaded.
        return ModelEntry(name, name, frozenset(TASKS), description="custom Hub model")
