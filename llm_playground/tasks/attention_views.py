"""What each Attention view shows, as plain arrays: the data that is plotted and exported.

Views only read a stored AttentionResult, so switching view, layer, head or token never runs the
model. Each view carries only what it displays (one matrix, or a pooled overview) to keep the
browser payload and the exported JSON small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..specs import ATTENTION_VIEWS, HEAD_MAX, HEAD_MEAN, HEATMAP, MODEL_VIEW, ROLLOUT, TOKEN_VIEW
from .attention import AttentionResult, check_head, check_layer, head_matrix, rollout, token_attention

VIEWS = ATTENTION_VIEWS
# The overview draws layers x heads small matrices; beyond this many cells in all it pools blocks of
# tokens (max, so that a sharp pattern such as a diagonal stays visible) instead of sending every cell.
OVERVIEW_CELLS = 160_000


@dataclass
class ViewData:
    view: str
    title: str
    weights: np.ndarray  # heatmap/rollout [T, T]; model view [L, H, t, t]; token view [L, T]
    layer: int
    head: int | str
    token: int | None = None
    block: int = 1  # model view: tokens pooled per cell


def head_name(head: int | str) -> str:
    return {HEAD_MEAN: "mean over heads", HEAD_MAX: "max over heads"}.get(head, f"head {head}")


def pool_max(attentions: np.ndarray, block: int) -> np.ndarray:
    """Max over block x block tiles of the last two axes (the last tile may be smaller)."""
    if block == 1:
        return attentions
    t = attentions.shape[-1]
    padded_len = math.ceil(t / block) * block
    pad = [(0, 0)] * (attentions.ndim - 2) + [(0, padded_len - t)] * 2
    padded = np.pad(attentions, pad)  # weights are >= 0, so zero padding never wins a max
    side = padded_len // block
    tiles = padded.reshape(*attentions.shape[:-2], side, block, side, block)
    return tiles.max(axis=(-3, -1))


def overview_block(layers: int, heads: int, tokens: int, max_cells: int = OVERVIEW_CELLS) -> int:
    side = max(4, math.isqrt(max_cells // (layers * heads)))
    return max(1, math.ceil(tokens / side))


def view_data(result: AttentionResult, view: str, layer=0, head=HEAD_MEAN, token=0) -> ViewData:
    layer, head = check_layer(result, layer), check_head(result, head)
    if view == HEATMAP:
        return ViewData(view, f"Layer {layer}, {head_name(head)}", head_matrix(result, layer, head), layer, head)
    if view == ROLLOUT:
        fused = HEAD_MAX if head == HEAD_MAX else HEAD_MEAN  # rollout fuses heads; a single one is not a flow
        through = f"layers 0–{layer}" if layer else "layer 0"
        return ViewData(view, f"Attention rollout through {through} ({head_name(fused)})",
                        rollout(result.attentions, layer, fused), layer, fused)
    if view == TOKEN_VIEW:
        weights = token_attention(result, token, head)
        return ViewData(view, f"What token {token} '{result.labels[int(token)]}' attends to, per layer "
                              f"({head_name(head)})", weights, layer, head, int(token))
    if view == MODEL_VIEW:
        layers, heads, t, _ = result.attentions.shape
        block = overview_block(layers, heads, t)
        note = f", max over {block}×{block} token blocks" if block > 1 else ""
        return ViewData(view, f"All {layers} layers × {heads} heads{note}", pool_max(result.attentions, block),
                        layer, head, block=block)
    raise ValueError(f"unknown view {view!r}")


def export_json(result: AttentionResult, data: ViewData, decimals: int = 6) -> dict:
    """The weights of the view as shown, plus what they mean (the file the Export button writes)."""
    meaning = {
        HEATMAP: "weights[query][key]: attention of each query token (row) to each key token; rows sum to 1 "
                 "(except for the max over heads)",
        ROLLOUT: "weights[query][key]: attention rollout (Abnar & Zuidema 2020) through the layers",
        TOKEN_VIEW: "weights[layer][key]: attention of the chosen token to each key token in every layer",
        MODEL_VIEW: "weights[layer][head][query block][key block]: max attention within blocks of "
                    f"{data.block} tokens",
    }[data.view]
    return {
        "model": result.model, "view": data.view, "title": data.title, "tokens": result.tokens,
        "labels": result.labels, "layer": data.layer, "head": data.head, "token": data.token,
        "block": data.block, "causal": result.causal, "meaning": meaning,
        "weights": np.round(data.weights.astype(np.float64), decimals).tolist(),
    }
