"""An uploaded training file (.txt or .jsonl) -> its text, or a message saying what is wrong with it.

.jsonl: one JSON object per line; the "text" field of each (the course's datasets column) is used, lines
joined by newlines. Binary files, files that are not UTF-8, empty files and files over the size limit are
refused before anything is tokenized.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InvalidInput

MAX_UPLOAD_BYTES = 512 * 1024  # under the HTTP body limit (serving/body_limit.py), so the app sees it to refuse it
SUFFIXES = (".txt", ".jsonl")


def read_upload(path: str | Path, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    path = Path(path)
    name = path.name[-60:]
    if path.suffix.lower() not in SUFFIXES:
        raise InvalidInput(f"'{name}' is not a .txt or .jsonl file; upload plain text (.txt) or JSON lines (.jsonl).")
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput(f"'{name}' is empty.")
    if size > max_bytes:
        raise InvalidInput(f"'{name}' has {size:,} bytes; the limit is {max_bytes:,} bytes. Upload a shorter text.")
    data = path.read_bytes()
    if b"\x00" in data:
        raise InvalidInput(f"'{name}' looks like a binary file, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"'{name}' is not UTF-8 text.") from None
    text = _jsonl_text(text, name) if path.suffix.lower() == ".jsonl" else text
    if not text.strip():
        raise InvalidInput(f"'{name}' has no text in it.")
    return text


def _jsonl_text(text: str, name: str) -> str:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise InvalidInput(f"Line {number} of '{name}' is not JSON; a .jsonl file has one JSON object per "
                               'line, e.g. {"text": "..."}.') from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InvalidInput(f'Line {number} of \'{name}\' has no "text" field (a string).')
        out.append(row["text"])
    return "\n".join(out)
