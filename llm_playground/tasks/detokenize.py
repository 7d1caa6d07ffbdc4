"""Ids -> text: decode pasted token ids with a tokenizer (or the character baseline)."""

from __future__ import annotations

import re
from typing import Any

from ..config import MAX_IDS
from ..errors import InvalidInput
from .baselines import Baseline
from .tokenize import Token, decode


def parse_ids(raw: Any) -> list[int]:
    """Ids from a list or from text like '15496, 995' or '[15496 995]'."""
    if isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        items = [p for p in re.split(r"[\s,\[\]()]+", str(raw or "")) if p]
    if not items:
        raise InvalidInput("ids.empty")
    if len(items) > MAX_IDS:
        raise InvalidInput("ids.too_many", n=len(items), limit=MAX_IDS)
    ids = []
    for item in items:
        try:
            value = int(str(item))
        except ValueError:
            raise InvalidInput("ids.not_an_id", item=str(item)[:20]) from None
        ids.append(value)
    return ids


def decode_ids(tok: Any, raw_ids: Any) -> tuple[str, list[Token]]:
    """The text for ids, and each id's vocabulary entry (offsets unknown: start = end = 0)."""
    ids = parse_ids(raw_ids)
    if isinstance(tok, Baseline):
        text = tok.decode(ids)
        return text, [Token(i, chr(i), 0, 0) for i in ids]
    size = len(tok)
    bad = next((i for i in ids if not 0 <= i < size), None)
    if bad is not None:
        raise InvalidInput("ids.outside_vocab", id=bad, last=size - 1)
    specials = set(tok.all_special_ids)
    pieces = tok.convert_ids_to_tokens(ids)
    return decode(tok, ids), [Token(i, piece, 0, 0, i in specials) for i, piece in zip(ids, pieces)]
