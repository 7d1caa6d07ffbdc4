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
from .timing import interleaved, ms, rss, timed

GEN_PROMPT = "Once upon a time, in a land far away"


@dataclass
class Context:
    client: object  # gradio_client.Client
    http: object  # HttpApi: the same endpoints over plain HTTP/SSE, as curl and the browser call them
    manager: object
    service: object
    models_dir: Path
    repeats: int
    quick: bool
    url: str
    engine_url: str | None = None  # an engine already serving stories260K-hd32 as "stories260K"
    engine: bool = True  # run the engine section (quick runs skip it unless asked)
    engine_pin: bool = False  # vLLM on core 0, the app and the users on the others (bench/engine.py)

    def raw(self, fn):
        """fn (plain transformers) as a call on the app's model threads, where the app computes: a thread of
        the bench's own that ran torch would slow the app and the baseline alike (llm_playground/runtime/cores.py)."""
        return lambda: self.service.workers.call(fn)


_raw: dict = {}


def raw_model(ctx: Context, name: str, dtype=torch.float32):
    """Plain transformers objects, loaded once per (name, dtype), as a notebook user would."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, BertForPreTraining

    key = (name, dtype)
    if key not in _raw:
        cls = BertForPreTraining if name.startswith("bert") else AutoModelForCausalLM
        folder = ctx.models_dir / name
        _raw[key] = ctx.raw(lambda: (cls.from_pretrained(folder, dtype=dtype, attn_implementation="eager"
                                                         if name.startswith("bert") else None).eval(),
                                     AutoTokenizer.from_pretrained(folder)))()
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
    args = ("gpt2-small", GEN_PROMPT, n)
    med, results = interleaved({"raw": ctx.raw(lambda: _raw_generate(model, tok, n)),
                                "http": lambda: ctx.http.call("/generate", *args),
                                "client": lambda: ctx.client.predict(*args, api_name="/generate")}, ctx.repeats)
    tokens = len(results["http"]["tokens"])
    raw_tps, http_tps, client_tps = n / med["raw"], tokens / med["http"], tokens / med["client"]
    return {"new_tokens": tokens, "raw_tokens_per_s": round(raw_tps, 2), "app_http_tokens_per_s": round(http_tps, 2),
            "app_gradio_client_tokens_per_s": round(client_tps, 2),
            "app_server_tokens_per_s": results["http"]["tokens_per_second"],
            "ratio": ratio(http_tps, raw_tps), "ratio_gradio_client": ratio(client_tps, raw_tps),
            "target": "ratio >= 0.95"}


def first_token(ctx: Context) -> dict:
    """Time to the first streamed token through the Generate button's own event (the browser's SSE
    path) vs raw first-token latency (tokenize + one generate step)."""
    model, tok = raw_model(ctx, "gpt2-small")
    raw_s, _ = timed(ctx.raw(lambda: _raw_generate(model, tok, 1)), ctx.repeats)
    ui_args = ["gpt2-small", GEN_PROMPT, "greedy", 32, 1.0, 50, 1.0, 1.0, 0, 0, 1, "auto", "", None, "en"]

    def ui_first() -> float:
        start, first = time.perf_counter(), None
        for kind, payload in ctx.http.events("/generate_ui", *ui_args):
            if first is None and kind == "generating" and len(str(payload[0])) > len(GEN_PROMPT):
                first = time.perf_counter() - start
        return first if first is not None else time.perf_counter() - start

    ui = statistics.median([ui_first() for _ in range(ctx.repeats + 1)][1:])
    return {"raw_first_token_ms": ms(raw_s), "ui_first_token_ms": ms(ui), "overhead_ms": ms(ui - raw_s),
            "within_target": ui - raw_s <= 0.050, "target": "<= raw + 50 ms"}


def _latency(ctx: Context, api_name: str, args: tuple, raw_call) -> dict:
    raw_s, _ = timed(ctx.raw(raw_call), ctx.repeats)
    http_s, _ = timed(lambda: ctx.http.call(api_name, *args), ctx.repeats)
    client_s, _ = timed(lambda: ctx.client.predict(*args, api_name=api_name), ctx.repeats)
    return {"raw_ms": ms(raw_s), "app_http_ms": ms(http_s), "app_gradio_client_ms": ms(client_s),
            "ratio": ratio(http_s, raw_s), "within_target": http_s <= 1.3 * raw_s + 0.030}


def _uncached_attention(ctx: Context, raw_call) -> dict:
    """The attention tab caches weights per (model, text): a new text each call measures a real run."""
    texts = iter(f"{MASK_TEXT} ({i})" for i in range(10_000))
    raw_s, _ = timed(ctx.raw(raw_call), ctx.repeats)
    http_s, _ = timed(lambda: ctx.http.call("/attention", "bert-base", next(texts), 0, -1), ctx.repeats)
    return {"raw_ms": ms(raw_s), "app_http_ms": ms(http_s), "ratio": ratio(http_s, raw_s),
            "within_target": http_s <= 1.3 * raw_s + 0.030}


def client_floor(ctx: Context) -> dict:
    """What one call of a no-op endpoint costs on each path: the floor under every latency."""
    http_s, _ = timed(lambda: ctx.http.call("/models"), max(ctx.repeats, 10))
    client_s, _ = timed(lambda: ctx.client.predict(api_name="/models"), max(ctx.repeats, 10))
    return {"http_ms": ms(http_s), "gradio_client_ms": ms(client_s),
            "note": "gradio_client polls its message queue every 50 ms (gradio_client/utils.py)"}


def request_latency(ctx: Context) -> dict:
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
        "fill_mask": _latency(ctx, "/fill_mask", ("bert-base", MASK_TEXT, 5), raw_fill),
        "next_sentence": _latency(ctx, "/next_sentence", ("bert-base", *PAIR), raw_nsp),
        "tokenize": _latency(ctx, "/tokenize", (["gpt2-small", "bert-base"], TOK_TEXT),
                             lambda: (gtok(TOK_TEXT, return_offsets_mapping=True),
                                      btok(TOK_TEXT, return_offsets_mapping=True))),
        "attention": _latency(ctx, "/attention", ("bert-base", MASK_TEXT, 0, -1), raw_attention),
        "attention_uncached": _uncached_attention(ctx, raw_attention),
    }
    out["target"] = "app <= 1.3 x raw + 30 ms"
    return out


def attention_payload(ctx: Context) -> dict:
    """Bytes of one attention view: what the browser receives (the tab's plotly payload, per view) and
    what the JSON API returns (full-precision T x T floats)."""
    from llm_playground.tasks.attention_views import VIEWS, view_data
    from llm_playground.ui.tabs.attention import plot_payload

    out = {}
    for n in (128, 512):
        text = " ".join(["word"] * (n - 2))  # + [CLS] [SEP] = n tokens for BERT's WordPiece
        api = ctx.http.call("/attention", "bert-base", text, 0, 0)
        result = ctx.raw(lambda: ctx.service.attention("bert-base", text).result)()
        browser = {view: len(plot_payload(result, view_data(result, view, 0, 0, n // 2)).plot) for view in VIEWS}
        out[f"{n}_tokens"] = {"tokens": len(api["tokens"]), "browser_bytes_per_view": browser,
                              "api_json_bytes": len(json.dumps(api))}
    out["target"] = "<= 1 MB per view at 512 tokens (browser)"
    out["within_target"] = max(out["512_tokens"]["browser_bytes_per_view"].values()) <= 1_000_000
    return out


def manager_figures(ctx: Context) -> dict:
    from transformers import AutoTokenizer, BertForPreTraining

    from llm_playground.config import Settings
    from llm_playground.models.manager import ModelManager

    m = ctx.manager
    m.get("gpt2-small", "generation")
    start = time.perf_counter()
    for _ in range(1000):
        m.get("gpt2-small", "generation")
    warm = (time.perf_counter() - start) / 1000
    folder = ctx.models_dir / "bert-base"
    raw_s, _ = timed(ctx.raw(lambda: (BertForPreTraining.from_pretrained(folder),
                                      AutoTokenizer.from_pretrained(folder))), ctx.repeats)
    cold = lambda: ModelManager(Settings(models_dir=ctx.models_dir), hub_probe=lambda: False).get(  # noqa: E731
        "bert-base", "fill-mask")
    cold_s, _ = timed(ctx.raw(cold), ctx.repeats)
    return {"warm_hit_ms": round(warm * 1000, 4), "cold_load_s": round(cold_s, 3), "raw_from_pretrained_s":
            round(raw_s, 3), "cold_over_raw": ratio(cold_s, raw_s), "target": "warm < 1 ms, cold <= 1.1x raw"}


def concurrency(ctx: Context, clients: int = 8) -> dict:
    calls = load.mixed_calls("stories260K", "bert-base", ["gpt2-small", "bert-base"])
    result = load.run_clients(ctx.url, calls, clients, per_client=5 if ctx.quick else 15)
    return result.summary(clients)


def bfloat16(ctx: Context) -> dict:
    """bfloat16 vs float32 decoding speed, plain transformers and the app (dtype per request)."""
    n = 32
    calls = {}
    for dtype in ("float32", "bfloat16"):
        model, tok = raw_model(ctx, "gpt2-small", getattr(torch, dtype))
        calls[f"raw_{dtype}"] = ctx.raw(lambda model=model, tok=tok: _raw_generate(model, tok, n))
        calls[f"app_{dtype}"] = lambda dtype=dtype: ctx.http.call("/generate", "gpt2-small", GEN_PROMPT, n, False,
                                                                  1.0, 50, 1.0, 1.0, 0, 0, 1, dtype)
    med, _ = interleaved(calls, ctx.repeats)
    tps = {name: round(n / s, 2) for name, s in med.items()}
    return {"tokens_per_s": tps, "raw_bf16_speedup": ratio(tps["raw_bfloat16"], tps["raw_float32"]),
            "app_bf16_speedup": ratio(tps["app_bfloat16"], tps["app_float32"])}


def int8(ctx: Context) -> dict:
    """8-bit weights vs float32: speed, memory and quality (bench/int8.py)."""
    from .int8 import int8_section

    return int8_section(ctx)


def ui_stream(ctx: Context) -> dict:
    """The page's stream vs the API, same request: stories260K (fast) and GPT-2 small (bench/int8.py)."""
    from .int8 import ui_vs_api

    return {"stories260K": ui_vs_api(ctx, "stories260K", 64 if ctx.quick else 200),
            "gpt2_small": ui_vs_api(ctx, "gpt2-small", 8 if ctx.quick else 32)}


def decode(ctx: Context) -> dict:
    """The decode loop with the dynamic cache, a static cache and a compiled step, vs plain generate
    (bench/decode.py)."""
    from .decode import cpu_section, gpu_section

    if torch.cuda.is_available():
        return ctx.raw(lambda: gpu_section(ctx.models_dir / "gpt2-small", ctx.repeats))()
    return ctx.raw(lambda: cpu_section(ctx.models_dir, ctx.quick, ctx.repeats))()


def engine(ctx: Context) -> dict:
    """Local transformers vs a vLLM engine through the app, and the engine called directly (bench/engine.py)."""
    from .engine import engine_section

    if not ctx.engine:
        return {"skipped": "--quick skips the engine section (it starts vLLM); ask for it with --only engine"}
    return engine_section(ctx.models_dir, ctx.quick, ctx.repeats, ctx.engine_url, ctx.engine_pin)


# Memory first: it must see the app's first use of the BERT checkpoint.
ALL = [("memory_one_copy", memory_one_copy), ("client_floor", client_floor), ("generation", generation),
       ("first_token", first_token),
       ("request_latency", request_latency), ("attention_payload", attention_payload),
       ("manager", manager_figures), ("concurrency", concurrency), ("bfloat16", bfloat16), ("int8", int8), ("ui_stream", ui_stream),
       ("decode", decode),
       ("engine", engine)]
