"""8-bit weights: dynamic int8 quantization of a model's linear layers (torch.ao), on the CPU.

Why torch.ao's quantize_dynamic and not torchao: it ships with torch itself (no second package whose
version must match torch's), needs no calibration data, runs on any x86/ARM CPU through fbgemm/qnnpack,
and is what the PyTorch tutorials teach for transformer inference on CPUs. Each nn.Linear becomes a
DynamicQuantizedLinear: int8 weights (one scale per output channel: faster here, and closer than one
per tensor), activations quantized on the fly per batch, float32 output. Decoding is memory-bound, so
reading a quarter of the bytes per token is where the speed comes from. Embeddings and norms stay
float32. GPT-2 writes its projections as transformers' Conv1D (a Linear with the weight transposed): they are
converted to nn.Linear first, exactly.

Which layers stay float32: the down projection of gated MLPs (`down_proj`: Llama, Mistral, Qwen, Gemma,
SmolLM). Its input, the product of the gate and up projections, has a few channels with outlier values
(what LLM.int8() describes), and quantizing the activation per tensor flattens every other channel. Measured
on SmolLM2-135M: every layer in int8 gives a mean KL of 1.82 bits against float32 and "located in the heart of
the French capital" for " Paris."; keeping `down_proj` float32 gives 0.31 bits and " Paris." (bench/int8.py).
(torch marks its quantized tensors as deprecated in favour of torchao; the caller sees the same API.)
"""

from __future__ import annotations

import warnings

import torch

from .sizes import model_bytes

INT8 = torch.qint8  # the manager's dtype key for these models
KEEP_FLOAT = ("down_proj",)  # layer names left in float32 (see above)


def _conv1d_to_linear(model: torch.nn.Module) -> None:
    from transformers.pytorch_utils import Conv1D

    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, Conv1D):
                linear = torch.nn.Linear(child.weight.shape[0], child.weight.shape[1])
                with torch.no_grad():
                    linear.weight.copy_(child.weight.T)
                    linear.bias.copy_(child.bias)
                setattr(parent, name, linear)


def int8_layers(model: torch.nn.Module) -> dict:
    """quantize_dynamic's spec: each linear layer's name -> per-channel int8, but for KEEP_FLOAT."""
    from torch.ao.quantization import per_channel_dynamic_qconfig

    return {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and name.rsplit(".", 1)[-1] not in KEEP_FLOAT}


def int8(model: torch.nn.Module) -> torch.nn.Module:
    """The float32 model with its linear layers (the LM head included, KEEP_FLOAT not) in int8, in place."""
    from torch.ao.quantization import quantize_dynamic

    model.float32_bytes = model_bytes(model)  # before: what the Models tab compares the int8 size with
    _conv1d_to_linear(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notice for quantized tensors, once per layer
        return quantize_dynamic(model, int8_layers(model), dtype=torch.qint8, inplace=True)
