"""Before / after fine-tuning, on the learner's own text: for a few prompts cut from it, each model's greedy
continuation and the probability it gives to each true next token (one forward pass of prompt + truth).

`pick_prompts` makes the prompts from the held-out text (else the training text): its first lines or
sentences, each cut after its first words (or PROMPT_TOKENS tokens), the next TRUTH_TOKENS tokens being
the truth. `measure`
runs one model on them; `PromptComparison` joins the base and fine-tuned measurements.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import torch

from .finetune import token_ids

MAX_PROMPTS = 3
PROMPT_WORDS = 3
PROMPT_TOKENS = 6
TRUTH_TOKENS = 12


@dataclass
class Prompt:
    ids: list[int]  # the prompt, with the tokenizer's BOS
    truth: list[int]  # the tokens the text really continues with


@dataclass
class Measured:
    continuation: str  # greedy, as many tokens as the truth
    probs: list[float]  # P(true token | everything before it), per true token


@dataclass
class PromptComparison:
    prompt: str
    truth_tokens: list[str]
    base: Measured
    tuned: Measured

    def to_dict(self) -> dict:
        return asdict(self)


def pick_prompts(tokenizer, text: str, n: int = MAX_PROMPTS) -> list[Prompt]:
    """Prompts from the first lines / sentences that have room for a prompt and some truth."""
    pieces = [p.strip() for p in re.split(r"\n+|(?<=[.!?。！？])\s*", text) if p.strip()]
    prompts: list[Prompt] = []
    for piece in pieces:
        ids = token_ids(tokenizer, piece)
        cut = _cut(tokenizer, piece, ids)
        if len(ids) - cut >= 2 and all(p.ids != ids[:cut] for p in prompts):
            prompts.append(Prompt(ids[:cut], ids[cut:cut + TRUTH_TOKENS]))
        if len(prompts) == n:
            break
    return prompts


def _cut(tokenizer, piece: str, ids: list[int]) -> int:
    """Where the prompt ends: after its first words (half of them, PROMPT_WORDS at most) when they tokenize
    as the start of the sentence does, else after PROMPT_TOKENS tokens (texts without spaces: Japanese)."""
    words = piece.split(" ")
    if len(words) >= 2:
        head = token_ids(tokenizer, " ".join(words[:min(PROMPT_WORDS, len(words) // 2)]))
        if ids[:len(head)] == head:
            return len(head)
    return min(PROMPT_TOKENS, len(ids) // 2 + 1)


@torch.no_grad()
def measure(model, tokenizer, prompts: list[Prompt]) -> list[Measured]:
    out = []
    for p in prompts:
        ids = torch.tensor([p.ids + p.truth], device=model.device)
        probs = torch.softmax(model(ids).logits[0].float(), dim=-1)  # (T, V)
        start = len(p.ids) - 1  # position start + i predicts truth[i]
        true = [probs[start + i, tok].item() for i, tok in enumerate(p.truth)]
        prompt = ids[:, :len(p.ids)]
        generated = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=len(p.truth),
                                   do_sample=False, pad_token_id=tokenizer.eos_token_id)
        new = generated[0, len(p.ids):].tolist()
        out.append(Measured("".join(pieces(tokenizer, p.ids, new)), true))  # with its leading space
    return out


def compare(tokenizer, prompts: list[Prompt], base: list[Measured], tuned: list[Measured]) -> list[PromptComparison]:
    return [PromptComparison(tokenizer.decode(p.ids, skip_special_tokens=True), pieces(tokenizer, p.ids, p.truth), b, a)
            for p, b, a in zip(prompts, base, tuned)]


def pieces(tokenizer, prefix: list[int], ids: list[int]) -> list[str]:
    """Each token's text as it reads after the ones before it (decode([id]) alone loses sentencepiece's
    leading spaces)."""
    out, before = [], tokenizer.decode(prefix, skip_special_tokens=True)
    for i, tok in enumerate(ids):
        text = tokenizer.decode(prefix + ids[:i + 1], skip_special_tokens=True)
        out.append(text[len(before):] if text.startswith(before) else tokenizer.decode([tok]))
        before = text
    return out
