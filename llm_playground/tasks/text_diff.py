"""Where decode(encode(text)) differs from the text: a diff whose cost is linear in the text length.

difflib's SequenceMatcher is quadratic on repetitive text (27 s of CPU for 1,500 × "東" against
WordPiece's "東 東 東 …"), reachable by anyone through a shared link. Round-trip differences are
local (a lower-cased letter, a stripped accent, a space added around a CJK character, collapsed
spaces), so a left-to-right walk that re-synchronises within a short look-ahead finds them. Every
mismatch costs at most (2·LOOKAHEAD)² short comparisons, and after MAX_CHANGES changes the rest of
the text is reported as one "rest" run: the work is bounded whatever the input.
"""

from __future__ import annotations

LOOKAHEAD = 16  # characters skipped on either side while looking for the texts to agree again
ANCHOR = 3  # characters that must agree for the texts to count as back in step
MAX_CHANGES = 100  # changes listed before the rest is left uncompared

Op = tuple[str, str, str]


def _agree(a: str, b: str, i: int, j: int) -> bool:
    """a from i and b from j agree for ANCHOR characters, or both end together."""
    left, right = a[i:i + ANCHOR], b[j:j + ANCHOR]
    return left == right and (len(left) == ANCHOR or (i + len(left) == len(a) and j + len(right) == len(b)))


def _resync(a: str, b: str, i: int, j: int) -> tuple[int, int] | None:
    """The smallest skip (di, dj), fewest characters first, after which a and b agree again."""
    for total in range(1, 2 * LOOKAHEAD + 1):
        for di in range(max(0, total - LOOKAHEAD), min(total, LOOKAHEAD) + 1):
            if _agree(a, b, i + di, j + total - di):
                return di, total - di
    return None


def _change(a_piece: str, b_piece: str) -> Op:
    return ("replace" if a_piece and b_piece else "delete" if a_piece else "insert"), a_piece, b_piece


def diff(original: str, decoded: str) -> list[Op]:
    """(op, original piece, decoded piece) runs; op is equal/replace/delete/insert, or "rest" for the tail
    left uncompared. The pieces of each side concatenate to that side's text."""
    a, b, ops, i, j, changes = original, decoded, [], 0, 0, 0
    while i < len(a) and j < len(b):
        k = 0
        while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
            k += 1
        if k:
            ops.append(("equal", a[i:i + k], b[j:j + k]))
            i, j = i + k, j + k
            continue
        skip = _resync(a, b, i, j) if changes < MAX_CHANGES else None
        if skip is None:
            return ops + [("rest", a[i:], b[j:])]
        ops.append(_change(a[i:i + skip[0]], b[j:j + skip[1]]))
        i, j, changes = i + skip[0], j + skip[1], changes + 1
    if i < len(a) or j < len(b):
        ops.append(_change(a[i:], b[j:]))
    return ops
