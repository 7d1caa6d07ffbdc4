"""Each figure: the same work through the app's public API and with plain transformers."""

from __future__ import annotations

import gc
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from . import load
from .load import MASK_TEXT, PAIR, TOK_TEXT
from .timing import ms, rss, timed

GEN_PROMPT = "Once upon a time, in a land far away"


@dataclass
class Context:
    client: object
    manager: object
    models_dir: Path
    repeats: int
    quick: bool
    url: str


_raw: dict = {}


def raw_model(ctx: Context, name: str, dtype=torch.float32):
    """Plain transformers objects, loaded once per (name, dtype), as a notebook user would."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, BertForPreTraining

    key = (name, dtype)
    if key not in _raw:
        cls = BertForPreTraining if name.startswith("bert") else AutoModelForCausalLM
        folder = ctx.models_dir / name
        _raw[key] = (cls.from_pretrained(folder, dtype=dtype, attn_implementation="eager"
                                         if name.startswith("bert") else None).eval(),
                     AutoTokenizer.from_pretrained(folder))
    return _raw[key]


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else float("nan")


def _raw_generate(model, tok, n: int, prompt: str = GEN_PROMPT):
    ids = tok(prompt, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        return model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, min_new_tokens=n,
                              do_sample=False, pad_token_id=tok.eos_token_id)


def memory_one_copy(ctx: Context) -> dict:
    """RSS growth when one BERT checkpoint serves fill-mask + next-sentence + attention."""
    c = ctx.client
    gc.collect()
    before = rss()
    c.predict(model="bert-base", text=MASK_TEXT, top_k=5, api_name="/fill_mask")
    c.predict(model="bert-base", sentence_a=PAIR[0], sentence_b=PAIR[1], api_name="/next_sentence")
    c.predict(model="bert-base", text=MASK_TEXT, layer=0, head=-1, api_name="/attention")
    gc.collect()
    growth = rss() - before
    weights = sum(m.nbytes for m in ctx.manager.loaded() if m.name == "bert-base")
    copies = [m.name for m in ctx.manager.loaded()].count("bert-base")
    return {"weights_bytes": weights, "rss_growth_bytes": growth, "growth_over_weights": ratio(growth, weights),
            "loaded_copies": copies, "target": "growth <= 1.2x weights, 1 copy"}


def generation(ctx: Context) -> dict:
    n = 64
    model, tok = raw_model(ctx, "gpt2-small")
    raw_s, _ = timed(lambda: _raw_generate(model, tok, n), ctx.repeats)
    app = lambda: ctx.client.predict(model="gpt2-small", prompt=GEN_PROMPT, max_new_tokens=n,  # noqa: E731
                                     api_name="/generate")
    app_s, result = timed(app, ctx.repeats)
    tokens = len(result["tokens"])
    return {"new_tokens": tokens, "raw_tokens_per_s": round(n / raw_s, 2),
            "app_tokens_per_s": round(tokens / app_s, 2),
            "app_server_tokens_per_s": result["tokens_per_second"],
            "ratio": ratio(tokens / app_s, n / raw_s), "target": ">= 0.95"}


def first_token(ctx: Context) -> dict:
    """Time to the first streamed token through the UI's own event vs raw first-token latency."""
    model, tok = raw_model(ctx, "gpt2-small")
    raw_s, _ = timed(lambda: _raw_generate(model, tok, 1), ctx.repeats)
    ui_args = ["gpt2-small", GEN_PROMPT, "greedy", 64, 1.0, 50, 1.0, 1.0, 0, 0, 1, "auto"]

    def ui_first() -> float:
        start = time.perf_counter()
        job = ctx.client.submit(*ui_args, api_name="/generate_ui")
        while True:
            outputs = job.outputs()
            if outputs and len(str(outputs[-1][0])) > len(GEN_PROMPT):
                elapsed = time.perf_counter() - start
                job.cancel()
                return elapsed
            if job.done():
                return time.perf_counter() - start
            time.sleep(0.002)

    ui_times = [ui_first() for _ in range(ctx.repeats + 1)][1:]
    ui = statistics.median(ui_times)
    return {"raw_first_token_ms": ms(raw_s), "ui_first_token_ms": ms(ui), "overhead_ms": ms(ui - raw_s),
            "target": "<= raw + 50 ms"}


def _latency(ctx: Context, app_call, raw_call) -> dict:
    raw_s, _ = timed(raw_call, ctx.repeats)
    app_s, _ = timed(app_call, ctx.repeats)
    budget = 1.3 * raw_s + 0.030
    return {"raw_ms": ms(raw_s), "app_ms": ms(app_s), "ratio": ratio(app_s, raw_s),
            "within_target": app_s <= budget}


