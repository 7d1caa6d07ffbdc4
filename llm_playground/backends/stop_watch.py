"""End an engine stream's blocked read as soon as its stop event is set.

A stream checks its stop event between received lines, so Stop (a page's button, a client that left,
shutdown) waited for the engine's next line: while the engine was silent (a request queued behind
others, a long prefill, a hung server) that took until the read timeout, 60 s by default, and then
ended in the timeout's error instead of "stopped". Closing the response from another thread does not
wake a blocked `recv`; shutting the socket down does: the read ends at once and the engine sees the
connection go, so vLLM aborts the request.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Iterator

import httpx

POLL = 0.1  # seconds between two looks at the watched streams' stop events


class StopWatch:
    """One thread per engine client; it wakes every POLL seconds only while a stream is open."""

    def __init__(self, name: str):
        self.name = name
        self._watched: dict[object, tuple[threading.Event, socket.socket]] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    @contextlib.contextmanager
    def watching(self, response: httpx.Response, stop: threading.Event | None) -> Iterator[None]:
        """While the block runs, setting `stop` shuts the response's socket down (within POLL seconds)."""
        sock = _socket_of(response)
        if stop is None or sock is None:  # a test transport has no socket; nothing can stop this stream
            yield
            return
        key = object()
        with self._changed:
            self._watched[key] = (stop, sock)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name=f"{self.name}-stop-watch", daemon=True)
                self._thread.start()
            self._changed.notify()
        try:
            yield
        finally:
            # under the lock: once unwatched, its connection may go back to the pool and must stay whole
            with self._changed:
                self._watched.pop(key, None)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._watched and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
                for key, (stop, sock) in list(self._watched.items()):
                    if stop.is_set():
                        del self._watched[key]
                        _shut(sock)
            time.sleep(POLL)


def _socket_of(response: httpx.Response) -> socket.socket | None:
    stream = response.extensions.get("network_stream")
    return stream.get_extra_info("socket") if stream is not None else None


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by its reader: nothing left to wake
        sock.shutdown(socket.SHUT_RDWR)
