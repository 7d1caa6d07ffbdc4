"""Inside one prediction: one block of one forward pass, step by step, with the model's own numbers.

preprocess: text -> ids (as the Generate tab encodes prompts), the layer, head and position checked;
forward: one pass with hooks on the block's modules (tasks/forward_blocks.py) and output_attentions; the
scores q·kᵀ × scale are the one product computed here, from the model's own q and k, and the pass is refused
unless softmax(scores + the model's mask) reproduces the model's attention weights and weights · v its heads'
outputs (soft-capping, or anything else this view does not show, would change them); postprocess: a plain
result, vectors at the chosen position and the head's matrices over all positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import InvalidInput, PlaygroundError
from ..specs import FORWARD_PASS_TOKENS
from .encoder import usable_positions
from .forward_blocks import Block, Recorder, find_block, queries_keys_values, record_block
from .generation import Detokenizer, encode_prompt

MAX_TOKENS = FORWARD_PASS_TOKENS  # the head's T x T and T x head_dim matrices stay under ~1 MB of JSON
TOP_K, TOP_NEURONS = 5, 10


@dataclass
class ForwardPass:
    tokens: list[str]  # as the tokenizer names them (Ġ, ▁ and special tokens kept)
    pieces: list[str]  # how each token reads in the text (a special token or a broken character: its name)
    ids: list[int]
    layer: int  # 0-based
    head: int
    kv_head: int  # the key/value head this query head shares (grouped-query attention)
    layers: int  # the model's blocks
    heads: int  # its query heads
    kv_heads: int  # its key/value heads (fewer with grouped-query attention)
    mlp_neurons: int  # the MLP's hidden width
    position: int  # 0-based, the position whose next token is predicted
    rotary: bool  # positions enter inside attention (RoPE) rather than as embeddings
    scale: float
    token_embedding: list[float]  # [d] at position
    position_embedding: list[float] | None  # [d] at position (learned positions only)
    resid_in: list[float]  # [d]: the block's input at position
    normed: list[float]  # [d]: the norm before attention
    q: list  # [T][head_dim], after RoPE where the model uses it
    k: list
    v: list
    scores: list  # [T][T], None where the causal mask hides the key
    weights: list  # [T][T]
    head_output: list  # [T][head_dim]
    head_norms: list[float]  # each head's share of the attention output at position: |W_o[:, h] · out_h|
    attn_out: list[float]  # [d]
    neurons: list[dict]  # the MLP's hidden activations at position, largest |value| first: {index, value}
    mlp_out: list[float]  # [d]
    resid_out: list[float]  # [d]
    final_normed: list[float]  # [d]: the final norm of the last block's output at position
    top: list[dict]  # the next token's top-k: {token, id, prob}

    def to_dict(self, model: str) -> dict:
        out = {"model": model, **{k: v for k, v in self.__dict__.items()}}
        out["norms"] = {name: _norm(getattr(self, name)) for name in ("resid_in", "attn_out", "mlp_out", "resid_out")}
        return _rounded(out)


def preprocess(loaded, text: str, layer: int, head: int, position: int) -> tuple[torch.Tensor, int]:
    """The ids and the 0-based position (negative counts from the end), or a message saying what is out of range."""
    ids = encode_prompt(loaded.tokenizer, text)
    n, limit = ids.shape[1], min(usable_positions(loaded.model.config) or MAX_TOKENS, MAX_TOKENS)
    if n > limit:
        raise InvalidInput("forward.too_long", n=n, limit=limit, model=loaded.name)
    config = loaded.model.config.get_text_config()
    if not 0 <= layer < config.num_hidden_layers:
        raise InvalidInput("forward.bad_layer", layer=layer, last=config.num_hidden_layers - 1,
                           layers=config.num_hidden_layers, model=loaded.name)
    if not 0 <= head < config.num_attention_heads:
        raise InvalidInput("forward.bad_head", head=head, last=config.num_attention_heads - 1,
                           heads=config.num_attention_heads, model=loaded.name)
    if not -n <= position < n:
        raise InvalidInput("forward.bad_position", position=position, n=n, last=n - 1)
    return ids, position % n


def forward(loaded, ids: torch.Tensor, layer: int, head: int, position: int) -> dict:
    """One pass, recorded; the head's matrices checked against the model's own weights and outputs."""
    from .validation import out_of_memory_as_error

    b = find_block(loaded.model, layer, loaded.name)
    with loaded.eager_attention() as model, torch.inference_mode(), out_of_memory_as_error(loaded.name), \
            Recorder() as recorder:
        record_block(recorder, b)
        out = model(input_ids=ids.to(loaded.device), output_attentions=True)
        seen = recorder.seen
    q, k, v = queries_keys_values(seen, b)
    kv_head = head // (b.heads // b.kv_heads)
    weights = out.attentions[layer][0, head].float()
    scores = (q[head].float() @ k[kv_head].float().T) * b.attn.scaling
    visible = torch.ones_like(weights, dtype=torch.bool).tril()  # the causal mask; any other would fail _check
    head_output = per_head_output(seen["heads"], b, head)
    _check(loaded.name, loaded.dtype, scores, visible, weights, v[kv_head].float(), head_output)
    return {"q": q[head], "k": k[kv_head], "v": v[kv_head], "scores": scores, "visible": visible,
            "weights": weights, "head_output": head_output, "head_norms": _head_norms(seen["heads"], b, position),
            "seen": seen, "logits": out.logits[0, position].float(), "block": b, "kv_head": kv_head}


def per_head_output(heads: torch.Tensor, b: Block, head: int) -> torch.Tensor:
    return heads[0, :, head * b.head_dim:(head + 1) * b.head_dim].float()


def _head_norms(heads: torch.Tensor, b: Block, position: int) -> list[float]:
    """How much each head adds to the attention output at `position`: the norm of its slice of the output
    projection times its output (the slices sum, with the bias, to the attention output)."""
    weight = b.out_proj.weight.detach().float()  # Linear: (d, H*hd); GPT-2's Conv1D: (H*hd, d)
    if b.family == "gpt2":
        weight = weight.T
    x = heads[0, position].float()
    return [float((weight[:, h * b.head_dim:(h + 1) * b.head_dim] @ x[h * b.head_dim:(h + 1) * b.head_dim]).norm())
            for h in range(b.heads)]


def _check(name: str, dtype, scores, visible, weights, v, head_output) -> None:
    """The view's scores must be the ones the model's softmax read, and its weights · v the head's output."""
    ours = torch.softmax(scores.masked_fill(~visible, float("-inf")), dim=-1)
    # float32 agrees to rounding; a 16-bit model multiplies and normalises in 16 bits (3 significant digits), so
    # its weights differ from ours by up to a few thousandths, while capping or windowing changes them by far more
    tolerance = 1e-3 if dtype == torch.float32 else 5e-2
    if not torch.allclose(ours, weights, atol=tolerance) or \
            not torch.allclose(weights @ v, head_output, atol=tolerance * max(1.0, float(v.abs().max()))):
        raise PlaygroundError("forward.not_reproduced", model=name)


