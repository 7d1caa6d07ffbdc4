"""Self-attention weights of one forward pass, and the views computed from them.

One pass with eager attention (the only implementation that returns weights) gives, per layer and
per query head, the softmax(QK^T / sqrt(d)) matrix: row i = how query token i spreads its attention
over the key tokens, so every row sums to 1. Grouped-KV models (several query heads sharing one key/
value head) still report one matrix per query head. Everything after the pass is numpy: head
aggregation, attention rollout and per-token views re-use the stored weights without the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import InvalidInput, Message, TaskNotSupported
from ..specs import HEAD_MAX, HEAD_MEAN, MAX_ATTENTION_TOKENS
from .encoder import usable_positions
from .generation import encode_prompt
from .validation import number

# A 512x512 matrix per head already draws ~1 pixel per cell; longer inputs make heatmaps unreadable,
# the browser slow and the stored weights big (layers x heads x T^2 floats).
MAX_TOKENS = MAX_ATTENTION_TOKENS


@dataclass(frozen=True)
class AttentionResult:
    model: str
    ids: list[int]
    tokens: list[str]  # as the tokenizer names them (convert_ids_to_tokens)
    labels: list[str]  # the same tokens, readable (decoded text) for axes and pickers
    attentions: np.ndarray  # float32 [layers, heads, T, T]; rows = query tokens
    causal: bool  # no token attends to a later one (GPT/Llama-style masking)
    pair_start: int | None = None  # index of the first token of sentence B, for pairs
    kv_heads: int | None = None  # grouped-KV models: key/value heads shared by the query heads
    generated_start: int | None = None  # generated text (Generate tab): index of its first token

    @property
    def num_layers(self) -> int:
        return self.attentions.shape[0]

    @property
    def num_heads(self) -> int:
        return self.attentions.shape[1]

    @property
    def nbytes(self) -> int:
        return self.attentions.nbytes


def is_causal_lm(model) -> bool:
    return bool(getattr(model.config, "is_decoder", False) or (hasattr(model, "can_generate")
                                                               and model.can_generate()))


def token_limit(loaded) -> tuple[int, int | None]:
    """(the most tokens this model can show, its positions when they are the limit: else the view's)."""
    positions = usable_positions(loaded.model.config)
    if positions and positions < MAX_TOKENS:
        return positions, positions
    return MAX_TOKENS, None


def encode(loaded, text: str, pair: str | None) -> dict[str, torch.Tensor]:
    """Token ids as the model sees them: BERT pairs get [CLS] A [SEP] B [SEP] and segment ids."""
    tok = loaded.tokenizer
    if pair is None:
        if is_causal_lm(loaded.model):  # the prompt exactly as the Generate tab feeds it
            return {"input_ids": encode_prompt(tok, text)}
        return dict(tok(text, return_tensors="pt"))
    if is_causal_lm(loaded.model):
        raise InvalidInput("attention.pair_needs_bert", model=loaded.name)
    return dict(tok(text, pair, return_tensors="pt"))


def readable(tokenizer, token_id: int) -> str:
    """The text a token stands for; its tokenizer name when it is only part of a character."""
    text = tokenizer.decode([token_id], clean_up_tokenization_spaces=False)
    if not text.strip() or "\ufffd" in text:
        text = tokenizer.convert_ids_to_tokens(token_id)
    return text.replace("\n", "↵").strip() or "␣"


def preprocess(loaded, text: str, pair: str | None) -> dict[str, torch.Tensor]:
    """Token ids within the view's limit, on the model's device."""
    inputs = encode(loaded, text, pair)
    n = inputs["input_ids"].shape[1]
    limit, positions = token_limit(loaded)
    if n > limit and positions:
        raise InvalidInput("attention.too_long_positions", n=n, limit=limit, model=loaded.name, positions=positions)
    if n > limit:
        raise InvalidInput("attention.too_long_view", n=n, limit=limit)
    return {k: v.to(loaded.device) for k, v in inputs.items()}


def forward(loaded, inputs: dict[str, torch.Tensor]) -> np.ndarray:
    """float32 [layers, heads, T, T] from one eager pass of the base model."""
    try:
        with loaded.eager_attention() as model, torch.inference_mode():
            # The base model skips the LM head: a vocabulary projection that attention does not need.
            out = model.base_model(**inputs, output_attentions=True)
    except (TypeError, ValueError) as exc:
        raise TaskNotSupported("attention.unsupported", model=loaded.name, error=type(exc).__name__) from exc
    if not getattr(out, "attentions", None):
        raise TaskNotSupported("attention.no_weights", model=loaded.name)
    return torch.stack(out.attentions)[:, 0].float().cpu().numpy()


def postprocess(loaded, inputs: dict[str, torch.Tensor], attentions: np.ndarray, paired: bool) -> AttentionResult:
    ids = inputs["input_ids"][0].tolist()
    segments = inputs.get("token_type_ids")
    pair_start = int(segments[0].argmax()) if paired and segments is not None else None
    return AttentionResult(
        model=loaded.name, ids=ids, tokens=loaded.tokenizer.convert_ids_to_tokens(ids),
        labels=[readable(loaded.tokenizer, i) for i in ids], attentions=attentions,
        causal=bool(len(ids) > 1 and not np.triu(attentions, k=1).any()), pair_start=pair_start,
        kv_heads=getattr(loaded.model.config, "num_key_value_heads", None))


def generated_start(tokenizer, ids: list[int], text: str, prompt_chars: int) -> int | None:
    """The first token of what was generated after text[:prompt_chars]: the prompt's own token count, or
    where the whole text's tokens first differ from the prompt's (a token merged across the boundary counts
    as generated). None when nothing follows the prompt."""
    if not 0 < prompt_chars < len(text):
        return None
    prompt_ids = encode_prompt(tokenizer, text[:prompt_chars])[0].tolist()
    same = next((i for i, (a, b) in enumerate(zip(ids, prompt_ids)) if a != b), min(len(ids), len(prompt_ids)))
    return same if same < len(ids) else None


def compute_attention(loaded, text: str, pair: str | None = None) -> AttentionResult:
    """Attention weights of `text` (and optional sentence B `pair`) from one eager forward pass."""
    pair = pair if pair and pair.strip() else None
    inputs = preprocess(loaded, text, pair)
    return postprocess(loaded, inputs, forward(loaded, inputs), pair is not None)


# ---- views of the stored weights (numpy only) --------------------------------------------------

def check_layer(result: AttentionResult, layer) -> int:
    return _in_range(layer, "layer", result.num_layers, Message("detail.layers", model=result.model,
                                                                 n=result.num_layers))


def check_head(result: AttentionResult, head) -> int | str:
    """A head index, or HEAD_MEAN / HEAD_MAX; the API's -1 means the mean over heads."""
    if head in (HEAD_MEAN, HEAD_MAX):
        return head
    if head in (-1, "-1"):
        return HEAD_MEAN
    return _in_range(head, "head", result.num_heads, Message("detail.heads", model=result.model, n=result.num_heads))


def _in_range(value, name: str, count: int, why: Message) -> int:
    try:
        return number(value, name, 0, count - 1, integer=True)
    except InvalidInput as exc:
        raise InvalidInput(exc.text.with_detail(why)) from None


def combine_heads(layer_weights: np.ndarray, head: int | str) -> np.ndarray:
    """[heads, T, T] -> [T, T]: one head, their mean (rows still sum to 1) or max (they do not)."""
    if head == HEAD_MEAN:
        return layer_weights.mean(axis=0)
    if head == HEAD_MAX:
        return layer_weights.max(axis=0)
    return layer_weights[head]


def head_matrix(result: AttentionResult, layer, head) -> np.ndarray:
    """The [T, T] attention of one layer for a head (or mean/max over heads)."""
    return combine_heads(result.attentions[check_layer(result, layer)], check_head(result, head))


def rollout(attentions: np.ndarray, upto: int | None = None, head: str = HEAD_MEAN) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) through layers 0..upto.

    Each layer: combine heads, add the identity for the residual connection, renormalise rows; then
    multiply the layers so that row i says how much each input token flows into position i.
    """
    last = attentions.shape[0] - 1 if upto is None else upto
    flow = np.eye(attentions.shape[-1], dtype=np.float64)
    for layer in range(last + 1):
        a = combine_heads(attentions[layer].astype(np.float64), head) + np.eye(attentions.shape[-1])
        flow = (a / a.sum(axis=-1, keepdims=True)) @ flow
    return flow.astype(np.float32)


def token_attention(result: AttentionResult, token, head) -> np.ndarray:
    """[layers, T]: what query token `token` attends to in every layer (one head or mean/max)."""
    index = _in_range(token, "token", len(result.ids), Message("detail.tokens", n=len(result.ids)))
    head = check_head(result, head)
    return np.stack([combine_heads(layer[:, index:index + 1], head)[0] for layer in result.attentions])
