"""Shared plumbing for encoder (BERT-style) tasks: encode within the model's limit, one locked forward."""

from __future__ import annotations

import torch

from ..errors import InvalidInput

# These families number positions from padding_idx + 1, so max_position_embeddings overstates the limit.
_OFFSET_POSITIONS = {"roberta", "xlm-roberta", "camembert", "longformer"}


def usable_positions(config) -> int | None:
    """How many token positions the model really has (None when its config does not say).

    The one reading of the position limit for every task: generation, fill-mask/NSP and attention."""
    limit = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    if limit and getattr(config, "model_type", "") in _OFFSET_POSITIONS:
        limit -= (config.pad_token_id or 0) + 1
    return limit


def local_config(folder: str) -> dict | None:
    """A local checkpoint's config.json as a dict (None when it has none, or an unreadable one): no weights loaded."""
    import json
    from pathlib import Path

    try:
        return json.loads((Path(folder) / "config.json").read_text())
    except (OSError, ValueError):
        return None


def config_positions(folder: str) -> int | None:
    """usable_positions of a local checkpoint, from its config.json alone (no weights loaded)."""
    from types import SimpleNamespace

    config = local_config(folder)
    return None if config is None else usable_positions(SimpleNamespace(**config))


def token_limit(loaded) -> int:
    """How many tokens (special tokens included) the model can take in one pass."""
    limit = usable_positions(loaded.model.config) or 512
    tok_max = getattr(loaded.tokenizer, "model_max_length", None)
    if tok_max and tok_max < 1_000_000:  # tokenizers without a limit report a huge sentinel
        limit = min(limit, tok_max)
    return limit


def encode(loaded, text: str, pair: str | None = None):
    """Tokenize `text` (and `pair`, as BERT's segment B) as the model will see it; refuse over-long input."""
    enc = loaded.tokenizer(text, pair, return_tensors="pt")
    n, limit = enc["input_ids"].shape[1], token_limit(loaded)
    if n > limit:
        raise InvalidInput("encoder.too_long", n=n, model=loaded.name, limit=limit)
    return enc


def forward(loaded, enc):
    """One forward pass, holding the model's lock (other tabs share the same weights)."""
    with loaded.lock, torch.inference_mode():
        return loaded.model(**enc.to(loaded.device))
