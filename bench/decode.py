"""Decode steps (backends/decode_steps.py): the app's local decode loop with the dynamic cache, a static cache,
and a compiled static-cache step, against plain `model.generate` (dynamic cache), same run, same machine.

On a CPU: stories260K (real) and GPT-2 small size (random weights). On CUDA (`python -m bench.decode` on a
GPU machine): GPT-2 small and GPT-2 XL sizes in float16, the issue's "app vs plain generate" figure.
The compile's own time (first call, once per model and cache length) is reported apart, not in tokens/s.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import torch

PROMPT = "Once upon a time"


def stand_in(model, tokenizer, name: str, device: str):
    """What LocalGeneration reads of a manager's LoadedModel."""
    return SimpleNamespace(model=model, tokenizer=tokenizer, name=name, device=device, dtype=model.dtype,
                           lock=threading.Lock(), entry=SimpleNamespace(name=name, source=name, local=True),
                           nbytes=0, float32_bytes=0, compiled=None)


def app_tps(loaded, mode: str, n: int) -> tuple[float, float]:
    """(tokens/s the app reports, seconds spent compiling) for one greedy generation of n tokens."""
    from llm_playground.backends.local import LocalGeneration
    from llm_playground.tasks.generation import GenerationParams

    params = GenerationParams(max_new_tokens=n).validated()
    started, state = time.perf_counter(), None
    for state in LocalGeneration(loaded, decode=mode).stream(PROMPT, params):
        pass
    wall = time.perf_counter() - started
    return state.tokens_per_second, max(0.0, wall - state.seconds)


def plain_tps(loaded, n: int) -> float:
    ids = loaded.tokenizer(PROMPT, return_tensors="pt").input_ids.to(loaded.device)
    _sync(loaded.device)
    start = time.perf_counter()
    with torch.inference_mode():
        loaded.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, min_new_tokens=n,
                              do_sample=False, pad_token_id=0)
    _sync(loaded.device)
    return n / (time.perf_counter() - start)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def measure(loaded, n: int, repeats: int) -> dict:
    first = {}
    for mode in ("static", "compiled"):  # warm-up; the compiled one compiles here (timed apart)
        first[mode] = app_tps(loaded, mode, n)[1]
    plain_tps(loaded, n)
    runs: dict[str, list[float]] = {"plain_generate": [], "dynamic": [], "static": [], "compiled": []}
    for _ in range(repeats):  # interleaved: drift in the machine's speed hits every way alike
        runs["plain_generate"].append(plain_tps(loaded, n))
        for mode in ("dynamic", "static", "compiled"):
            runs[mode].append(app_tps(loaded, mode, n)[0])
    tps = {k: round(statistics.median(v), 1) for k, v in runs.items()}
    return {"new_tokens": n, "tokens_per_s": tps, "compile_s": round(first["compiled"], 1),
            "compiled_over_plain_generate": round(tps["compiled"] / tps["plain_generate"], 2),
            "compiled_over_dynamic": round(tps["compiled"] / tps["dynamic"], 2)}


def cpu_section(models_dir: Path, quick: bool, repeats: int) -> dict:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = {"device": "cpu", "gpu": "not measured: no GPU was lent to this run"}
    for name, n in (("stories260K", 64 if quick else 200), ("gpt2-small", 8 if quick else 32)):
        folder = models_dir / name
        model = AutoModelForCausalLM.from_pretrained(folder).eval()
        out[name] = measure(stand_in(model, AutoTokenizer.from_pretrained(folder), name, "cpu"), n, repeats)
    return out


def gpu_section(tokenizer_dir: Path, repeats: int = 5) -> dict:
    """GPT-2 small and XL sizes (random weights, float16) on CUDA."""
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    out = {"device": torch.cuda.get_device_name(0)}
    sizes = {"gpt2_small": {}, "gpt2_xl": dict(n_embd=1600, n_layer=48, n_head=25)}
    for name, size in sizes.items():
        torch.manual_seed(0)
        model = GPT2LMHeadModel(GPT2Config(**size)).to("cuda", torch.float16).eval()
        out[name] = measure(stand_in(model, tok, name, "cuda"), 128, repeats)
        del model
        torch.cuda.empty_cache()
    return out


if __name__ == "__main__":  # on a GPU machine: python -m bench.decode [OUT.json]
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "models"
    result = gpu_section(shared / "gpt2-tokenizer") if torch.cuda.is_available() else {"skipped": "no CUDA"}
    text = json.dumps(result, indent=2)
    print(text)
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)
