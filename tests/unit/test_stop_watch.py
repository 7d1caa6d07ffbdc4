"""backends/engine/stop_watch.py: a stop ends a read the server keeps waiting, and never touches a connection
that went back to the pool."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from llm_playground.backends.engine.stop_watch import POLL, StopWatch


@pytest.fixture
def server():
    """HTTP/1.1 keep-alive: /silent sends headers and nothing more; /ok a whole small body."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            body = b"" if self.path == "/silent" else b"hello\n"
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            if self.path == "/silent":
                release.wait(30)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    release.set()
    httpd.shutdown()


def local_port(response: httpx.Response) -> int:
    return response.extensions["network_stream"].get_extra_info("socket").getsockname()[1]


def test_a_stop_ends_a_read_the_server_keeps_waiting(server):
    watch, stop, ended = StopWatch("test"), threading.Event(), []
    with httpx.Client(base_url=server, timeout=20) as http:
        def read():
            with http.stream("GET", "/silent") as response, watch.watching(response, stop):
                try:
                    response.read()
                except httpx.HTTPError as exc:
                    ended.append(type(exc).__name__)
                    return
            ended.append("read")

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.3)
        stop.set()
        reader.join(20 / 4)  # well before the 20 s read timeout
        assert not reader.is_alive() and ended, "the stop did not wake the read"
    watch.close()


def test_a_connection_back_in_the_pool_is_left_whole(server):
    """The body is read to its end (httpx closes the response and pools the connection) while the block
    still runs; a stop set then must not shut the socket that the next request reuses."""
    watch, stop = StopWatch("test"), threading.Event()
    with httpx.Client(base_url=server, timeout=5) as http:
        with http.stream("GET", "/ok") as response, watch.watching(response, stop):
            assert response.read() == b"hello\n"
            first = local_port(response)
            stop.set()
            time.sleep(3 * POLL)  # the watcher looks more than once
        again = http.get("/ok")
        assert again.content == b"hello\n"
        with http.stream("GET", "/ok") as response:
            assert local_port(response) == first  # the same pooled connection, still usable
    watch.close()
