"""GPU check (issue #28): the app's task and backend layers against plain transformers on the same device and dtype,
and the app's tokens/s and time to first token beside model.generate in the same run. One JSON object on stdout;
exit 1 when an equality check fails. scripts/gpu_check.sh runs it on the device machine.

That machine is bare and offline (torch + transformers; no gradio, no Hub): only llm_playground modules that import
no gradio/plotly/pandas are used (the JSON lists any imported anyway), and the models are random weights of real
configs (equality needs no trained model; speed depends on shapes). `--device cpu --quick` is its CPU self-test."""

from __future__ import annotations

import argparse
import copy
import json
import math
import statistics
import sys
import time
import traceback
from pathlib import Path

import torch
import transformers
from tokenizers import ByteLevelBPETokenizer
from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config, PreTrainedTokenizerFast, Qwen2Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as a plain file from anywhere: the package sits beside scripts/

from llm_playground.backends.local import LocalGeneration, stream_generate
from llm_playground.config import SAME_ATOL, SAME_RTOL
from llm_playground.models.catalog import ATTENTION, GENERATION, TOKENIZER, ModelEntry
from llm_playground.models.devices import dtype_name
from llm_playground.models.loaded import LoadedModel
from llm_playground.tasks import attention, logit_lens, next_token
from llm_playground.tasks.generation import GenerationParams

PROMPT = "The old lighthouse keeper climbed the stairs every evening, and on the night of the storm he saw"
# ../shared does not travel to the device machine; a copy under the repo's shared/ does (device README)
TOKENIZER_DIRS = ("shared/models/gpt2-tokenizer", "../shared/models/gpt2-tokenizer")
TASKS = {GENERATION, TOKENIZER, ATTENTION}


def configs(quick: bool) -> dict:
    """Weights of std 3/sqrt(hidden), not the configs' 0.02: random 0.02 weights give near-uniform distributions
    (every p ~ 1/vocab), where SAME_ATOL alone passes nearly any error; logits of std ~3 give peaked ones."""
    if quick:  # the real vocabularies (the LM head is much of a step's work), everything else tiny
        made = {"gpt2-tiny": GPT2Config(n_layer=2, n_embd=64, n_head=4, n_positions=256),
                "qwen2-tiny": Qwen2Config(vocab_size=151936, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                          num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True)}
    else:
        made = {"gpt2-124M": GPT2Config(),  # GPT2Config()'s defaults are GPT-2 small's
                "qwen2.5-0.5B": Qwen2Config(  # Qwen/Qwen2.5-0.5B's config.json: 494M parameters, grouped KV heads
                    vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                    num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=32768, rope_theta=1e6,
                    rms_norm_eps=1e-6, tie_word_embeddings=True)}
    for config in made.values():
        config.initializer_range = 3 / config.hidden_size ** 0.5
    return made


def load_tokenizer(path: str | None):
    for folder in [path] if path else TOKENIZER_DIRS:
        folder = Path(folder) if Path(folder).is_absolute() else ROOT / folder
        if (folder / "tokenizer.json").exists():
            return AutoTokenizer.from_pretrained(folder), str(folder.resolve())
    # not carried to the device: a byte-level BPE trained on the prompt stands in rather than losing the run (ids
    # and probabilities are compared, not text; the model's vocabulary stays the real config's)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator([PROMPT] * 4, vocab_size=300, special_tokens=["<|endoftext|>"])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|endoftext|>", bos_token="<|endoftext|>")
    return tok, "byte-level BPE trained on the prompt (gpt2-tokenizer not found)"


def build(name: str, model, tokenizer, device: str, dtype: torch.dtype) -> LoadedModel:
    """A LoadedModel as the manager makes one (manager.py), without loading from disk."""
    model = model.to(dtype).eval()
    model.generation_config.eos_token_id = None  # random weights may emit EOS anywhere: same length every run
    nbytes = sum(p.numel() * p.element_size() for p in model.parameters())
    return LoadedModel(ModelEntry(name, name, frozenset(TASKS), local=True), model, tokenizer, device, dtype, nbytes,
                       set(TASKS), 0.0)


