"""How the local decode loop runs each forward: with the dynamic KV cache, or a static cache and a compiled step.

Why a second way: on a GPU, one decode step of a GPT-2-size model is mostly kernel launches and Python, not
arithmetic; the dynamic cache also grows its tensors every step. A StaticCache keeps keys and values at fixed
shapes, so the one-token forward can be compiled once (torch.compile; on CUDA with mode="reduce-overhead",
which replays CUDA graphs) and reused at every step: transformers' own recipe for fast generation.

Compiling takes tens of seconds (stories260K: ~37 s on 2 CPU cores), so it is paid once per model, batch rows
and cache length: cache lengths are the needed length rounded up to a power of two (from 256, at most the
model's context), the caches are kept and reused, and compiling says so as progress. It happens before the
generation's timing starts, so its tokens/s do not include it.

Modes (Settings.decode, `--decode`): "auto" = compiled on CUDA, dynamic elsewhere (on 2 CPU cores the compile
costs more than most sessions gain); "dynamic"; "static" (the static cache without compiling); "compiled".
Greedy output is the same token ids in every mode (tests/service/test_decode_steps.py).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import threading
import time

import torch

from ..models.quantize import INT8
from ..tasks.validation import out_of_memory_as_error

log = logging.getLogger("llm_playground")
MIN_CACHE = 256
KEPT_CACHES = 4  # static caches kept per model (each holds keys and values for its whole length)


def resolve_mode(setting: str, device: str, dtype) -> str:
    if setting == "auto":
        setting = "compiled" if str(device).startswith("cuda") else "dynamic"
    if setting == "compiled" and dtype == INT8:
        return "static"  # torch's quantized int8 kernels are not compiled by inductor
    return setting


def cache_length(needed: int, context: int | None) -> int:
    """`needed` rounded up to a power of two (at least MIN_CACHE), at most the model's context."""
    length = max(MIN_CACHE, 1 << max(needed - 1, 1).bit_length())
    return max(needed, min(length, context)) if context else length


