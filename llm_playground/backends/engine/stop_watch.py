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
        # Unwatched before the response closes: httpx closes it itself at the body's end, and its
        # connection may then go back to the pool for another request, whose socket must stay whole.
        response.stream = _Closing(response.stream, lambda: self._unwatch(key))
        with self._changed:
            self._watched[key] = (stop, sock)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name=f"{self.name}-stop-watch", daemon=True)
                self._thread.start()
            self._changed.notify()
        try:
            yield
        finally:
            self._unwatch(key)

    def close(self) -> None:
        """Shutdown: every watched stream ends now (their stops are set by then), and the thread with them."""
        with self._changed:
            self._closed = True
            for _, sock in self._watched.values():
                _shut(sock)
            self._watched.clear()
            self._changed.notify()

    def _unwatch(self, key: object) -> None:
        with self._changed:
            self._watched.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._watched and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
                for key, (stop, sock) in list(self._watched.items()):
                    if stop.is_set():  # under the lock: a socket is shut only while its stream is watched
                        del self._watched[key]
                        _shut(sock)
            time.sleep(POLL)


class _Closing(httpx.SyncByteStream):
    """A response body that runs `before_close` first when it is closed."""

    def __init__(self, inner: httpx.SyncByteStream, before_close):
        self.inner, self.before_close = inner, before_close

    def __iter__(self) -> Iterator[bytes]:
        yield from self.inner

    def close(self) -> None:
        self.before_close()
        self.inner.close()


def _socket_of(response: httpx.Response) -> socket.socket | None:
    stream = response.extensions.get("network_stream")
    return stream.get_extra_info("socket") if stream is not None else None


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for TLS: SSLSocket.shutdown drops its SSL object, and a reader
    # between its checks would then fail with a ValueError instead of seeing the connection end
    with contextlib.suppress(OSError):  # already closed by its reader: nothing left to wake
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
