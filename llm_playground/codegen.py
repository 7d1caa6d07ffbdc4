"""Copy as Python: the short plain-`transformers` code that reproduces a tab's result outside the app.

One function per task, taking the same parameters as the PlaygroundAPI method of that task plus the
checkpoint `source` (what from_pretrained gets: catalogue ModelEntry.source; the model name when left
out). Each returns a runnable script as a string. Every user string enters the code through repr() and
every number through int()/float(), so no input can change what the code does, only what it reads.

The code is what the course notes teach (AutoTokenizer, AutoModelForCausalLM.generate, a masked-LM
top-k, BertForNextSentencePrediction's softmax, output_attentions with eager attention, offsets) and
gives the app's numbers: generate() with the same processors, the same prompt handling (a trailing EOS
dropped, BOS kept) and, on a CPU, the same sampled tokens (torch.manual_seed(seed) seeds the generator
the app's own torch.Generator(seed) mirrors). No torch or gradio import here.
"""

from __future__ import annotations

import math
import re
from typing import Mapping

from .errors import InvalidInput
from .tasks.baselines import CHARACTERS, WORDS
from .tasks.validation import number

DTYPES = ("float32", "bfloat16", "float16")
TOP_N = 5  # alternatives per generated token, as the Generate tab shows
_USER_MASK_RE = re.compile(re.escape("[MASK]"), re.IGNORECASE)


def _text(value, what: str = "text") -> str:
    """The text as the app reads it (clean_text drops NULs); always a str so repr() makes a literal."""
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be a string.")
    return value.replace("\x00", "")


def _int(value, name: str) -> int:
    return number(value, name, -math.inf, math.inf, integer=True)


def _float(value, name: str) -> float:
    return number(value, name, -math.inf, math.inf)


def _dtype(dtype) -> tuple[str, str]:
    """(torch dtype name, comment): the app's 'auto' is float32 on a CPU (16-bit on a GPU)."""
    name = str(dtype or "auto").lower().removeprefix("torch.")
    if name == "auto":
        return "float32", "# The app's dtype 'auto' is float32 on a CPU (16-bit on a GPU: use the dtype it reports)."
    if name not in DTYPES:
        raise InvalidInput(f"Unknown dtype {dtype!r} (use auto, {', '.join(DTYPES)}).")
    return name, ""


def _source(source, model) -> str:
    return _text(source if source else model, "model source")


def _header(title: str, imports: str, source: str) -> list[str]:
    return [f"# LLM Playground, {title}: the same result with plain transformers.",
            "import torch", imports, "", f"source = {source!r}",
            "tokenizer = AutoTokenizer.from_pretrained(source)"]


_DROP_EOS = [
    "if input_ids.shape[1] > 1 and input_ids[0, -1] == tokenizer.eos_token_id:",
    "    input_ids = input_ids[:, :-1]  # drop the </s> T5Tokenizer-style tokenizers append (BOS stays)"]


def generate(model: str, prompt: str, max_new_tokens: int = 40, do_sample: bool = False,
             temperature: float = 1.0, top_k: int = 50, top_p: float = 1.0, repetition_penalty: float = 1.0,
             seed: int = 0, no_repeat_ngram_size: int = 0, num_sequences: int = 1, dtype: str = "auto",
             *, source: str | None = None) -> str:
    """Code for the Generate tab. Pass the seed the app reported (seed=-1 makes it pick one) and, to match
    16-bit runs on a GPU, the dtype it reported."""
    prompt, sample = _text(prompt, "prompt"), bool(do_sample)
    n, seed = _int(num_sequences, "num_sequences"), _int(seed, "seed")
    torch_dtype, dtype_note = _dtype(dtype)
    args = [f"max_new_tokens={_int(max_new_tokens, 'max_new_tokens')}", f"do_sample={sample}"]
    if sample:
        args += [f"temperature={_float(temperature, 'temperature')!r}", f"top_k={_int(top_k, 'top_k')}",
                 f"top_p={_float(top_p, 'top_p')!r}"]
    penalty = _float(repetition_penalty, "repetition_penalty")
    ngram = _int(no_repeat_ngram_size, "no_repeat_ngram_size")
    if penalty != 1.0:
        args.append(f"repetition_penalty={penalty!r}")
    if ngram:
        args.append(f"no_repeat_ngram_size={ngram}")
    if sample and n > 1:
        args.append(f"num_return_sequences={n}")
    lines = _header("Generate", "from transformers import AutoModelForCausalLM, AutoTokenizer", _source(source, model))
    lines += [dtype_note] if dtype_note else []
    lines += [f"model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.{torch_dtype})",
              "", f"prompt = {prompt!r}", 'input_ids = tokenizer(prompt, return_tensors="pt").input_ids',
              *_DROP_EOS, ""]
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
              "prompt_text = tokenizer.decode(input_ids[0], skip_special_tokens=True)",
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