class Compiled:
    """What one LoadedModel keeps for the static path: its compiled step, the (rows, length) it was compiled
    for, and static caches to reuse (a fresh cache's tensors would be new inputs to the compiled graph)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.step = None
        self.failed = False  # compiling raised once: this model runs its static cache uncompiled from then on
        self.shapes: set[tuple[int, int]] = set()
        self.free: dict[tuple[int, int], list] = {}


class DecodeSteps:
    """The forwards of one generation on `loaded` in `mode`; `progress(fraction, text)` hears about compiling."""

    def __init__(self, loaded, mode: str, progress=None, context: int | None = None):
        self.loaded, self.progress, self.context = loaded, progress, context
        self.mode = resolve_mode(mode, loaded.device, loaded.dtype)
        self._cuda = str(loaded.device).startswith("cuda")  # compiled steps there replay CUDA graphs
        self._shape: tuple[int, int] | None = None
        self._seen = 0  # positions in the cache

    @contextlib.contextmanager
    def cache(self, rows: int, needed: int):
        """A cache for `rows` sequences of up to `needed` positions (None: the model makes a dynamic one)."""
        if self.mode == "dynamic":
            yield None
            return
        kept = _kept(self.loaded)
        self._shape = (rows, cache_length(needed, self.context))
        with kept.lock:
            free = kept.free.setdefault(self._shape, [])
            cache = free.pop() if free else None
            if self.mode == "compiled" and kept.failed:
                self.mode = "static"  # compiling failed once for this model: not again on every request
            fresh = self.mode == "compiled" and self._shape not in kept.shapes
        if cache is None:
            from transformers import StaticCache

            cache = StaticCache(config=self.loaded.model.config, max_cache_len=self._shape[1])
        if fresh:
            try:
                self._compile(cache, rows)
            except Exception:  # noqa: BLE001 - a compiler failure must not cost the user the generation
                log.exception("compiling %s's decode step failed: it runs uncompiled (static cache)", self.loaded.name)
                kept.failed, self.mode = True, "static"
        with torch.inference_mode():  # its tensors were made in the forwards' inference mode
            cache.reset()
        try:
            yield cache
        finally:
            with kept.lock:
                if len(kept.free[self._shape]) < KEPT_CACHES:
                    kept.free[self._shape].append(cache)

    def forward(self, ids: torch.Tensor, cache, keep: int = 1):
        """The prompt (no position seen yet) or the last token -> the last `keep` positions' logits
        [rows, keep, vocab] (float32) and the cache."""
        model, loaded = self.loaded.model, self.loaded
        first = self._seen == 0
        # a new tensor: the view ids[:, -1:] keeps ids' strides, which grow every step (each one a recompile)
        inputs = ids if first else ids[:, -1:].clone(memory_format=torch.contiguous_format)
        kwargs = {"input_ids": inputs, "past_key_values": cache, "use_cache": True, **last_logits_only(model, keep)}
        if self.mode != "dynamic":
            start = ids.shape[1] - inputs.shape[1]
            kwargs["cache_position"] = torch.arange(start, ids.shape[1], device=ids.device)
        step = model if first or self.mode != "compiled" else self._compiled()
        graphs = step is not model and self._cuda
        with loaded.lock, torch.inference_mode(), out_of_memory_as_error(loaded.name):
            if graphs:  # a new step of the loop: CUDA graphs may reuse the previous step's output buffers
                torch.compiler.cudagraph_mark_step_begin()
            out = step(**kwargs)
            logits = out.logits[:, -keep:, :].float()
            if graphs:
                logits = logits.clone()  # the graph's output buffer is overwritten by the next replay
        self._seen = ids.shape[1]
        return logits, out.past_key_values

    def _compile(self, cache, rows: int) -> None:
        """Compile the step for this shape now, before the prompt's pass: the page shows the progress message
        until the first token, and the generation's tokens/s does not include it. One eager step fills the
        new cache (the compiled step then always sees an initialised one), one compiled step compiles."""
        loaded = self.loaded
        if self.progress is not None:
            self.progress(0.5, f"Compiling {loaded.name}'s decode step for {loaded.device} (once per model and "
                               f"length: {rows} × {self._shape[1]} positions)…")
        began, token = time.perf_counter(), torch.zeros((rows, 1), dtype=torch.long, device=loaded.device)
        with loaded.lock, torch.inference_mode(), out_of_memory_as_error(loaded.name):
            for position, step in enumerate((loaded.model, self._compiled())):
                if step is not loaded.model and self._cuda:
                    torch.compiler.cudagraph_mark_step_begin()
                step(input_ids=token, past_key_values=cache, use_cache=True,
                     cache_position=torch.tensor([position], device=loaded.device), **last_logits_only(loaded.model))
        log.info("compiled %s's decode step for %s in %.1f s", loaded.name, self._shape, time.perf_counter() - began)
        with _kept(loaded).lock:
            _kept(loaded).shapes.add(self._shape)

    def _compiled(self):
        kept = _kept(self.loaded)
        with kept.lock:
            if kept.step is None:
                kept.step = torch.compile(self.loaded.model.forward, mode="reduce-overhead" if self._cuda else None,
                                          dynamic=False)
            return kept.step


def _kept(loaded) -> Compiled:
    if loaded.compiled is None:  # made on the model's first static-cache generation
        loaded.compiled = Compiled()
    return loaded.compiled


@functools.cache
def _accepts_logits_to_keep(model_class) -> bool:
    return "logits_to_keep" in inspect.signature(model_class.forward).parameters


def last_logits_only(model, keep: int = 1) -> dict:
    """Only the last position's logits are needed (the last `keep`: a forced prefix's too): on the prompt pass
    this skips the LM head for every other position (~40 % of GPT-2 small's first-token time), as generate() does."""
    return {"logits_to_keep": keep} if _accepts_logits_to_keep(type(model)) else {}
