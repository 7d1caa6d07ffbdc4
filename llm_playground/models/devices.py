"""Device and dtype choice, and a quick Hub reachability probe."""

from __future__ import annotations

import os
import socket
import time
from urllib.parse import urlparse

import torch

from ..errors import InvalidInput

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16,
          "int8": torch.qint8}  # int8: float32 weights quantized dynamically, CPU only (quantize.py)


def resolve_device(requested: str = "auto") -> str:
    """'auto' picks CUDA, then Apple MPS, then CPU; explicit choices are validated."""
    requested = (requested or "auto").lower()
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidInput("device.no_cuda", device=requested)
    if requested == "mps" and not torch.backends.mps.is_available():
        raise InvalidInput("device.no_mps")
    if requested not in {"cpu", "mps"} and not requested.startswith("cuda"):
        raise InvalidInput("choice.unknown", name="device", got=f"'{requested}'",
                           choices="auto, cpu, cuda, cuda:N or mps")
    return requested


def resolve_dtype(requested: str | None, device: str) -> torch.dtype:
    """'auto': float32 on CPU (exact, matches plain transformers), 16-bit on accelerators."""
    if requested is not None and not isinstance(requested, str):
        raise InvalidInput("choice.unknown", name="dtype", got=repr(requested), choices=", ".join(("auto", *DTYPES)))
    requested = (requested or "auto").lower()
    if requested != "auto":
        if requested not in DTYPES:
            raise InvalidInput("choice.unknown", name="dtype", got=f"'{requested}'",
                               choices=", ".join(("auto", *DTYPES)))
        if requested == "int8" and device != "cpu":
            raise InvalidInput("device.int8_cpu_only", device=device)
        return DTYPES[requested]
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def dtype_name(dtype: torch.dtype) -> str:
    return "int8" if dtype == torch.qint8 else str(dtype).removeprefix("torch.")


class HubProbe:
    """Can we open a TCP connection to the Hub? The answer is kept for `ttl` seconds (one probe per manager).

    Without this, from_pretrained retries an unreachable Hub for ~30 s before failing; with it, an
    offline machine goes straight to the local cache and fails fast with a clear message.
    """

    def __init__(self, timeout: float = 2.0, ttl: float = 60.0):
        self.timeout, self.ttl = timeout, ttl
        self._cache: dict[str, tuple[float, bool]] = {}

    def __call__(self) -> bool:
        from huggingface_hub import constants

        if constants.HF_HUB_OFFLINE or os.environ.get("TRANSFORMERS_OFFLINE") == "1":
            return False
        url = urlparse(constants.ENDPOINT)
        host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)
        cached = self._cache.get(host)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            socket.create_connection((host, port), timeout=self.timeout).close()
            ok = True
        except OSError:
            ok = False
        self._cache[host] = (time.monotonic(), ok)
        return ok