def request_latency(ctx: Context) -> dict:
    c = ctx.client
    bert, btok = raw_model(ctx, "bert-base")
    _, gtok = raw_model(ctx, "gpt2-small")

    def raw_fill():
        enc = btok(MASK_TEXT, return_tensors="pt")
        with torch.inference_mode():
            logits = bert(**enc).prediction_logits
        pos = (enc["input_ids"][0] == btok.mask_token_id).nonzero()[0, 0]
        return torch.softmax(logits[0, pos], -1).topk(5)

    def raw_nsp():
        enc = btok(*PAIR, return_tensors="pt")
        with torch.inference_mode():
            return torch.softmax(bert(**enc).seq_relationship_logits, -1)

    def raw_attention():
        enc = btok(MASK_TEXT, return_tensors="pt")
        with torch.inference_mode():
            return bert(**enc, output_attentions=True).attentions

    out = {
        "fill_mask": _latency(ctx, lambda: c.predict(model="bert-base", text=MASK_TEXT, top_k=5,
                                                     api_name="/fill_mask"), raw_fill),
        "next_sentence": _latency(ctx, lambda: c.predict(model="bert-base", sentence_a=PAIR[0], sentence_b=PAIR[1],
                                                         api_name="/next_sentence"), raw_nsp),
        "tokenize": _latency(ctx, lambda: c.predict(tokenizers=["gpt2-small", "bert-base"], text=TOK_TEXT,
                                                    api_name="/tokenize"),
                             lambda: (gtok(TOK_TEXT, return_offsets_mapping=True),
                                      btok(TOK_TEXT, return_offsets_mapping=True))),
        "attention": _latency(ctx, lambda: c.predict(model="bert-base", text=MASK_TEXT, layer=0, head=-1,
                                                     api_name="/attention"), raw_attention),
    }
    out["target"] = "app <= 1.3 x raw + 30 ms"
    return out


def attention_payload(ctx: Context) -> dict:
    out = {}
    for n in (128, 512):
        text = " ".join(["word"] * (n - 2))  # + [CLS] [SEP] = n tokens for BERT's WordPiece
        result = ctx.client.predict(model="bert-base", text=text, layer=0, head=0, api_name="/attention")
        out[f"api_bytes_{n}_tokens"] = len(json.dumps(result))
        out[f"tokens_{n}"] = len(result["tokens"])
    out["target"] = "<= 1 MB per view at 512 tokens"
    return out


def manager_figures(ctx: Context) -> dict:
    from llm_playground.config import Settings
    from llm_playground.manager import ModelManager
    from transformers import AutoTokenizer, BertForPreTraining

    m = ctx.manager
    m.get("gpt2-small", "generation")
    start = time.perf_counter()
    for _ in range(1000):
        m.get("gpt2-small", "generation")
    warm = (time.perf_counter() - start) / 1000
    folder = ctx.models_dir / "bert-base"
    raw_s, _ = timed(lambda: (BertForPreTraining.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)),
                     ctx.repeats)
    cold = lambda: ModelManager(Settings(models_dir=ctx.models_dir), hub_probe=lambda: False).get(  # noqa: E731
        "bert-base", "fill-mask")
    cold_s, _ = timed(cold, ctx.repeats)
    return {"warm_hit_ms": round(warm * 1000, 4), "cold_load_s": round(cold_s, 3), "raw_from_pretrained_s":
            round(raw_s, 3), "cold_over_raw": ratio(cold_s, raw_s), "target": "warm < 1 ms, cold <= 1.1x raw"}


def concurrency(ctx: Context, clients: int = 8) -> dict:
    calls = load.mixed_calls("stories260K", "bert-base", ["gpt2-small", "bert-base"])
    result = load.run_clients(ctx.url, calls, clients, per_client=5 if ctx.quick else 15)
    return result.summary(clients)


def bfloat16(ctx: Context) -> dict:
    n = 32
    out = {}
    for dtype in ("float32", "bfloat16"):
        model, tok = raw_model(ctx, "gpt2-small", getattr(torch, dtype))
        raw_s, _ = timed(lambda: _raw_generate(model, tok, n), ctx.repeats)
        app_s, r = timed(lambda: ctx.client.predict(model="gpt2-small", prompt=GEN_PROMPT, max_new_tokens=n,
                                                    dtype=dtype, api_name="/generate"), ctx.repeats)
        out[dtype] = {"raw_tokens_per_s": round(n / raw_s, 2), "app_tokens_per_s": round(len(r["tokens"]) / app_s, 2)}
    out["raw_bf16_speedup"] = ratio(out["bfloat16"]["raw_tokens_per_s"], out["float32"]["raw_tokens_per_s"])
    out["app_bf16_speedup"] = ratio(out["bfloat16"]["app_tokens_per_s"], out["float32"]["app_tokens_per_s"])
    return out


# Memory first: it must see the app's first use of the BERT checkpoint.
ALL = [("memory_one_copy", memory_one_copy), ("generation", generation), ("first_token", first_token),
       ("request_latency", request_latency), ("attention_payload", attention_payload),
       ("manager", manager_figures), ("concurrency", concurrency), ("bfloat16", bfloat16)]
