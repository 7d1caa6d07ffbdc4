"""How many bytes a model's weights take: what the manager's memory budget and the Models tab count."""

from __future__ import annotations

import torch


def model_bytes(model) -> int:
    """Parameters and buffers (tied weights once), plus int8 layers' packed weights, which are neither."""
    tensors = {id(t): t for t in [*model.parameters(), *model.buffers()]}  # tied weights once
    return sum(t.numel() * t.element_size() for t in tensors.values()) + quantized_bytes(model)


def quantized_bytes(model: torch.nn.Module) -> int:
    """Bytes of the int8 layers' packed weights and float biases (they are not parameters)."""
    total = 0
    for module in model.modules():
        packed = getattr(module, "_packed_params", None)
        if packed is not None and hasattr(packed, "_weight_bias"):
            weight, bias = packed._weight_bias()
            total += weight.numel() * weight.element_size()
            total += 0 if bias is None else bias.numel() * bias.element_size()
    return total