def close(got, want) -> tuple[bool, float]:
    """The project's numbers promise (config.SAME_RTOL / SAME_ATOL, numpy.isclose's rule) and the largest gap."""
    got, want = torch.as_tensor(got, dtype=torch.float64).cpu(), torch.as_tensor(want, dtype=torch.float64).cpu()
    gap = (got - want).abs()
    return bool((gap <= SAME_ATOL + SAME_RTOL * want.abs()).all()), float(gap.max()) if gap.numel() else 0.0


def ranked(ids, probs, ref: torch.Tensor) -> tuple[bool, float]:
    """The app's top tokens [..., k] against reference distributions [..., V], tie-proof: each listed token has the
    reference's probability, and the listed probabilities are the reference's top k (in bfloat16 several tokens can
    share one logit; which of them comes first is no difference)."""
    ref = ref.double().cpu()
    ids, probs = torch.as_tensor(ids), torch.as_tensor(probs, dtype=torch.float64)
    ok1, gap1 = close(probs, ref.gather(-1, ids))
    ok2, gap2 = close(probs, ref.topk(ids.shape[-1], dim=-1).values)
    return ok1 and ok2, max(gap1, gap2)


def ref_ids(loaded) -> torch.Tensor:
    return loaded.tokenizer(PROMPT, return_tensors="pt")["input_ids"].to(loaded.device)


def check_generation(loaded, n_new: int) -> dict:
    """Greedy ids and probabilities (chosen token and top 5 each step) from stream_generate vs model.generate."""
    *_, state = stream_generate(loaded, PROMPT, GenerationParams(max_new_tokens=n_new))
    tokens, ids = state.sequences[0].tokens, ref_ids(loaded)
    with torch.inference_mode():
        out = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n_new, do_sample=False,
                                    output_logits=True, return_dict_in_generate=True)
    want, got = out.sequences[0, ids.shape[1]:].tolist(), [t.id for t in tokens]
    differ = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
    steps = len(tokens) if differ is None else differ + 1  # after a different token the contexts differ too
    ref = torch.softmax(torch.stack([out.logits[i][0] for i in range(steps)]).double(), -1).cpu()
    ok_chosen, gap_chosen = close([t.prob for t in tokens[:steps]], ref[range(steps), got[:steps]])
    ok_top, gap_top = ranked([[a.id for a in t.top] for t in tokens[:steps]],
                             [[a.prob for a in t.top] for t in tokens[:steps]], ref)
    return {"ids": {"ok": got == want, **({} if differ is None else {"first_difference": differ})},
            "probs": {"ok": ok_chosen and ok_top, "max_diff": max(gap_chosen, gap_top),
                      "top_prob": round(float(ref.max(-1).values.mean()), 4)}}  # peaked enough to mean something


def check_next_token(loaded) -> dict:
    """tasks/next_token (top_k 20): raw probabilities, and top-k's kept set renormalised, vs one plain forward."""
    res = next_token.next_token(loaded, PROMPT, top_k=20)
    with torch.inference_mode():  # the last position's logits only, as generate() asks for them (logits_to_keep):
        # a one-row LM head may run another GEMM kernel than a whole prompt's, which in bfloat16 moves a logit by an ulp
        logits = loaded.model(input_ids=ref_ids(loaded), logits_to_keep=1).logits[0, -1].double().cpu()
    listed = [c.id for c in res.candidates]
    ok_raw, gap_raw = ranked(listed, [c.prob for c in res.candidates], torch.softmax(logits, -1))
    keep = logits >= logits.topk(20).values[-1]  # ties with the 20th are kept, as TopKLogitsWarper keeps them
    after = torch.softmax(logits.masked_fill(~keep, -math.inf), -1)
    ok_after, gap_after = close([c.prob_after_filters for c in res.candidates], after[listed])
    ok = ok_raw and ok_after and res.kept_count == int(keep.sum())
    return {"probs": {"ok": ok, "max_diff": max(gap_raw, gap_after)}}


