"""Loads that run once however many requests want them, and failures remembered for a while.

Concurrent requests for a checkpoint that is loading wait for that one load (and get its error, if it fails).
A failed load worth remembering (a broken checkpoint, not a full memory) is refused for FAILURE_TTL seconds
without reading the files again or logging the same error on every request; a local folder whose files
changed since (the user fixed them) is tried again at once.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any, Callable

from . import loading

FAILURE_TTL = 30.0


class SingleFlight:
    def __init__(self, lock: threading.Lock, clock: Callable[[], float]):
        self._lock, self.clock = lock, clock  # the manager's lock: what is cached is read under it too
        self._inflight: dict[tuple, Future] = {}
        self._failures: dict[tuple, tuple[float, Any, float]] = {}  # key -> (when, message, folder mtime)

    def run(self, key: tuple, cached: Callable[[], Any], load: Callable[[], Any]):
        """What `cached()` has for `key`, else the value of the one `load()` running for it."""
        with self._lock:
            value = cached()
            if value is not None:
                return value
            self._raise_remembered_failure(key)
            future = self._inflight.get(key)
            owner = future is None
            if owner:
                future = self._inflight[key] = Future()
        if not owner:
            return future.result()  # re-raises the loader's error too
        try:
            value = load()
            future.set_result(value)
            return value
        except BaseException as exc:
            if isinstance(exc, loading.ModelLoadError) and loading.worth_remembering(exc):
                with self._lock:
                    self._failures[key] = (self.clock(), exc.text, loading.folder_mtime(key[1]))
            future.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    def forget_failures(self) -> None:
        """Called under the manager's lock."""
        self._failures.clear()

    def _raise_remembered_failure(self, key: tuple) -> None:
        failed = self._failures.get(key)
        if failed and self.clock() - failed[0] < FAILURE_TTL and loading.folder_mtime(key[1]) == failed[2]:
            wait = FAILURE_TTL - (self.clock() - failed[0])
            raise loading.ModelLoadError("load.failed_recently", message=failed[1], ago=self.clock() - failed[0],
                                         wait=wait)
        self._failures.pop(key, None)