def fill_mask(model: str, text: str, top_k: int = 5, *, source: str | None = None, dtype: str = "float32") -> str:
    """Code for the Fill mask tab: each mask's top-k tokens from one forward pass."""
    text = _USER_MASK_RE.sub("[MASK]", _text(text))  # the app takes [mask] in any case
    torch_dtype, _ = _dtype(dtype)
    lines = _header("Fill mask", "from transformers import AutoModelForMaskedLM, AutoTokenizer", _source(source, model))
    lines += ["# For BERT this is BertForMaskedLM: the masked-language-model head.",
              f"model = AutoModelForMaskedLM.from_pretrained(source, dtype=torch.{torch_dtype})", "",
              "# [MASK] becomes the model's own mask token (RoBERTa's is <mask>).",
              f"text = {text!r}.replace(\"[MASK]\", tokenizer.mask_token)",
              'inputs = tokenizer(text, return_tensors="pt")',
              "with torch.no_grad():",
              "    logits = model(**inputs).logits[0]",
              "",
              "# Every mask is scored on its own: the softmax of its position's logits.",
              "predictions = {}",
              'for position in (inputs["input_ids"][0] == tokenizer.mask_token_id).nonzero()[:, 0].tolist():',
              "    probs = torch.softmax(logits[position].float(), dim=-1)",
              f"    top = probs.topk({_int(top_k, 'top_k')})",
              "    predictions[position] = list(zip(top.indices.tolist(), top.values.tolist()))",
              '    print(f"[MASK] at token {position}:")',
              "    for token_id, prob in predictions[position]:",
              '        print(f"  {tokenizer.decode([token_id]).strip()!r:>16} (id {token_id}) {prob:.4f}")']
    return "\n".join(lines) + "\n"


def next_sentence(model: str, sentence_a: str, sentence_b: str, *, source: str | None = None,
                  dtype: str = "float32") -> str:
    """Code for the Next sentence tab: P(IsNext) and P(NotNext) from BERT's NSP head."""
    a, b = _text(sentence_a, "sentence A"), _text(sentence_b, "sentence B")
    torch_dtype, _ = _dtype(dtype)
    lines = _header("Next sentence", "from transformers import AutoTokenizer, BertForNextSentencePrediction",
                    _source(source, model))
    lines += [f"model = BertForNextSentencePrediction.from_pretrained(source, dtype=torch.{torch_dtype})", "",
              f"sentence_a = {a!r}", f"sentence_b = {b!r}",
              "# [CLS] A [SEP] B [SEP], with token_type_ids 0 for sentence A and 1 for sentence B",
              'inputs = tokenizer(sentence_a, sentence_b, return_tensors="pt")',
              "with torch.no_grad():",
              "    logits = model(**inputs).logits[0]  # [IsNext, NotNext]",
              "probs = torch.softmax(logits.float(), dim=-1)",
              'print(tokenizer.convert_ids_to_tokens(inputs["input_ids"][0]))',
              'print(f"IsNext {probs[0].item():.4f}   NotNext {probs[1].item():.4f}")']
    return "\n".join(lines) + "\n"


