"""How each token id of an engine model reads, for the top-alternatives view.

The app asks the engine for token ids ("token_id:N"), because token strings are ambiguous (several
byte tokens print as the same "\\ufffd") and ids are what the local backend reports. The text of an
alternative then comes from the engine's own tokenizer, through its /detokenize endpoint (vLLM,
llama.cpp), cached per model: a vocabulary is finite, so after a while every lookup is a hit.

Decoding an id alone drops a sentencepiece token's leading space ("▁there" -> "there"), so ids are
decoded after a newline token, as the local backend decodes them after the text before them. Unseen
ids of one step go in one request, separated by that newline: "\\n there\\n was\\n" -> " there", " was".
"""

from __future__ import annotations

import threading
import time

from ...errors import EngineError
from .client import EngineClient

RETRY_SECONDS = 30.0


def parse_token(token) -> tuple[int, str | None]:
    """vLLM's 'token_id:123' -> (123, None); an engine that only sends strings -> (-1, the string)."""
    if isinstance(token, str) and token.startswith("token_id:"):
        try:
            return int(token[9:]), None
        except ValueError:
            pass
    return -1, token if isinstance(token, str) else str(token)


class TokenTexts:
    def __init__(self, client: EngineClient, model_id: str):
        self.client, self.model_id = client, model_id
        self._texts: dict[int, str] = {}
        self._lock = threading.Lock()
        self._sep: tuple[int, str] | None = None  # the newline token and its text, once known
        self._pause_until = 0.0  # after a failed lookup (no /detokenize, engine down) try again later

    def get(self, token_id: int) -> str:
        # No lock: a dict read is atomic, and entries are only ever added. Called ~6 times per token by every
        # stream, the lock was where 16 users' threads queued (py-spy: most of the app's time mapping tokens).
        text = self._texts.get(token_id)
        return text if text is not None else f"<token {token_id}>"

    def resolve(self, ids) -> None:
        """Look up the ids not cached yet (one request for all of them when possible)."""
        with self._lock:
            missing = sorted({i for i in ids if i >= 0 and i not in self._texts})
        if not missing or time.monotonic() < self._pause_until:
            return
        try:
            found = self._batch(missing) or {i: self._one(i) for i in missing}
        except EngineError:
            self._pause_until = time.monotonic() + RETRY_SECONDS  # meanwhile alternatives show their ids
            return
        with self._lock:
            self._texts.update(found)

    def _separator(self) -> tuple[int, str] | None:
        if self._sep is None:
            try:
                ids = self.client.post("/tokenize", {"model": self.model_id, "prompt": "\n",
                                                     "add_special_tokens": False}).get("tokens") or []
            except EngineError:
                ids = []  # no /tokenize: decode ids on their own
            text = self._decode(ids[-1:]) if ids else ""
            self._sep = (ids[-1], text) if text == "\n" else (-1, "")
        return self._sep if self._sep[0] >= 0 else None

    def _batch(self, ids: list[int]) -> dict[int, str] | None:
        sep = self._separator()
        if sep is None:
            return None
        sequence = [sep[0]]
        for i in ids:
            sequence += [i, sep[0]]
        parts = self._decode(sequence).split(sep[1])
        if len(parts) != len(ids) + 2:  # a token containing a newline: decode them one by one
            return None
        return dict(zip(ids, parts[1:-1]))

    def _one(self, token_id: int) -> str:
        sep = self._separator()
        if sep is None:
            return self._decode([token_id])
        return self._decode([sep[0], token_id]).removeprefix(sep[1])

    def _decode(self, ids: list[int]) -> str:
        text = self.client.post("/detokenize", {"model": self.model_id, "tokens": ids}).get("prompt")
        if not isinstance(text, str):
            raise EngineError("engine.no_detokenized_text", engine=self.client.who)
        return text
