"""Where one decoder block's parts live in a model, by family, and hooks that record what they compute.

The forward-pass view shows the numbers a model's own modules produce in one pass: hooks on the block's norm,
its query/key/value sources, the input of its output projection (the heads side by side), the attention
module's output, the MLP's hidden activations and output, and the block itself. Two families are read:

- Llama-style (Llama, Mistral, Qwen2/3, SmolLM2, stories260K): `model.model.layers[i]` with input_layernorm,
  self_attn (q/k/v/o_proj; Qwen3 adds q_norm/k_norm, whose outputs are the vectors RoPE rotates), a
  post_attention_layernorm and an MLP whose down_proj reads the neurons. Queries and keys are rotated by the
  model's own `apply_rotary_pos_emb` (its modeling module's) with the cos/sin the model handed the layer.
- GPT-2: `model.transformer.h[i]` with ln_1, attn (a fused c_attn split into q, k, v; c_proj), ln_2 and an MLP
  whose c_proj reads the neurons; positions enter as learned embeddings (wpe).

Anything else is refused with the model's class: a view that guessed would show numbers the model never used.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import Callable

import torch

from ..errors import PlaygroundError


@dataclass
class Block:
    family: str  # "llama" or "gpt2"
    layer: torch.nn.Module
    norm: torch.nn.Module  # before attention
    attn: torch.nn.Module
    out_proj: torch.nn.Module  # o_proj / c_proj: its input is every head's output side by side
    mlp: torch.nn.Module
    neurons: torch.nn.Module  # the MLP's last projection: its input is the hidden activations
    embed: torch.nn.Module
    positions: torch.nn.Module | None  # learned position embeddings (GPT-2); None: rotary
    final_norm: torch.nn.Module
    heads: int
    kv_heads: int
    head_dim: int


def find_block(model, layer: int, name: str) -> Block:
    """The modules of decoder block `layer` (0-based) of `model`, or a refusal naming its class."""
    base = model.base_model
    if hasattr(base, "layers") and hasattr(base, "embed_tokens"):
        blocks, attn_of = base.layers, "self_attn"
    elif hasattr(base, "h") and hasattr(base, "wte"):
        blocks, attn_of = base.h, "attn"
    else:
        raise PlaygroundError("forward.unsupported", model=name, cls=type(model).__name__)
    block = blocks[layer]
    attn = getattr(block, attn_of)
    if attn_of == "self_attn" and all(hasattr(attn, p) for p in ("q_proj", "k_proj", "v_proj", "o_proj")):
        heads = model.config.num_attention_heads
        return Block("llama", block, block.input_layernorm, attn, attn.o_proj, block.mlp, block.mlp.down_proj,
                     base.embed_tokens, None, base.norm, heads, getattr(model.config, "num_key_value_heads", heads),
                     attn.head_dim)
    if attn_of == "attn" and hasattr(attn, "c_attn") and not getattr(attn, "is_cross_attention", False):
        return Block("gpt2", block, block.ln_1, attn, attn.c_proj, block.mlp, block.mlp.c_proj, base.wte, base.wpe,
                     base.ln_f, attn.num_heads, attn.num_heads, attn.head_dim)
    raise PlaygroundError("forward.unsupported", model=name, cls=type(model).__name__)


class Recorder:
    """Forward hooks on a block's modules, recording each one's first input or output of this thread's pass (the
    caller holds the model's lock; the hooks ignore other threads all the same). Hooks return None: a value
    returned would replace what the module computes."""

    def __init__(self):
        self.seen: dict[str, object] = {}
        self._hooks: list = []
        self._me = threading.get_ident()

    def output(self, name: str, module: torch.nn.Module) -> None:
        self._hook(module.register_forward_hook(self._record(name, lambda args, kwargs, out: out), with_kwargs=True))

    def input(self, name: str, module: torch.nn.Module) -> None:
        first = lambda args, kwargs, out: args[0] if args else kwargs.get("hidden_states")  # noqa: E731
        self._hook(module.register_forward_hook(self._record(name, first), with_kwargs=True))

    def keyword(self, name: str, module: torch.nn.Module, key: str) -> None:
        self._hook(module.register_forward_hook(self._record(name, lambda args, kwargs, out: kwargs.get(key)),
                                                with_kwargs=True))

    def _record(self, name: str, pick: Callable) -> Callable:
        def hook(_module, args, kwargs, out) -> None:
            if threading.get_ident() == self._me and name not in self.seen:
                self.seen[name] = pick(args, kwargs, out)
        return hook

    def _hook(self, handle) -> None:
        self._hooks.append(handle)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._hooks:
            handle.remove()


def record_block(recorder: Recorder, b: Block) -> None:
    """What the pass must leave behind for one block: its input and output, the normed input, the projections
    that become q, k and v, the rotary cos/sin the layer got, the heads' outputs, the attention and MLP outputs."""
    recorder.input("resid_in", b.layer)
    recorder.output("resid_out", b.layer)
    recorder.output("normed", b.norm)
    recorder.output("attn_out", b.attn)
    recorder.input("heads", b.out_proj)
    recorder.output("mlp_out", b.mlp)
    recorder.input("neurons", b.neurons)
    recorder.output("token_embedding", b.embed)
    recorder.output("final_normed", b.final_norm)
    if b.positions is not None:
        recorder.output("position_embedding", b.positions)
    if b.family == "gpt2":
        recorder.output("qkv", b.attn.c_attn)
        return
    recorder.keyword("rotary", b.attn, "position_embeddings")
    for part in ("q", "k"):  # Qwen3 normalises each head's query and key before the rotation
        source = getattr(b.attn, f"{part}_norm", None) or getattr(b.attn, f"{part}_proj")
        recorder.output(part, source)
    recorder.output("v", b.attn.v_proj)


def per_head(x: torch.Tensor, head_dim: int) -> torch.Tensor:
    """(1, T, H * d) or (1, T, H, d) -> (H, T, d)."""
    return x[0].reshape(x.shape[1], -1, head_dim).transpose(0, 1)


def queries_keys_values(seen: dict, b: Block) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(H, T, d) queries and (KV, T, d) keys and values, as the attention multiplies them (after RoPE)."""
    if b.family == "gpt2":
        q, k, v = seen["qkv"].split(b.heads * b.head_dim, dim=-1)
        return per_head(q, b.head_dim), per_head(k, b.head_dim), per_head(v, b.head_dim)
    q, k, v = (per_head(seen[p], b.head_dim) for p in ("q", "k", "v"))
    cos, sin = seen["rotary"]
    rotate = sys.modules[type(b.attn).__module__].apply_rotary_pos_emb  # the model's own function
    q, k = rotate(q[None], k[None], cos, sin)
    return q[0], k[0], v
