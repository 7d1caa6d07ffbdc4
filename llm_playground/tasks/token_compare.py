"""Where do several tokenizers cut the same text differently?

Whitespace is not a disagreement: GPT-2 glues a space to the next word (" world"), BERT drops it,
so a cut just before or just after a space counts as the same cut. Each cut is therefore moved to
the next non-whitespace character, and cuts at the very start or end of the text are ignored.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from .tokenize import Group, Tokenization


def _next_visible(text: str) -> list[int]:
    """For each position 0..len(text): the first non-whitespace position at or after it."""
    out = [len(text)] * (len(text) + 1)
    for i in range(len(text) - 1, -1, -1):
        out[i] = i if not text[i].isspace() else out[i + 1]
    return out


def _text_groups(result: Tokenization) -> list[Group]:
    return [g for g in result.groups() if g.end > g.start]


def cut_points(result: Tokenization, visible: list[int] | None = None) -> set[int]:
    """The (whitespace-normalised) positions where this tokenizer starts or ends a token."""
    text = result.text
    visible = visible or _next_visible(text)
    first, last = visible[0], len(text)
    cuts = {visible[p] for g in _text_groups(result) for p in (g.start, g.end)}
    return {c for c in cuts if first < c < last}


def disagreements(results: list[Tokenization]) -> list[set[int]]:
    """Per result, the indices (into result.groups()) of token groups that another tokenizer splits
    differently: it cuts inside the group, or does not cut at one of its edges."""
    if len(results) < 2:
        return [set() for _ in results]
    text = results[0].text
    visible = _next_visible(text)
    first, last = visible[0], len(text)
    cuts = [cut_points(r, visible) for r in results]
    out = []
    for r, own in zip(results, cuts):
        others = [(c, sorted(c)) for c in cuts if c is not own]
        differs = set()
        for index, g in enumerate(r.groups()):
            lo, hi = visible[g.start], visible[g.end]
            if g.end <= g.start or lo >= hi:
                continue  # an added special token or a whitespace-only token: nothing to compare
            if any(_splits_differently(lo, hi, first, last, *other) for other in others):
                differs.add(index)
        out.append(differs)
    return out


def _splits_differently(lo: int, hi: int, first: int, last: int, cuts: set[int], ordered: list[int]) -> bool:
    """Does this other tokenizer miss an edge of [lo, hi) or cut inside it?"""
    missing_edge = any(c not in (first, last) and c not in cuts for c in (lo, hi))
    return missing_edge or bisect_right(ordered, hi - 1) > bisect_right(ordered, lo)


def cut_votes(results: list[Tokenization]) -> Counter:
    """How many of the results cut the text at each position."""
    visible = _next_visible(results[0].text) if results else []
    return Counter(c for r in results for c in cut_points(r, visible))


@dataclass
class Comparison:
    """Several tokenizations of one text, with where they cut differently (what the tab draws)."""
    results: list[Tokenization]
    differs: list[set[int]]
    votes: Counter
    failures: list = field(default_factory=list)  # (name, error) of tokenizers that could not be used

    @property
    def text(self) -> str:
        return self.results[0].text if self.results else ""


def compare(results: list[Tokenization], failures: list = ()) -> Comparison:
    return Comparison(results, disagreements(results), cut_votes(results), list(failures))
