"""Attention results computed once per (checkpoint, dtype, text, sentence B), re-used by every re-plot.

Changing layer, head, view or token in the Attention tab (or asking the API for another layer of
the same text) reads the stored weights; only a new text or model runs the model again. The cache
is bounded by bytes because one result is layers x heads x T^2 floats (GPT-2 at 512 tokens: 150 MB).
One cache per service (service/playground.py): two apps in one process never share one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

from .attention import AttentionResult

DEFAULT_BUDGET = 512 * 1024**2
MAX_ENTRIES = 16

Key = tuple[str, str, str, str]


class AttentionCache:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET, max_entries: int = MAX_ENTRIES):
        self.budget, self.max_entries = budget_bytes, max_entries
        self.runs = 0  # forward passes actually run (tests assert re-plots add none)
        self._results: OrderedDict[Key, AttentionResult] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, key: Key) -> AttentionResult | None:
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        return None

    def get(self, key: Key, compute: Callable[[], AttentionResult]) -> AttentionResult:
        """The stored result for `key`, or compute() stored under it."""
        cached = self.lookup(key)
        if cached is not None:
            return cached
        result = compute()
        with self._lock:
            self.runs += 1
            self._results[key] = result
            self._evict()
        return result

    def __contains__(self, key: Key) -> bool:
        with self._lock:
            return key in self._results

    def __len__(self) -> int:
        return len(self._results)

    def _evict(self) -> None:
        """Oldest first, until within budget; the newest result always stays."""
        while len(self._results) > 1 and (len(self._results) > self.max_entries or
                                          sum(r.nbytes for r in self._results.values()) > self.budget):
            self._results.popitem(last=False)
