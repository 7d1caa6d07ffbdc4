"""Inside one prediction (tasks/forward_pass.py) against an independent computation with plain transformers: the
real stories260K (Llama: RoPE, grouped-query attention) and a tiny random GPT-2 (learned positions, fused c_attn).
The reference recomputes each step from the model's modules and its hidden states; the task reads hooks."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel

from llm_playground.errors import InvalidInput, PlaygroundError
from llm_playground.tasks import forward_pass as fp

from ..fixtures import SHARED_MODELS

TEXT = "Once upon a time there was a little girl named Lily"


def run(loaded, layer: int, head: int, position: int = -1, text: str = TEXT):
    ids, position = fp.preprocess(loaded, text, layer, head, position)
    f = fp.forward(loaded, ids, layer, head, position)
    return ids, fp.postprocess(loaded, ids, layer, head, position, f)


def close(ours, theirs, atol=1e-4):
    ours = ours.float() if isinstance(ours, torch.Tensor) else torch.tensor(ours, dtype=torch.float32)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert torch.allclose(ours, theirs.float(), atol=atol), (ours - theirs).abs().max()


def reference(source: str, ids: torch.Tensor, layer: int, head: int, position: int) -> dict:
    """Every number of the view, recomputed: projections of the block's modules applied to the hidden state the
    model handed the block, the model's own rotary embedding, softmax of the masked scores, the output projection of
    the heads' outputs, the MLP of the updated residual stream."""
    model = AutoModelForCausalLM.from_pretrained(source, attn_implementation="eager").eval()
    with torch.no_grad():
        out = model(ids, output_hidden_states=True, output_attentions=True)
        h = out.hidden_states[layer][0]
        T = h.shape[0]
        if model.config.model_type == "gpt2":
            block, d = model.transformer.h[layer], model.config.n_embd
            heads = model.config.n_head
            hd, kv_heads = d // heads, heads
            q, k, v = (x.view(T, heads, hd).transpose(0, 1) for x in block.attn.c_attn(block.ln_1(h)).split(d, -1))
            scale = hd ** -0.5
            attn_norm, project, mlp_norm = block.ln_1, block.attn.c_proj, block.ln_2
        else:
            from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

            block, attn = model.model.layers[layer], model.model.layers[layer].self_attn
            heads, kv_heads, hd = model.config.num_attention_heads, model.config.num_key_value_heads, attn.head_dim
            x = block.input_layernorm(h)
            q = attn.q_proj(x).view(T, heads, hd).transpose(0, 1)
            k = attn.k_proj(x).view(T, kv_heads, hd).transpose(0, 1)
            v = attn.v_proj(x).view(T, kv_heads, hd).transpose(0, 1)
            cos, sin = model.model.rotary_emb(x[None], torch.arange(T)[None])
            q, k = (t[0] for t in apply_rotary_pos_emb(q[None], k[None], cos, sin))
            scale = hd ** -0.5
            attn_norm, project, mlp_norm = block.input_layernorm, attn.o_proj, block.post_attention_layernorm
        group = heads // kv_heads
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        scores = (q @ k.repeat_interleave(group, 0).transpose(1, 2)) * scale
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        outputs = weights @ v.repeat_interleave(group, 0)  # (H, T, hd)
        attn_out = project(outputs.transpose(0, 1).reshape(T, heads * hd))
        mlp_out = block.mlp(mlp_norm(h + attn_out))
        return {"model": model, "out": out, "h": h, "normed": attn_norm(h), "q": q[head], "k": k[head // group],
                "v": v[head // group], "scores": scores[head], "weights": weights[head],
                "head_output": outputs[head], "attn_out": attn_out[position], "mlp_out": mlp_out[position],
                "resid_out": (h + attn_out + mlp_out)[position], "mask": mask}


@pytest.fixture(scope="module")
def stories(shared_manager):
    return shared_manager.get("stories260K", "generation")


@pytest.fixture(scope="module")
def gpt2(shared_manager):
    return shared_manager.get("tiny-gpt2", "generation")


@pytest.mark.parametrize("which,layer,head,position", [("stories", 2, 5, -1), ("stories", 0, 0, 3),
                                                       ("stories", 4, 7, -1), ("gpt2", 1, 1, -1), ("gpt2", 0, 0, 2)])
def test_every_step_equals_plain_transformers(request, which, layer, head, position):
    loaded = request.getfixturevalue(which)
    ids, r = run(loaded, layer, head, position)
    ref = reference(loaded.entry.source, ids, layer, head, r.position)
    out, p = ref["out"], r.position
    close(r.resid_in, ref["h"][p])
    close(r.normed, ref["normed"][p])
    for name in ("q", "k", "v", "head_output", "weights"):
        close(getattr(r, name), ref[name])
    close(r.weights, out.attentions[layer][0, head])  # the Attention tab's numbers: output_attentions
    scores = torch.tensor([[float("nan") if s is None else s for s in row] for row in r.scores])
    assert torch.equal(scores.isnan(), ~ref["mask"])  # the causal mask is shown as masked, not as numbers
    close(torch.nan_to_num(scores, nan=0.0), ref["scores"].masked_fill(~ref["mask"], 0.0))
    for name in ("attn_out", "mlp_out", "resid_out"):
        close(getattr(r, name), ref[name])
    close(r.resid_out, torch.tensor(r.resid_in) + torch.tensor(r.attn_out) + torch.tensor(r.mlp_out))
    if layer + 1 < len(out.hidden_states) - 1:  # the last entry is taken after the final norm
        close(r.resid_out, out.hidden_states[layer + 1][0, p])
    probs = torch.softmax(out.logits[0, p], -1).topk(5)
    assert [t["id"] for t in r.top] == probs.indices.tolist()
    close([t["prob"] for t in r.top], probs.values)
    assert r.rotary == (which == "stories") and (r.position_embedding is None) == r.rotary
    model = ref["model"]
    with torch.no_grad():
        close(r.token_embedding, model.get_input_embeddings()(ids)[0, p])
        if not r.rotary:
            close(r.position_embedding, model.transformer.wpe(torch.arange(ids.shape[1]))[p])
    close(r.final_normed, out.hidden_states[-1][0, p])  # the last hidden state is taken after the final norm
    assert r.pieces[p] and "".join(r.pieces[1:]).strip() in TEXT


def test_grouped_query_heads_share_their_key_value_head(stories):
    assert stories.model.config.num_key_value_heads < stories.model.config.num_attention_heads
    _, r0 = run(stories, 1, 0)
    _, r1 = run(stories, 1, 1)
    _, r2 = run(stories, 1, 2)
    assert r0.kv_head == r1.kv_head == 0 and r2.kv_head == 1
    assert r0.k == r1.k and r0.v == r1.v and r0.q != r1.q


def test_head_shares_sum_to_the_attention_output(stories):
    """The projection of the concatenated heads is the sum of each head's slice: the per-head norms are of those."""
    _, r = run(stories, 3, 0)
    assert len(r.head_norms) == stories.model.config.num_attention_heads and all(n >= 0 for n in r.head_norms)
    total = torch.tensor(r.attn_out).norm()
    assert sum(r.head_norms) >= total - 1e-4  # the triangle inequality: the parts are at least the whole


def test_a_model_that_computes_its_scores_otherwise_is_refused(stories, monkeypatch):
    """Numbers the model did not use are never shown: an attention that soft-caps (here: scales) its scores
    differently from q·kᵀ × scale fails the check instead of showing a matrix the softmax never read."""
    from transformers.models.llama import modeling_llama

    real = modeling_llama.eager_attention_forward

    def capped(module, query, key, value, attention_mask, scaling, **kwargs):
        return real(module, query, key, value, attention_mask, scaling=scaling * 3, **kwargs)

    monkeypatch.setattr(modeling_llama, "eager_attention_forward", capped)
    with pytest.raises(PlaygroundError) as refused:
        run(stories, 1, 0)
    assert refused.value.key == "forward.not_reproduced"


@pytest.mark.parametrize("args,key", [((9, 0, -1), "forward.bad_layer"), ((0, 99, -1), "forward.bad_head"),
                                      ((0, 0, 500), "forward.bad_position")])
def test_out_of_range_choices_say_what_the_model_has(stories, args, key):
    with pytest.raises(InvalidInput) as refused:
        fp.preprocess(stories, TEXT, *args)
    assert refused.value.key == key and " - 1" not in str(refused.value)
    assert refused.value.message("ja") != str(refused.value)


def test_the_payload_stays_under_a_megabyte_at_the_longest_input(tmp_path):
    """A GPT-2-sized head (head_dim 64, d_model 768, 3072 MLP neurons) at the view's 128 tokens."""
    from types import SimpleNamespace

    from transformers import GPT2TokenizerFast

    from llm_playground.models.loaded import LoadedModel

    config = GPT2Config(n_embd=768, n_head=12, n_layer=1, n_positions=128, vocab_size=512)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config).eval()
    tokenizer = GPT2TokenizerFast.from_pretrained(str(SHARED_MODELS / "gpt2-tokenizer"))
    entry = SimpleNamespace(name="gpt2-sized", source="")
    loaded = LoadedModel(entry, model, tokenizer, "cpu", torch.float32, 0, {"generation"}, 0.0)
    ids = torch.randint(0, 512, (1, fp.MAX_TOKENS))
    f = fp.forward(loaded, ids, 0, 3, fp.MAX_TOKENS - 1)
    payload = json.dumps(fp.postprocess(loaded, ids, 0, 3, fp.MAX_TOKENS - 1, f).to_dict("gpt2-sized"))
    assert len(payload) < 1_000_000, len(payload)
    print("payload bytes at the longest input:", len(payload))
    with pytest.raises(InvalidInput):
        fp.preprocess(loaded, "word " * (fp.MAX_TOKENS + 1), 0, 0, -1)


@pytest.mark.slow
@pytest.mark.parametrize("which,layer,head,dtype", [("stories", 2, 5, None), ("gpt2", 1, 0, None),
                                                   ("stories", 1, 3, "bfloat16")])
def test_copy_as_python_reproduces_the_numbers_offline(request, shared_manager, tmp_path, which, layer, head, dtype):
    """The copied code (plain transformers, hooks on the same modules) runs offline and prints the same norms,
    neurons and next-token probabilities as the view."""
    import os
    import re
    import subprocess
    import sys

    from llm_playground.codegen.forward import forward_pass

    loaded = request.getfixturevalue(which)
    if dtype:  # the copied code checks the weights within the model's own precision (it failed in bfloat16)
        loaded = shared_manager.get(loaded.name, "generation", dtype=dtype)
    _, r = run(loaded, layer, head)
    script = tmp_path / "forward.py"
    script.write_text(forward_pass(loaded.name, TEXT, layer, head, -1, source=loaded.entry.source,
                                   dtype=dtype or "float32"))
    printed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                             env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert printed.returncode == 0, printed.stderr[-2000:]
    norms = dict(re.findall(r"\|(\w+)\| = ([\d.]+)", printed.stdout))
    tolerance = 2e-4 if dtype is None else 2e-2
    for name in ("resid_in", "attn_out", "mlp_out", "resid_out"):
        expected = torch.tensor(getattr(r, name)).norm().item()
        assert abs(float(norms[name]) - expected) < tolerance * max(1.0, expected), (name, norms)
    assert "resid_out = resid_in + attn_out + mlp_out: True" in printed.stdout
    if dtype:
        return  # 16-bit: the same computation in the same dtype, but ranks of near-equal neurons may differ
    neurons = [int(i) for i in re.findall(r"\((\d+), -?[\d.]+\)", printed.stdout.split("strongest MLP neurons:")[1])]
    assert neurons == [n["index"] for n in r.neurons]
    probs = [float(p) for p in re.findall(r", ([\d.]+)\)", printed.stdout.split("next token:")[1])]
    assert probs == pytest.approx([t["prob"] for t in r.top], abs=1e-4)


def test_a_16_bit_model_is_walked_through_too(shared_manager):
    """bfloat16 computes its softmax and weights · v in 16 bits: within that precision the same numbers (the
    ZeroGPU preload is bfloat16)."""
    loaded = shared_manager.get("stories260K", "generation", dtype="bfloat16")
    _, r16 = run(loaded, 2, 5)
    _, r32 = run(shared_manager.get("stories260K", "generation"), 2, 5)
    close(r16.weights, torch.tensor(r32.weights), atol=3e-2)
    assert [t["id"] for t in r16.top[:2]] == [t["id"] for t in r32.top[:2]]


def test_the_sliders_ranges_come_from_the_config_without_a_load(shared_service):
    assert shared_service.layers_and_heads("stories260K") == (5, 8)  # built in: its config.json (or the loaded copy)
    assert shared_service.layers_and_heads("gpt2") is None  # a Hub model not loaded: only loading it would tell
