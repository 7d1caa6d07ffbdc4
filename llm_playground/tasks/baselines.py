"""The two naive tokenizers from the course notes, as baselines beside the real ones.

- words: one token per word (letters/digits run) or punctuation mark; whitespace is dropped.
  Its "vocabulary" is built from the text itself, because a real word vocabulary would have to
  list every word of the language (and still miss rare ones) — the problem subwords solve.
- characters: one token per Unicode code point, id = the code point, so it can always decode.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..errors import InvalidInput

from ..specs import CHARACTERS, WORDS
MAX_CODE_POINT = 0x10FFFF
ZWJ = "\u200d"


def _attaches(prev: str, ch: str) -> bool:
    """Does `ch` belong to the same visible character as `prev` (a rough grapheme rule)?"""
    cat = unicodedata.category(ch)
    if cat.startswith("M") or ch == ZWJ or "\ufe00" <= ch <= "\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff":
        return True  # combining mark, joiner, variation selector, skin tone
    return prev == ZWJ


def _clusters(text: str) -> list[tuple[int, int]]:
    """Spans of user-perceived characters: é as e + ◌́, 👩‍💻, 👍🏽, and flag pairs stay whole."""
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        if spans and _attaches(text[i - 1], ch):
            spans[-1] = (spans[-1][0], i + 1)
        elif spans and _is_flag_half(ch) and _open_flag(text, *spans[-1]):
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


def _is_flag_half(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"  # regional indicator letters pair up into flags


def _open_flag(text: str, start: int, end: int) -> bool:
    return end - start == 1 and _is_flag_half(text[start])


def _is_word(ch: str) -> bool:
    return ch == "_" or unicodedata.category(ch)[0] in "LN"


@dataclass(frozen=True)
class Baseline:
    name: str
    kind: str

    def encode(self, text: str) -> list[tuple[int, str, int, int]]:
        """(id, token, start, end) per token."""
        raise NotImplementedError

    def decode(self, ids: list[int]) -> str:
        raise NotImplementedError


class WordBaseline(Baseline):
    def encode(self, text):
        spans: list[tuple[int, int]] = []
        for start, end in _clusters(text):
            if text[start].isspace():
                continue
            if spans and _is_word(text[start]) and _is_word(text[spans[-1][0]]) and spans[-1][1] == start:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        vocab: dict[str, int] = {}
        return [(vocab.setdefault(text[s:e], len(vocab)), text[s:e], s, e) for s, e in spans]

    def decode(self, ids):
        raise InvalidInput("baseline.no_vocabulary")


class CharacterBaseline(Baseline):
    def encode(self, text):
        return [(ord(ch), ch, i, i + 1) for i, ch in enumerate(text)]

    def decode(self, ids):
        bad = next((i for i in ids if not 0 <= i <= MAX_CODE_POINT or 0xD800 <= i <= 0xDFFF), None)
        if bad is not None:
            raise InvalidInput("baseline.not_a_code_point", id=bad, most=MAX_CODE_POINT)
        return "".join(map(chr, ids))


BASELINES: dict[str, Baseline] = {
    WORDS: WordBaseline(WORDS, "word-level (split at spaces and punctuation)"),
    CHARACTERS: CharacterBaseline(CHARACTERS, "character-level (one token per Unicode code point)"),
}
