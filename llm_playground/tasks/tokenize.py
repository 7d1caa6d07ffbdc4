"""Text -> tokens with exact character offsets, for Hugging Face tokenizers and the baselines.

Offsets index the ORIGINAL Python string (code points): text[start:end] is what a token covers.
They are the fast tokenizer's own offset_mapping, with two repairs that keep that promise:
special tokens the tokenizer adds get an empty span where they sit (not the (0, 0) it reports),
and combining marks a normaliser folded away (e + ◌́ -> é) are counted in the token before them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from ..errors import InvalidInput, PlaygroundError, TaskNotSupported
from ..specs import MAX_TOKENIZERS
from .baselines import BASELINES, Baseline
from .text_diff import diff  # noqa: F401 - the round-trip diff of a Tokenization

BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")  # sentencepiece byte fallback


@dataclass
class Token:
    id: int
    token: str  # the vocabulary entry as the tokenizer writes it (Ġw, ##ing, ▁w, <0xE7>)
    start: int
    end: int
    special: bool = False
    unknown: bool = False
    data: bytes | None = None  # the exact bytes a byte-level piece stands for

    def to_dict(self) -> dict:
        return {"token": self.token, "id": self.id, "start": self.start, "end": self.end,
                "special": self.special, "unknown": self.unknown}


@dataclass
class Group:
    """Consecutive tokens over the same characters, e.g. the three byte pieces of one kanji."""
    start: int
    end: int
    tokens: list[Token] = field(default_factory=list)


@dataclass
class Tokenization:
    tokenizer: str
    kind: str
    text: str
    tokens: list[Token]
    decoded: str | None = None  # decode(encode(text)); None when the tokenizer cannot decode
    _groups: list[Group] | None = field(default=None, repr=False, compare=False)

    @property
    def count(self) -> int:
        return len(self.tokens)

    @property
    def chars_per_token(self) -> float:
        return len(self.text) / max(1, sum(not t.special for t in self.tokens))

    @property
    def round_trip_ok(self) -> bool | None:
        return None if self.decoded is None else self.decoded == self.text

    def groups(self) -> list[Group]:
        if self._groups is None:  # every view asks again; tokens do not change after tokenize()
            self._groups = group_tokens(self.tokens)
        return self._groups

    def to_dict(self) -> dict:
        return {"tokenizer": self.tokenizer, "kind": self.kind, "count": self.count,
                "characters": len(self.text), "bytes": len(self.text.encode()),
                "chars_per_token": round(self.chars_per_token, 3),
                "round_trip": {"ok": self.round_trip_ok, "decoded": self.decoded},
                "tokens": [t.to_dict() for t in self.tokens]}


def group_tokens(tokens: list[Token]) -> list[Group]:
    """Chain tokens whose character spans overlap; a token with an empty span stands alone."""
    groups: list[Group] = []
    for tok in tokens:
        last = groups[-1] if groups else None
        if last and tok.end > tok.start and last.end > last.start and tok.start < last.end:
            last.tokens.append(tok)
            last.end = max(last.end, tok.end)
        else:
            groups.append(Group(tok.start, tok.end, [tok]))
    return groups


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable stand-in character for each byte (Ġ = space, Ċ = newline), reversed."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    shifted = [b for b in range(256) if b not in keep]
    mapping = {b: chr(b) for b in keep} | {b: chr(256 + n) for n, b in enumerate(shifted)}
    return {ch: b for b, ch in mapping.items()}


def _piece_bytes(piece: str, byte_level: bool) -> bytes | None:
    if byte_level:
        table = _byte_decoder()
        return bytes(table[c] for c in piece) if all(c in table for c in piece) else None
    match = BYTE_PIECE.fullmatch(piece)
    return bytes([int(match.group(1), 16)]) if match else None


def tokenizer_kind(tok: Any) -> str:
    """A learner's name for the algorithm, read from the fast tokenizer's pipeline."""
    if isinstance(tok, Baseline):
        return tok.kind
    backend = getattr(tok, "backend_tokenizer", None)
    if backend is None:
        return type(tok).__name__
    model, decoder = type(backend.model).__name__, repr(backend.decoder)
    if model == "BPE":
        if decoder.startswith("ByteLevel"):
            return "byte-level BPE"
        if getattr(backend.model, "byte_fallback", False):
            return "sentencepiece BPE (byte fallback)"
        return "sentencepiece BPE" if "▁" in decoder else "BPE"
    return {"Unigram": "sentencepiece unigram", "WordPiece": "WordPiece", "WordLevel": "word-level"}.get(model, model)


def _is_folded_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me", "Cf")


def _absorb_folded_marks(spans: list[list[int]], text: str) -> None:
    """Give uncovered combining marks right after a token to that token (they were normalised into it)."""
    covered = [False] * len(text)
    last_ending: dict[int, int] = {}
    for i, (start, end) in enumerate(spans):
        covered[start:end] = [True] * (end - start)
        if end > start:
            last_ending[end] = i
    for end, i in last_ending.items():
        stop = end
        while stop < len(text) and not covered[stop] and _is_folded_mark(text[stop]):
            stop += 1
        spans[i][1] = stop


def _spans(ids: list[int], offsets: list[tuple[int, int]], specials: set[int], text: str) -> list[list[int]]:
    spans, pos = [], 0
    for tid, (start, end) in zip(ids, offsets):
        if tid in specials and start == end:
            start = end = pos  # added by the tokenizer: an empty span where it sits, not (0, 0)
        spans.append([start, end])
        pos = max(pos, end)
    _absorb_folded_marks(spans, text)
    return spans


def _encode_hf(tok: Any, text: str, add_special: bool) -> list[Token]:
    try:
        enc = tok(text, add_special_tokens=add_special, return_offsets_mapping=True,
                  return_attention_mask=False, return_token_type_ids=False, verbose=False)
    except NotImplementedError:
        raise TaskNotSupported("tok.not_fast") from None
    ids, specials, unk = enc["input_ids"], set(tok.all_special_ids), tok.unk_token_id
    byte_level = tokenizer_kind(tok) == "byte-level BPE"
    tokens = []
    for tid, piece, (start, end) in zip(ids, tok.convert_ids_to_tokens(ids),
                                        _spans(ids, enc["offset_mapping"], specials, text)):
        unknown = tid == unk and end > start and text[start:end] != tok.unk_token
        tokens.append(Token(tid, piece, start, end, tid in specials and not unknown, unknown,
                            _piece_bytes(piece, byte_level)))
    return tokens


def decode(tok: Any, ids: list[int]) -> str:
    if isinstance(tok, Baseline):
        return tok.decode(ids)
    return tok.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)


def tokenize(name: str, tok: Any, text: str, add_special: bool = True) -> Tokenization:
    """Tokens with offsets, plus the round trip decode(encode(text)) without added specials."""
    if isinstance(tok, Baseline):
        tokens = [Token(tid, piece, s, e) for tid, piece, s, e in tok.encode(text)]
    else:
        tokens = _encode_hf(tok, text, add_special)
    own = [t.id for t in tokens if not (t.special and t.start == t.end)]
    try:
        decoded = decode(tok, own)
    except InvalidInput:
        decoded = None  # the word baseline has no vocabulary to decode with
    return Tokenization(name, tokenizer_kind(tok), text, tokens, decoded)


def clean_names(names: Any) -> list[str]:
    """The requested tokenizer names: a list (or one name), deduplicated, 1..MAX_TOKENIZERS."""
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise InvalidInput("tok.not_a_list")
    unique = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not unique:
        raise InvalidInput("tok.choose")
    if len(unique) > MAX_TOKENIZERS:
        raise InvalidInput("tok.too_many", most=MAX_TOKENIZERS, n=len(unique))
    return unique


def resolve(name: str, load: Callable[[str], Any]) -> Any:
    """A baseline by its name, else the tokenizer `load` returns (the model manager's)."""
    return BASELINES.get(name) or load(name)


def tokenize_all(names: list[str], text: str, load: Callable[[str], Any], add_special: bool = True,
                 failures: list | None = None) -> list[Tokenization]:
    """Every tokenizer's tokens (names and text already checked: clean_names, the service). With a
    `failures` list, a tokenizer that cannot be used is recorded there as (name, error) and the others go on."""
    results = []
    for name in names:
        try:
            results.append(tokenize(name, resolve(name, load), text, add_special))
        except PlaygroundError as exc:
            if failures is None:
                raise
            failures.append((name, exc))
    return results
