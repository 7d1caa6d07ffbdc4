"""The learner guide beside each tab, and the tokenizer explainer, in English and Japanese: Markdown files in
guides/ (<name>.en.md, <name>.ja.md), which a translator can review without reading Python.

key: (English, Japanese); labels.py merges these into the app's translations.
"""

from __future__ import annotations

import re
from pathlib import Path


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80  # CJK, kana, full-width punctuation


def unwrap(markdown: str) -> str:
    """Join the source's wrapped lines into one line per paragraph / list item. Browsers show a line break
    inside a paragraph as a space, which Japanese must not have between characters."""
    def join(m: re.Match) -> str:
        before, after = m.group(1), m.group(2)
        if _wide(before) and _wide(after):
            return before + after
        ascii_side = after if _wide(before) else before
        return before + (" " if not (_wide(before) or _wide(after)) or ascii_side.isalnum() else "") + after
    return re.sub(r"([^\n])\n[ \t]*(?!- )([^\s])", join, markdown.strip())


GUIDES = Path(__file__).resolve().parent / "guides"


def _texts() -> dict[str, tuple[str, str]]:
    """guides/<name>.en.md and <name>.ja.md -> key guide_<name> (tok_explainer_body: the tokenizer explainer)."""
    texts = {}
    for english in sorted(GUIDES.glob("*.en.md")):
        name = english.name.removesuffix(".en.md")
        key = name if name == "tok_explainer_body" else f"guide_{name}"
        japanese = english.with_name(f"{name}.ja.md")
        texts[key] = (unwrap(english.read_text(encoding="utf-8")), unwrap(japanese.read_text(encoding="utf-8")))
    return texts


TEXTS = _texts()
