"""The local backend: the decode loop over a model loaded in this process (the only forward here).

The loop is written out (rather than calling model.generate) so that every step can be shown, with
the same logits processors transformers' generate() uses: greedy output equals model.generate's.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Iterator

import torch

from ..models.devices import dtype_name
from ..tasks.encoder import usable_positions
from ..tasks.generation import (Detokenizer, GenerationParams, GenerationState, Sequence, check_prefix, fit_context,
                                encode_prompt, eos_ids, pick, record_step)
from ..tasks.sampler import apply_filters
from .base import ModelInfo
from .decode_steps import DecodeSteps


def model_info(loaded) -> ModelInfo:
    entry = loaded.entry
    return ModelInfo(entry.name, entry.source, entry.local, loaded.device, dtype_name(loaded.dtype), loaded.nbytes,
                     loaded.float32_bytes, gguf_file=getattr(entry, "gguf_file", ""))


class LocalGeneration:
    """Generation on a LoadedModel of the model manager (its lock serialises forwards across tabs)."""

    def __init__(self, loaded, hold=None, decode: str = "dynamic", progress=None):
        self.loaded = loaded
        self.info = model_info(loaded)
        self._hold = hold  # the manager's hold: the model counts as in use while a stream runs
        self.decode, self.progress = decode, progress  # decode_steps.py: dynamic cache, or static (compiled)
        self._prompt: tuple[str, torch.Tensor] | None = None  # the prompt prepare() encoded, and its ids

    def session(self):
        return self._hold(self.loaded) if self._hold else contextlib.nullcontext()

    def context_length(self) -> int | None:
        return usable_positions(self.loaded.model.config)

    def prepare(self, prompt: str, params: GenerationParams, fit: bool = False) -> None:
        """See GenerationBackend.prepare; the prompt is encoded here, once, and `stream` reuses its ids."""
        fit_context(self._encoded(prompt).shape[1], params, self.context_length(), self.loaded.name, fit)
        if params.prefix_ids:
            check_prefix(params.prefix_ids, self._vocab_size(), self.loaded.name)

    def _encoded(self, prompt: str) -> torch.Tensor:
        """The prompt's ids; a backend serves one request, so the last prompt is all there is to remember."""
        if self._prompt is None or self._prompt[0] != prompt:
            self._prompt = (prompt, encode_prompt(self.loaded.tokenizer, prompt))
        return self._prompt[1]

    def _vocab_size(self) -> int:
        head = self.loaded.model.get_output_embeddings()
        return head.weight.shape[0] if head is not None else len(self.loaded.tokenizer)

    def stream(self, prompt: str, params: GenerationParams,
               stop: threading.Event | None = None) -> Iterator[GenerationState]:
        """Every step's state, for a prompt and parameters `prepare` checked. A forced prefix goes through the model
        with the prompt in one pass, as generate() reads its input_ids; its tokens are recorded (forced) from that
        pass's logits."""
        loaded, model, prefix = self.loaded, self.loaded.model, params.prefix_ids
        prompt_ids = self._encoded(prompt)
        n, start_len = params.num_sequences, prompt_ids.shape[1]
        ids = torch.cat([prompt_ids, torch.tensor([prefix], dtype=prompt_ids.dtype)], dim=1).repeat(n, 1)
        ids = ids.to(loaded.device)
        stop_ids = eos_ids(model.generation_config)
        detoks = [Detokenizer(loaded.tokenizer, prompt_ids[0].tolist()) for _ in range(n)]
        state = GenerationState(prompt, params, [Sequence() for _ in range(n)], prompt_tokens=start_len)
        procs, gen = params.processors(), torch.Generator().manual_seed(max(params.seed, 0))  # greedy: -1, unused
        steps = DecodeSteps(loaded, self.decode, self.progress, self.context_length())
        if stop is not None and stop.is_set():  # stopped while it waited: no prefill for nobody
            state.stopped = state.done = True
            yield state
            return
        with steps.cache(n, ids.shape[1] + params.max_new_tokens) as cache:
            start, paused = time.perf_counter(), 0.0
            first, cache = steps.forward(ids, cache, keep=len(prefix) + 1)
            for step in range(len(prefix) + params.max_new_tokens):
                if stop is not None and stop.is_set():
                    state.stopped = True
                    break
                forced = step < len(prefix)
                if forced:  # the context the forced token follows; no random draw, as generate() makes none
                    logits, context = first[:, step], ids[:, :start_len + step]
                else:
                    if step > len(prefix):
                        first, cache = steps.forward(ids, cache)
                    logits, context = first[:, -1], ids
                filtered = apply_filters(procs, context, logits)
                next_ids = torch.full((n,), prefix[step]) if forced else pick(filtered.scores, params.do_sample, gen)
                record_step(state, detoks, logits, filtered, next_ids, stop_ids, forced)
                if not forced:
                    ids = torch.cat([ids, next_ids.to(ids.device)[:, None]], dim=1)
                state.seconds = time.perf_counter() - start - paused
                if all(s.finished for s in state.sequences):
                    break
                handed = time.perf_counter()
                yield state
                # the consumer's time (a browser update being sent, the first hand-over) is not generation time:
                # the UI's tokens/s is then the API's for the same request
                paused += time.perf_counter() - handed
            state.seconds = time.perf_counter() - start - paused
        state.done = True
        yield state


def stream_generate(loaded, prompt: str, params: GenerationParams,
                    stop: threading.Event | None = None) -> Iterator[GenerationState]:
    """Convenience for tests and scripts: validate the parameters, prepare, then stream on `loaded`."""
    backend, params = LocalGeneration(loaded), params.validated()
    backend.prepare(prompt, params)
    return backend.stream(prompt, params, stop)


def generate(loaded, prompt: str, params: GenerationParams) -> GenerationState:
    state = None
    for state in stream_generate(loaded, prompt, params):
        pass
    return state
