"""8-bit weights (dtype int8): generation equals plain transformers with torch's dynamic quantization applied
independently, the Compare tab's KL between float32 and int8 equals an independent computation, Copy as Python
reproduces both, every task that reads a causal LM runs on the int8 model, and GPUs are refused clearly."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from llm_playground.errors import InvalidInput
from llm_playground.models.devices import resolve_dtype
from llm_playground.tasks import attention as attention_task
from llm_playground.tasks import logit_lens as lens_task
from llm_playground.tasks import next_token as next_token_task
from llm_playground.tasks.generation import encode_prompt

from ..tolerance import close
from ..unit.test_codegen import run

PROMPT = "Once upon a time"


def independent_int8(model):
    """torch's own recipe, written here: Conv1D (GPT-2) -> nn.Linear with the weight transposed, then
    quantize_dynamic over nn.Linear, per channel, but for gated MLPs' down projections (kept float32)."""
    from transformers.pytorch_utils import Conv1D

    model = copy.deepcopy(model)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, Conv1D):
                linear = torch.nn.Linear(child.nx, child.nf)
                linear.weight.data, linear.bias.data = child.weight.data.t().clone(), child.bias.data.clone()
                setattr(parent, name, linear)
    config = torch.ao.quantization.per_channel_dynamic_qconfig  # one scale per output channel, as the app
    spec = {name: config for name, layer in model.named_modules()
            if isinstance(layer, torch.nn.Linear) and not name.endswith("down_proj")}
    return torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8)


def test_gated_mlp_down_projections_stay_float32(shared_service):
    """LLM.int8()'s outlier channels: quantizing Llama-style down_proj broke SmolLM2 (bench/int8.py)."""
    from torch.ao.nn.quantized.dynamic import Linear as QuantizedLinear

    model = shared_service.manager.get("stories260K", "generation", "int8").model
    kinds = {name.rsplit(".", 1)[-1]: type(layer) for name, layer in model.named_modules()
             if isinstance(layer, (torch.nn.Linear, QuantizedLinear))}
    assert kinds.pop("down_proj") is torch.nn.Linear
    assert set(kinds.values()) == {QuantizedLinear}
    assert {"q_proj", "gate_proj", "up_proj", "lm_head"} <= set(kinds)


@pytest.mark.parametrize("name", ["stories260K", "tiny-gpt2"])
def test_int8_generation_equals_plain_transformers(shared_service, name):
    out = shared_service.generate(name, PROMPT, max_new_tokens=20, dtype="int8")
    assert out.model.dtype == "int8" and out.model.nbytes < out.model.float32_bytes
    float_model = shared_service.manager.get(name, "generation").model
    quantized = independent_int8(float_model)
    tok = shared_service.manager.get(name, "generation").tokenizer
    ids = encode_prompt(tok, PROMPT)
    expected = quantized.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=20, do_sample=False,
                                  return_dict_in_generate=True, output_logits=True)
    tokens = out.result.sequences[0].tokens
    assert [t.id for t in tokens] == expected.sequences[0, ids.shape[1]:].tolist()[:len(tokens)]
    for step, t in enumerate(tokens):
        assert t.prob == close(torch.softmax(expected.logits[step][0].float(), -1)[t.id].item())
    code = shared_service.python("generate", out)
    assert "quantize_dynamic" in code
    assert run(code)["new_ids"].tolist()[:len(tokens)] == [t.id for t in tokens]


def test_float32_vs_int8_in_compare_equals_an_independent_kl(shared_service):
    out = shared_service.compare(PROMPT, "stories260K", "stories260K", dtype_b="int8", max_new_tokens=24)
    data = out.result.to_dict()
    assert data["b"]["dtype"] == "int8" and data["shared_vocabulary"]
    loaded = shared_service.manager.get("stories260K", "generation")
    models = {"a": loaded.model, "b": independent_int8(loaded.model)}
    prompt_ids = encode_prompt(loaded.tokenizer, PROMPT)[0].tolist()
    for own, other in (("a", "b"), ("b", "a")):
        ids = torch.tensor([prompt_ids + [t["id"] for t in data[own]["tokens"]]])
        with torch.no_grad():
            mine = torch.log_softmax(models[own](ids).logits[0].double(), -1)[len(prompt_ids) - 1:-1]
            theirs = torch.log_softmax(models[other](ids).logits[0].double(), -1)[len(prompt_ids) - 1:-1]
        kl = ((mine.exp() * (mine - theirs)).sum(-1) / math.log(2)).tolist()
        assert [t["kl_bits"] for t in data[own]["tokens"]] == close(kl)
    assert 0 < data["a"]["mean_kl_bits"] < 0.1  # a small, measurable cost
    ns = run(shared_service.python("compare", out, shared=True))
    assert ns["scores"]["A"][1].tolist() == close([t["kl_bits"] for t in data["a"]["tokens"]])


def test_every_causal_lm_task_runs_on_the_int8_model(shared_service):
    loaded = shared_service.manager.get("stories260K", "generation", "int8")
    assert loaded.dtype == torch.qint8
    nt = next_token_task.next_token(loaded, PROMPT, top_k=5)
    assert nt.candidates[0].token == "," and nt.candidates[0].prob > 0.9
    lens = lens_task.logit_lens(loaded, PROMPT, top_k=3)  # reads the int8 LM head at every layer
    assert lens.top_ids[-1][-1][0] == nt.candidates[0].id
    att = attention_task.compute_attention(loaded, PROMPT)
    assert att.num_layers == 5
    assert shared_service.manager.get("stories260K", "generation", "int8") is loaded  # one copy per dtype


def test_int8_is_refused_on_a_gpu_with_a_reason():
    assert resolve_dtype("int8", "cpu") == torch.qint8
    with pytest.raises(InvalidInput, match="CPU only"):
        resolve_dtype("int8", "cuda")


def test_int8_through_the_api(client):
    result = client.predict(model="stories260K", prompt=PROMPT, max_new_tokens=8, dtype="int8", api_name="/generate")
    assert result["dtype"] == "int8" and result["completion"].startswith(", there was")