def check_attention(loaded) -> dict:
    """tasks/attention vs output_attentions of a plain eager forward; the app must also restore the implementation."""
    model, before = loaded.model, loaded.model.config._attn_implementation
    res = attention.compute_attention(loaded, PROMPT)
    restored = model.config._attn_implementation == before
    model.set_attn_implementation("eager")  # only eager returns the weights
    try:
        with torch.inference_mode():
            out = model(input_ids=ref_ids(loaded), output_attentions=True)
    finally:  # the timings that follow run on this model
        model.set_attn_implementation(before)
    ok, gap = close(res.attentions, torch.stack(out.attentions)[:, 0])
    return {"weights": {"ok": ok and restored, "max_diff": gap, "implementation_restored": restored}}


def check_lens(loaded) -> dict:
    """tasks/logit_lens (top 5, entropy) vs every hidden state through the final norm and LM head by hand."""
    res, model, base = logit_lens.logit_lens(loaded, PROMPT, top_k=5), loaded.model, loaded.model.base_model
    norm, head = base.ln_f if hasattr(base, "ln_f") else base.norm, model.get_output_embeddings()
    with torch.inference_mode():
        out = model(input_ids=ref_ids(loaded), output_hidden_states=True)
        # hidden_states[-1] is already normed in GPT-2/Llama-style models: the last layer is the model's own logits
        logits = [head(norm(h))[0] for h in out.hidden_states[:-1]] + [out.logits[0]]
        probs = torch.softmax(torch.stack(logits).float(), -1)  # float32 as the app's: a float64 entropy of a
        # near-certain position (0.04 bits) differs from any float32 one by more than SAME_ATOL
    ok_top, gap_top = ranked(res.top_ids, res.top_probs, probs)
    ok_ent, gap_ent = close(res.entropy, -torch.special.xlogy(probs, probs).sum(-1) / math.log(2))
    return {"layers": {"ok": ok_top and ok_ent, "max_diff": max(gap_top, gap_ent)}}


def run_app(loaded, mode: str, n_new: int) -> tuple[list[int], float, float]:
    """(ids, seconds to the first token, seconds in all) of a greedy generation in the app's backend, timed from
    the request."""
    start, first, state = time.perf_counter(), None, None
    backend, params = LocalGeneration(loaded, decode=mode), GenerationParams(max_new_tokens=n_new).validated()
    backend.prepare(PROMPT, params)
    for state in backend.stream(PROMPT, params):  # each step's state is on the CPU: the clock reads synced times
        first = first or time.perf_counter() - start
    return [t.id for t in state.sequences[0].tokens], first, time.perf_counter() - start


def run_hf(loaded, n_new: int) -> tuple[list[int], float, float]:
    """The same from plain generate(); time to first token = a 1-token generate (prefill and one pick)."""
    seconds = []
    for n in (1, n_new):
        start, ids = time.perf_counter(), ref_ids(loaded)
        with torch.inference_mode():
            out = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, do_sample=False)
        got = out[0, ids.shape[1]:].tolist()  # tolist() waits for the GPU
        seconds.append(time.perf_counter() - start)
    return got, *seconds


