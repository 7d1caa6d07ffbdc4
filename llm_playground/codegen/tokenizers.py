"""Copy as Python for the Tokenizer tab."""

from __future__ import annotations

from typing import Mapping

from ..tasks.baselines import CHARACTERS, WORDS
from .common import text_literal


def tokenize(tokenizers, text: str, add_special_tokens: bool = True, *,
             sources: Mapping[str, str] | None = None) -> str:
    """Code for the Tokenizer tab. `sources` maps a tokenizer name to its from_pretrained source (the
    name itself when missing); the app's word/character baselines get a comment / one line of Python."""
    names = [tokenizers] if isinstance(tokenizers, str) else list(tokenizers or [])
    names = list(dict.fromkeys(text_literal(n, "tokenizer name").strip() for n in names if str(n).strip()))
    real = [text_literal((sources or {}).get(n) or n, "tokenizer source")
            for n in names if n not in (WORDS, CHARACTERS)]
    special = add_special_tokens is not False
    lines = ["# LLM Playground, Tokenizer: the same tokens with plain transformers."]
    lines += ["from transformers import AutoTokenizer", ""] if real else [""]
    lines.append(f"text = {text_literal(text)!r}")
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