def postprocess(loaded, ids: torch.Tensor, layer: int, head: int, position: int, f: dict) -> ForwardPass:
    seen, b = f["seen"], f["block"]
    at = lambda x: x[0, position].float().tolist()  # noqa: E731 - a (1, T, d) tensor's vector at position
    id_list = ids[0].tolist()
    probs = torch.softmax(f["logits"], dim=-1)
    top = probs.topk(min(TOP_K, probs.shape[-1]))
    detok = Detokenizer(loaded.tokenizer, id_list)
    names, reader = loaded.tokenizer.convert_ids_to_tokens(id_list), Detokenizer(loaded.tokenizer, [])
    pieces = [reader.push(i) or name for i, name in zip(id_list, names)]
    neurons = seen["neurons"][0, position].float()
    order = neurons.abs().argsort(descending=True)[:TOP_NEURONS]
    scores = f["scores"].masked_fill(~f["visible"], float("nan")).tolist()
    return ForwardPass(
        names, pieces, id_list, layer, head, f["kv_head"],
        loaded.model.config.get_text_config().num_hidden_layers, b.heads, b.kv_heads, neurons.shape[-1], position,
        b.positions is None, float(b.attn.scaling), at(seen["token_embedding"]),
        at(seen["position_embedding"]) if "position_embedding" in seen else None,
        at(seen["resid_in"]), at(seen["normed"]), f["q"].float().tolist(), f["k"].float().tolist(),
        f["v"].float().tolist(), [[None if s != s else s for s in row] for row in scores], f["weights"].tolist(),
        f["head_output"].tolist(), f["head_norms"], at(_first(seen["attn_out"])),
        [{"index": int(i), "value": float(neurons[i])} for i in order],
        at(seen["mlp_out"]), at(_first(seen["resid_out"])), at(seen["final_normed"]),
        [{"token": detok.alternative(int(i)), "id": int(i), "prob": float(p)} for p, i in zip(top.values, top.indices)])


def _first(x):
    """A module's output, or the first of the tuple some modules return (the attention and its weights)."""
    return x[0] if isinstance(x, tuple) else x


def _norm(vector: list[float]) -> float:
    return float(torch.tensor(vector).norm())


def _rounded(x, digits: int = 5):
    """Floats to `digits` significant digits: the JSON of a 128-token pass stays small, the numbers readable."""
    if isinstance(x, float):
        return float(f"{x:.{digits}g}")
    if isinstance(x, list):
        return [_rounded(i, digits) for i in x]
    if isinstance(x, dict):
        return {k: _rounded(v, digits) for k, v in x.items()}
    return x


def forward_pass(loaded, text: str, layer: int = 0, head: int = 0, position: int = -1) -> ForwardPass:
    ids, position = preprocess(loaded, text, layer, head, position)
    return postprocess(loaded, ids, layer, head, position, forward(loaded, ids, layer, head, position))
