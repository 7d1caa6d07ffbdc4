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
        raise InvalidInput("upload.not_text_file", name=name)
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput("upload.empty", name=name)
    if size > max_bytes:
        raise InvalidInput("upload.too_big", name=name, n=size, most=max_bytes)
    data = path.read_bytes()
    if b"\x00" in data:
        raise InvalidInput("upload.binary", name=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("upload.not_utf8", name=name) from None
    text = _jsonl_text(text, name) if path.suffix.lower() == ".jsonl" else text
    if not text.strip():
        raise InvalidInput("upload.no_text", name=name)
    return text


def _jsonl_text(text: str, name: str) -> str:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise InvalidInput("upload.not_json", line=number, name=name, example='{"text": "..."}') from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InvalidInput("upload.no_text_field", line=number, name=name)
        out.append(row["text"])
    return "\n".join(out)
