"""The engine tests' servers: the real vLLM (bench/servers.py starts it) and a tiny misbehaving one.

vLLM runs from its own virtualenv, `.venv-vllm/`, which scripts/test.sh builds (PLAYGROUND_VLLM_PYTHON
may point elsewhere). Without it the engine tests are skipped, or fail under scripts/test.sh, which
sets PLAYGROUND_REQUIRE_ENGINE=1: CI must never pass without having run a real engine.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.servers import SERVED_NAME, VllmServer, vllm_python  # noqa: F401 - re-exported for the tests


def require_vllm() -> Path:
    """The vLLM venv's python; skips (or fails, under scripts/test.sh) when there is none."""
    python = vllm_python()
    if python is None:
        message = "no vLLM virtualenv (.venv-vllm/): run `bash scripts/test.sh`, which builds it"
        if os.environ.get("PLAYGROUND_REQUIRE_ENGINE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return python


# ---- a misbehaving engine --------------------------------------------------------------------------

# Model id -> what POST /v1/completions answers. GET /v1/models lists them all, as a real engine would.
MISBEHAVIOURS = {
    "garbage": (200, "text/event-stream", b"data: {this is not json\n\n"),
    "html-error": (500, "text/html", b"<html><body><h1>Internal <b>Server</b> Error</h1></body></html>"),
    "refusal": (400, "application/json", json.dumps({"error": {"message": "Requested sample logprobs of 5, which is "
                "greater than max allowed: 0", "type": "BadRequestError", "param": "logprobs", "code": 400}}).encode()),
    "no-logprobs": (200, "text/event-stream", b'data: {"choices": [{"index": 0, "text": "Hi", "logprobs": null, '
                    b'"finish_reason": null}]}\n\ndata: [DONE]\n\n'),
    "not-sse": (200, "text/html", b"<html>a login page</html>\n"),
    "slow": (200, "text/event-stream", None),  # headers, then silence
}


class FakeEngine:
    """An HTTP server on a free loopback port that lists MISBEHAVIOURS as models and misbehaves."""

    def __init__(self):
        release = self.release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                body = json.dumps({"object": "list", "data": [{"id": m, "object": "model", "max_model_len": 512}
                                                              for m in MISBEHAVIOURS]}).encode()
                self._send(200, "application/json", body)

            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                status, kind, body = MISBEHAVIOURS.get(request.get("model"), (404, "text/plain", b"no such model"))
                if body is None:
                    self._send(status, kind, b"", length=False)
                    release.wait(60)
                    return
                self._send(status, kind, body)

            def _send(self, status, kind, body, length=True):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