def tokenize(tokenizers, text: str, add_special_tokens: bool = True, *,
             sources: Mapping[str, str] | None = None) -> str:
    """Code for the Tokenizer tab. `sources` maps a tokenizer name to its from_pretrained source (the
    name itself when missing); the app's word/character baselines get a comment / one line of Python."""
    names = [tokenizers] if isinstance(tokenizers, str) else list(tokenizers or [])
    names = list(dict.fromkeys(_text(n, "tokenizer name").strip() for n in names if str(n).strip()))
    real = [_text((sources or {}).get(n) or n, "tokenizer source") for n in names if n not in (WORDS, CHARACTERS)]
    special = add_special_tokens is not False
    lines = ["# LLM Playground, Tokenizer: the same tokens with plain transformers."]
    lines += ["from transformers import AutoTokenizer", ""] if real else [""]
    lines.append(f"text = {_text(text)!r}")
    if real:
        lines += [f"for source in {real!r}:",
                  "    tokenizer = AutoTokenizer.from_pretrained(source)",
                  f"    enc = tokenizer(text, add_special_tokens={special}, return_offsets_mapping=True)",
                  '    ids = enc["input_ids"]',
                  "    tokens = tokenizer.convert_ids_to_tokens(ids)",
                  '    print(f"{source}: {len(ids)} tokens")',
                  "    # text[start:end] is what a token covers. Tokens the tokenizer adds ([CLS], <s>) report",
                  "    # (0, 0); the app draws them as an empty span where they sit.",
                  '    for token, token_id, (start, end) in zip(tokens, ids, enc["offset_mapping"]):',
                  '        print(f"  {token!r:>16} {token_id:>7}  {start:>4}:{end:<4} {text[start:end]!r}")',
                  "    own = tokenizer(text, add_special_tokens=False)[\"input_ids\"]",
                  "    decoded = tokenizer.decode(own, clean_up_tokenization_spaces=False)",
                  '    print("  decode(encode(text)) == text:", decoded == text)']
    if CHARACTERS in names:
        lines += ["# The character baseline: one token per Unicode code point, id = the code point.",
                  "print([(ord(ch), ch) for ch in text])"]
    if WORDS in names:
        lines += ["# The word baseline is the app's own teaching tokenizer (words and punctuation marks);",
                  "# roughly: import re; print(re.findall(r\"\\w+|[^\\w\\s]\", text))"]
    return "\n".join(lines) + "\n"


def attention(model: str, text: str, layer: int = 0, head=-1, text_pair: str = "", *,
              source: str | None = None, causal: bool = False, dtype: str = "float32") -> str:
    """Code for the Attention tab: one layer's weights, for a head or the mean ("max") over heads.
    `causal` (the API result's "causal"): a left-to-right LM, fed the prompt as the Generate tab does."""
    text, layer = _text(text), _int(layer, "layer")
    pair = _text(text_pair or "", "sentence B")
    pair = pair if pair.strip() and not causal else ""
    if head in (-1, "-1", "mean"):
        pick, what = ".mean(0)", "the mean over heads (rows still sum to 1)"
    elif head == "max":
        pick, what = ".max(0).values", "the max over heads (rows no longer sum to 1)"
    else:
        head = _int(head, "head")
        pick, what = f"[{head}]", f"head {head}"
    torch_dtype, _ = _dtype(dtype)
    lines = _header("Attention", "from transformers import AutoModel, AutoTokenizer", _source(source, model))
    lines += ["# Only the eager attention implementation returns the attention weights.",
              f'model = AutoModel.from_pretrained(source, attn_implementation="eager", dtype=torch.{torch_dtype})',
              "", f"text = {text!r}"]
    if causal:
        lines += ['input_ids = tokenizer(text, return_tensors="pt").input_ids', *_DROP_EOS,
                  'inputs = {"input_ids": input_ids}']
    elif pair:
        lines += [f"text_pair = {pair!r}", "# [CLS] A [SEP] B [SEP], as BERT reads a sentence pair",
                  'inputs = tokenizer(text, text_pair, return_tensors="pt")']
    else:
        lines.append('inputs = tokenizer(text, return_tensors="pt")')
    lines += ["with torch.no_grad():",
              "    attentions = model(**inputs, output_attentions=True).attentions  # per layer: [1, heads, T, T]",
              f"# Layer {layer}, {what}: row i = how token i spreads its attention over the tokens.",
              f"weights = attentions[{layer}][0]{pick}",
              'tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])',
              "torch.set_printoptions(precision=3, sci_mode=False, linewidth=160)",
              "print(tokens)",
              "print(weights)"]
    return "\n".join(lines) + "\n"
