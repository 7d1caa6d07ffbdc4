"""A per-client sliding-window rate limit for public deployments (off by default locally)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from ..errors import PlaygroundError


class RateLimited(PlaygroundError):
    """Too many requests from one client."""


class TooManyAtOnce(PlaygroundError):
    """One client already has as many requests waiting or running as it may."""


class RateLimiter:
    def __init__(self, per_minute: int, window: float = 60.0, clock=time.monotonic):
        self.per_minute, self.window, self.clock = per_minute, window, clock
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count one request for `key`; raise RateLimited when over the limit."""
        if self.per_minute <= 0:
            return
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.per_minute:
                wait = self.window - (now - hits[0])
                raise RateLimited("traffic.rate_limited", per_minute=self.per_minute, wait=wait)
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients so the table stays small
                for k in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.window]:
                    del self._hits[k]
