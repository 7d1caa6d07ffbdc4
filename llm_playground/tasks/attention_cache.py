"""Attention results computed once per (model, text, sentence B), re-used by every re-plot.

Changing layer, head, view or token in the Attention tab (or asking the API for another layer of
the same text) reads the stored weights; only a new text or model runs the model again. The cache
is bounded by bytes because one result is layers x heads x T^2 floats (GPT-2 at 512 tokens: 150 MB).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from ..catalog import ATTENTION
from ..devices import dtype_name
from ..errors import InvalidInput
from .attention import AttentionResult, compute_attention
from .validation import clean_text

DEFAULT_BUDGET = 512 * 1024**2
MAX_ENTRIES = 16

Key = tuple[str, str, str, str]


class AttentionCache:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET, max_entries: int = MAX_ENTRIES):
        self.budget, self.max_entries = budget_bytes, max_entries
        self.runs = 0  # forward passes actually run (tests assert re-plots add none)
        self._results: OrderedDict[Key, AttentionResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, manager, name: str, text: str, pair: str | None = None, progress=None) -> AttentionResult:
        """The attention of `text` (+ sentence B) under model `name`, computed at most once."""
        max_chars = manager.settings.max_input_chars
        text = clean_text(text, "text", max_chars)
        if pair is not None and not isinstance(pair, str):
            raise InvalidInput(f"The sentence B must be a string, got {type(pair).__name__}.")
        pair = pair if pair and pair.strip() else ""
        # The key names the weights without loading them: catalogue source + the dtype the tab loads.
        key = (manager.catalog.resolve(name, ATTENTION).source, dtype_name(manager.default_dtype), text, pair)
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        loaded = manager.get(name, ATTENTION, progress=progress)
        result = compute_attention(loaded, text, pair or None, max_chars)
        with self._lock:
            self.runs += 1
            self._results[key] = result
            self._evict()
        return result

    def __len__(self) -> int:
        return len(self._results)

    def _evict(self) -> None:
        """Oldest first, until within budget; the newest result always stays."""
        while len(self._results) > 1 and (len(self._results) > self.max_entries or
                                          sum(r.nbytes for r in self._results.values()) > self.budget):
            self._results.popitem(last=False)


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def attention_cache(manager) -> AttentionCache:
    """The one cache per model manager, shared by the Attention tab and the /attention API."""
    with _caches_lock:
        if manager not in _caches:
            _caches[manager] = AttentionCache()
        return _caches[manager]
