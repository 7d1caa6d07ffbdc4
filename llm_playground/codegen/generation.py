"""Copy as Python for the Generate and Next-token tabs."""

from __future__ import annotations

from ..specs import DEFAULTS
from .common import DROP_EOS, TOP_N, as_float, as_int, dtype_of, header, int8_lines, source_of, text_literal


G = DEFAULTS["generate"]
N = DEFAULTS["next-token"]


def generate(model: str, prompt: str, max_new_tokens: int = G["max_new_tokens"], do_sample: bool = G["do_sample"],
             temperature: float = G["temperature"], top_k: int = G["top_k"], top_p: float = G["top_p"],
             repetition_penalty: float = G["repetition_penalty"], seed: int = G["seed"],
             no_repeat_ngram_size: int = G["no_repeat_ngram_size"], num_sequences: int = G["num_sequences"],
             dtype: str = G["dtype"], *, source: str | None = None, prefix_ids=()) -> str:
    """Code for the Generate tab. Pass the seed the app reported (seed=-1 makes it pick one) and, to match
    16-bit runs on a GPU, the dtype it reported. prefix_ids: a branch's forced tokens, appended to the prompt."""
    prompt, sample = text_literal(prompt, "prompt"), bool(do_sample)
    n, seed = as_int(num_sequences, "num_sequences"), as_int(seed, "seed")
    torch_dtype, dtype_note = dtype_of(dtype)
    args = [f"max_new_tokens={as_int(max_new_tokens, 'max_new_tokens')}", f"do_sample={sample}"]
    if sample:
        args += [f"temperature={as_float(temperature, 'temperature')!r}", f"top_k={as_int(top_k, 'top_k')}",
                 f"top_p={as_float(top_p, 'top_p')!r}"]
    penalty = as_float(repetition_penalty, "repetition_penalty")
    ngram = as_int(no_repeat_ngram_size, "no_repeat_ngram_size")
    if penalty != 1.0:
        args.append(f"repetition_penalty={penalty!r}")
    if ngram:
        args.append(f"no_repeat_ngram_size={ngram}")
    if sample and n > 1:
        args.append(f"num_return_sequences={n}")
    lines = header("Generate", "from transformers import AutoModelForCausalLM, AutoTokenizer", source_of(source, model))
    lines += [dtype_note] if dtype_note else []
    lines += [f"model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.{torch_dtype})",
              *(int8_lines() if str(dtype).lower() == "int8" else []),
              "", f"prompt = {prompt!r}", 'input_ids = tokenizer(prompt, return_tensors="pt").input_ids',
              *DROP_EOS, *forced_prefix(prefix_ids), ""]
    if sample:
        lines += ["# The app samples on the CPU with torch.Generator().manual_seed(seed); on a CPU this draws the",
                  "# same tokens. On a GPU generate() uses the GPU's generator, so sampled tokens may differ.",
                  f"torch.manual_seed({seed})" if seed >= 0 else
                  "torch.seed()  # seed -1: a random seed; the app reports the one it drew, put it here"]
    elif n > 1:
        lines.append(f"# Greedy decoding is deterministic: the app's {n} sequences are all this one.")
    lines += ["out = model.generate(",
              "    input_ids, attention_mask=torch.ones_like(input_ids),",
              f"    {', '.join(args)},",
              "    return_dict_in_generate=True, output_logits=True,  # keep every step's raw logits",
              ")",
              "tokenizer.clean_up_tokenization_spaces = False  # decode the text exactly, as the app does",
              f"prompt_text = tokenizer.decode(input_ids[0{', :prompt_len' if prefix_ids else ''}], "
              "skip_special_tokens=True)",
              "completions = [tokenizer.decode(seq, skip_special_tokens=True)[len(prompt_text):]",
              "               for seq in out.sequences]",
              "for completion in completions:",
              "    print(repr(prompt_text + completion))",
              "",
              "# Each new token's probability is the softmax of the model's raw logits (temperature 1, before",
              f"# any sampling filter), shown with the top-{TOP_N} alternatives.",
              "new_ids = out.sequences[0, input_ids.shape[1]:]",
              "for step, token_id in enumerate(new_ids.tolist()):",
              "    probs = torch.softmax(out.logits[step][0].float(), dim=-1)",
              f"    top = probs.topk({TOP_N})",
              "    others = \"  \".join(f\"{tokenizer.decode([i])!r} {p:.3f}\"",
              "                         for p, i in zip(top.values.tolist(), top.indices.tolist()))",
              '    print(f"{tokenizer.decode([token_id])!r:>14} {probs[token_id].item():.4f}   top: {others}")']
    if n > 1:
        lines += ["    if token_id == tokenizer.eos_token_id:",
                  "        break  # the first sequence ended here; the others went on"]
    return "\n".join(lines) + "\n"


def forced_prefix(prefix_ids) -> list[str]:
    """The branch: the app forced these tokens after the prompt (those generated before the step, then the
    alternative chosen) and generated from there; generate() does the same with them appended to input_ids."""
    ids = [as_int(i, "prefix_ids") for i in prefix_ids or ()]
    if not ids:
        return []
    return ["# The branch: tokens forced after the prompt (generated before, then the alternative you chose).",
            f"prefix_ids = {ids!r}", "prompt_len = input_ids.shape[1]",
            "input_ids = torch.cat([input_ids, torch.tensor([prefix_ids])], dim=1)"]


def next_token(model: str, prompt: str, top_k: int = N["top_k"], temperature: float = N["temperature"],
               top_p: float = N["top_p"], *, source: str | None = None, dtype: str = "float32") -> str:
    """Code for the Next-token tab: the raw distribution and the one sampling draws from, with the same
    warpers generate() applies (temperature, then top-k, then top-p)."""
    prompt, k = text_literal(prompt, "prompt"), as_int(top_k, "top_k")
    temp, p = as_float(temperature, "temperature"), as_float(top_p, "top_p")
    name, _ = dtype_of(dtype)
    imports = ("from transformers import (AutoModelForCausalLM, AutoTokenizer, TemperatureLogitsWarper,\n"
               "                          TopKLogitsWarper, TopPLogitsWarper)")
    lines = header("Next token", imports, source_of(source, model))
    lines += [f"model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.{name})", "",
              f"prompt = {prompt!r}", 'input_ids = tokenizer(prompt, return_tensors="pt").input_ids', *DROP_EOS,
              "with torch.no_grad():",
              "    logits = model(input_ids).logits[0, -1].float()",
              "probs = torch.softmax(logits, dim=-1)  # the model's own distribution (temperature 1)",
              "scores = logits[None]",
              f"scores = TemperatureLogitsWarper({temp!r})(input_ids, scores)" if temp != 1.0 else
              "# temperature 1: the logits stay as they are",
              f"scores = TopKLogitsWarper({k})(input_ids, scores)" if k > 0 else "# top_k 0: no top-k filter",
              f"scores = TopPLogitsWarper({p!r})(input_ids, scores)" if p < 1.0 else "# top_p 1: no top-p filter",
              "after = torch.softmax(scores[0], dim=-1)  # what sampling draws from; removed tokens have 0",
              f"top = probs.topk({min(max(k + 10, 20), 100)})  # the candidates the app lists",
              "for prob, token_id in zip(top.values.tolist(), top.indices.tolist()):",
              '    state = "kept" if after[token_id] > 0 else "removed"',
              '    print(f"{tokenizer.decode([token_id])!r:>14} {prob:.4f} -> {after[token_id].item():.4f} {state}")']
    return "\n".join(lines) + "\n"