def timing(loaded, modes: list[str], n_new: int, repeats: int) -> dict:
    """Median over `repeats` rounds after one warm-up round (which also compiles), the sides alternating each round
    so that drift in the machine's speed hits every side alike."""
    sides = {f"app_{m}": (lambda m=m: run_app(loaded, m, n_new)) for m in modes}
    sides["transformers_generate"] = lambda: run_hf(loaded, n_new)
    runs, warm, ids, out = {name: [] for name in sides}, {}, {}, {}
    for round_ in range(repeats + 1):
        for name, fn in list(sides.items()):
            start = time.perf_counter()
            try:
                ids[name], first, total = fn()
            except Exception as exc:  # noqa: BLE001 - one side failing (a compile, say) keeps the others' figures
                traceback.print_exc()
                out[name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
                del sides[name], runs[name]
                continue
            warm.setdefault(name, time.perf_counter() - start)  # round 0: the warm-up (and the compile)
            runs[name] += [(first, total)] if round_ else []
    for name, times in runs.items():
        first, total = (statistics.median(t[i] for t in times) for i in (0, 1))
        out[name] = {"ttft_ms": round(first * 1000, 2), "total_s": round(total, 4),
                     "tokens_per_s": round(n_new / total, 1), "warmup_s": round(warm[name], 3),
                     "decode_tokens_per_s": round((n_new - 1) / max(total - first, 1e-9), 1),
                     "same_ids_as_generate": ids[name] == ids.get("transformers_generate")}
    if loaded.compiled is not None:  # decode_steps.py falls back to an uncompiled static cache when compiling fails
        out["compile_failed"] = loaded.compiled.failed
    return out


def guarded(fn, *args) -> dict:
    """A check that raises fails with its error and the run goes on: one GPU run should report everything."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        return {"error": {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:500]}}


def check_model(name, config, tokenizer, args, report) -> None:
    """Every check in float32 and in bfloat16 (the app's 16-bit default on CUDA), the same dtype on both sides; the
    timings in the dtype --dtype auto loads on this device (bfloat16 on CUDA, float32 on the CPU)."""
    torch.manual_seed(0)
    with torch.device(args.device):  # made where it runs: a 0.5B model's random init is slow on the CPU
        model32 = AutoModelForCausalLM.from_config(config)
    params = sum(p.numel() for p in model32.parameters())
    print(f"[gpu_check] {name}: {params / 1e6:.1f}M parameters", file=sys.stderr, flush=True)
    for dtype in (torch.float32, torch.bfloat16):
        key = f"{name}/{dtype_name(dtype)}"
        loaded = build(name, copy.deepcopy(model32), tokenizer, args.device, dtype)
        for part, fn, extra in (("generate", check_generation, (args.new_tokens,)),
                                ("next_token", check_next_token, ()), ("attention", check_attention, ()),
                                ("logit_lens", check_lens, ())):
            for sub, result in guarded(fn, loaded, *extra).items():
                report["checks"][f"{key}/{part}/{sub}"] = result
        if dtype == (torch.bfloat16 if args.cuda else torch.float32):
            print(f"[gpu_check] {key}: timing {args.modes} and generate()", file=sys.stderr, flush=True)
            report["timing"][name] = {"parameters": params, "dtype": dtype_name(dtype),
                                      "prompt_tokens": int(ref_ids(loaded).shape[1]),
                                      **guarded(timing, loaded, args.modes, args.new_tokens, args.repeats)}
        del loaded
        if args.cuda:
            torch.cuda.empty_cache()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--quick", action="store_true", help="tiny configs and few tokens (the CPU self-test)")
    ap.add_argument("--tokenizer", help="a tokenizer folder (default: gpt2-tokenizer under shared/ or ../shared/)")
    ap.add_argument("--new-tokens", type=int, help="tokens per generation (default 128; --quick 8)")
    ap.add_argument("--repeats", type=int, help="timed rounds per side (default 3; --quick 1)")
    ap.add_argument("--modes", help="app decode modes to time (default dynamic,compiled on CUDA, dynamic elsewhere)")
    args = ap.parse_args()
    began, args.cuda = time.perf_counter(), args.device.startswith("cuda")
    args.new_tokens = args.new_tokens or (8 if args.quick else 128)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.modes = (args.modes or ("dynamic,compiled" if args.cuda else "dynamic")).split(",")
    tokenizer, tokenizer_from = load_tokenizer(args.tokenizer)
    report = {"device": torch.cuda.get_device_name() if args.cuda else args.device, "torch": torch.__version__,
              "transformers": transformers.__version__, "python": sys.version.split()[0], "quick": args.quick,
              "tokenizer": tokenizer_from, "new_tokens": args.new_tokens, "repeats": args.repeats,
              "rtol": SAME_RTOL, "atol": SAME_ATOL, "checks": {}, "timing": {}}
    for name, config in configs(args.quick).items():
        check_model(name, config, tokenizer, args, report)
        print(f"[gpu_check] so far: {json.dumps(report)}", file=sys.stderr, flush=True)  # kept if a later part hangs
    failed = [name for name, c in report["checks"].items() if not c["ok"]]
    report |= {"failed": failed, "ok": not failed, "seconds": round(time.perf_counter() - began, 1),
               "heavy_modules_imported": [m for m in ("gradio", "plotly", "pandas") if m in sys.modules]}
    print(json.dumps(report, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
