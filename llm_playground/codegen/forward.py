"""Copy as Python for Inside one prediction: one block of one forward pass, read with forward hooks on the model's
own modules (as tasks/forward_pass.py and tasks/forward_blocks.py read it), for Llama-style models and GPT-2."""

from __future__ import annotations

from .common import DROP_EOS, as_int, dtype_of, header, source_of, text_literal

_HOOKS = [
    "seen = {}  # what each module computed in the pass: forward hooks return None, so nothing is changed",
    "def keep(name, pick):",
    "    def hook(module, args, kwargs, output):",
    "        seen.setdefault(name, pick(args, kwargs, output))",
    "    return hook",
    "first_input = lambda args, kwargs, output: args[0] if args else kwargs['hidden_states']",
    "output_of = lambda args, kwargs, output: output[0] if isinstance(output, tuple) else output",
    "base = model.base_model",
    "if hasattr(base, 'layers'):  # Llama-style: RMSNorm, q/k/v/o_proj, rotary positions, a gated MLP",
    "    block = base.layers[layer]",
    "    attn, norm, out_proj, neurons = block.self_attn, block.input_layernorm, block.self_attn.o_proj, "
    "block.mlp.down_proj",
    "    heads, kv_heads, head_dim = model.config.num_attention_heads, model.config.num_key_value_heads, attn.head_dim",
    "    watched = {'q': (getattr(attn, 'q_norm', None) or attn.q_proj, output_of),",
    "               'k': (getattr(attn, 'k_norm', None) or attn.k_proj, output_of), 'v': (attn.v_proj, output_of),",
    "               'rotary': (attn, lambda args, kwargs, output: kwargs['position_embeddings'])}",
    "else:  # GPT-2: LayerNorm, a fused c_attn, learned positions",
    "    block = base.h[layer]",
    "    attn, norm, out_proj, neurons = block.attn, block.ln_1, block.attn.c_proj, block.mlp.c_proj",
    "    heads = kv_heads = attn.num_heads",
    "    head_dim = attn.head_dim",
    "    watched = {'qkv': (attn.c_attn, output_of)}",
    "watched |= {'resid_in': (block, first_input), 'resid_out': (block, output_of), 'normed': (norm, output_of),",
    "            'attn_out': (attn, output_of), 'heads': (out_proj, first_input), 'mlp_out': (block.mlp, output_of),",
    "            'neurons': (neurons, first_input)}",
    "hooks = [module.register_forward_hook(keep(name, pick), with_kwargs=True) for name, (module, pick) in "
    "watched.items()]",
]

_HEAD = [
    "per_head = lambda x: x[0].reshape(x.shape[1], -1, head_dim).transpose(0, 1)  # (heads, tokens, head_dim)",
    "if 'qkv' in seen:",
    "    q, k, v = (per_head(x) for x in seen['qkv'].split(heads * head_dim, dim=-1))",
    "else:",
    "    q, k, v = per_head(seen['q']), per_head(seen['k']), per_head(seen['v'])",
    "    rotate = sys.modules[type(attn).__module__].apply_rotary_pos_emb  # the model's own rotation",
    "    cos, sin = seen['rotary']",
    "    q, k = (x[0] for x in rotate(q[None], k[None], cos, sin))",
    "kv_head = head // (heads // kv_heads)  # grouped-query attention: query heads share a key/value head",
    "q, k, v = q[head].float(), k[kv_head].float(), v[kv_head].float()",
    "scores = q @ k.T * attn.scaling",
    "causal = torch.ones_like(scores, dtype=torch.bool).tril()",
    "weights = torch.softmax(scores.masked_fill(~causal, float('-inf')), dim=-1)",
    "# the model's own weights: to rounding in float32, to 16-bit precision in bfloat16/float16",
    "tolerance = 1e-3 if model.dtype == torch.float32 else 5e-2",
    "assert torch.allclose(weights, out.attentions[layer][0, head].float(), atol=tolerance)",
    "head_output = weights @ v",
    "at = lambda x: x[0, position].float()",
    "probs = torch.softmax(out.logits[0, position].float(), dim=-1).topk(5)",
    "print('tokens:', tokenizer.convert_ids_to_tokens(input_ids[0]))",
    "print(f'layer {layer}, head {head} (key/value head {kv_head}), position {position}')",
    "print('scores (masked: -inf):', scores.masked_fill(~causal, float('-inf'))[position])",
    "print('weights:', weights[position])",
    "print('head output:', head_output[position])",
    "for name in ('resid_in', 'attn_out', 'mlp_out', 'resid_out'):",
    "    print(f'|{name}| = {at(seen[name]).norm():.4f}')",
    "print('resid_out = resid_in + attn_out + mlp_out:',",
    "      torch.allclose(at(seen['resid_out']), at(seen['resid_in']) + at(seen['attn_out']) + at(seen['mlp_out']),",
    "                     atol=1e-4 if model.dtype == torch.float32 else 5e-2 * at(seen['resid_out']).abs().max()))",
    "strongest = at(seen['neurons']).abs().topk(10).indices",
    "print('strongest MLP neurons:', [(int(i), round(at(seen['neurons'])[i].item(), 4)) for i in strongest])",
    "print('next token:', [(tokenizer.decode([i]), round(p, 4)) for p, i in zip(probs.values.tolist(), "
    "probs.indices.tolist())])",
]


def forward_pass(model: str, text: str, layer: int = 0, head: int = 0, position: int = -1, *,
                 source: str | None = None, dtype: str = "float32") -> str:
    """Hooks on block `layer`'s modules record its input, norm, projections, heads, attention and MLP outputs in
    one pass with eager attention (the only one that returns weights); q and k are rotated by the model's own
    function; the scores are q·kᵀ × the module's scale, checked against the model's attention weights."""
    text = text_literal(text)
    layer, head, position = as_int(layer, "layer"), as_int(head, "head"), as_int(position, "position")
    name, _ = dtype_of(dtype)
    lines = header("Inside one prediction", "import sys\nfrom transformers import AutoModelForCausalLM, AutoTokenizer",
                   source_of(source, model))
    lines += [f"model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.{name}, attn_implementation='eager')",
              "", f"text = {text!r}", 'input_ids = tokenizer(text, return_tensors="pt").input_ids', *DROP_EOS,
              f"layer, head = {layer}, {head}", f"position = {position} % input_ids.shape[1]  # -1 = the last token",
              *_HOOKS,
              "with torch.no_grad():",
              "    out = model(input_ids, output_attentions=True)",
              "for hook in hooks:",
              "    hook.remove()",
              *_HEAD]
    return "\n".join(lines) + "\n"
