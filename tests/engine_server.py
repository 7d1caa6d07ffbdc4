"""A real vLLM server for the engine tests, and a tiny misbehaving one for the fault tests.

vLLM runs from its own virtualenv (scripts/test.sh builds `.venv-vllm/`; PLAYGROUND_VLLM_PYTHON may
point elsewhere) on ../shared/models/stories260K-hd32: stories260K made exactly equivalent with
head_dim 32, which vLLM's CPU attention supports (head_dim 8 it does not). Each server is its own
process group, so stopping it also ends vLLM's engine-core and worker processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from .fixtures import ROOT, SHARED_MODELS

ENGINE_MODEL = SHARED_MODELS / "stories260K-hd32"
SERVED_NAME = "stories260K"  # what the engine calls it; the app offers it as "stories260K@<engine label>"
LOGS = ROOT / "test-artifacts"
START_TIMEOUT = 600  # ~60-90 s on 2 idle cores; much more while other tests use them


def vllm_python() -> Path | None:
    configured = os.environ.get("PLAYGROUND_VLLM_PYTHON")
    python = Path(configured) if configured else ROOT / ".venv-vllm" / "bin" / "python"
    return python if python.exists() else None


def require_vllm() -> Path:
    """The vLLM venv's python; skips (or fails, under scripts/test.sh) when there is none."""
    python = vllm_python()
    if python is None:
        message = "no vLLM virtualenv (.venv-vllm/): run `bash scripts/test.sh`, which builds it"
        if os.environ.get("PLAYGROUND_REQUIRE_ENGINE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return python


class VllmServer:
    """`python -m vllm.entrypoints.openai.api_server` on 127.0.0.1:port, float32, --max-model-len 512."""

    def __init__(self, port: int, *extra: str):
        self.port, self.extra = port, list(extra)
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.log = LOGS / f"vllm-{port}.log"
        self.start_seconds = 0.0

    def command(self) -> list[str]:
        return [str(require_vllm()), "-m", "vllm.entrypoints.openai.api_server", "--model", str(ENGINE_MODEL),
                "--served-model-name", SERVED_NAME, "--dtype", "float32", "--max-model-len", "512",
                "--host", "127.0.0.1", "--port", str(self.port), *self.extra]

    def start(self) -> "VllmServer":
        LOGS.mkdir(exist_ok=True)
        env = os.environ | {"VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}
        self.started = time.monotonic()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=env,
                                         cwd=ROOT, start_new_session=True)
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> "VllmServer":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vLLM exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + "/v1/models", timeout=2).status_code == 200:
                    self.start_seconds = time.monotonic() - self.started
                    print(f"vLLM on port {self.port} ready after {self.start_seconds:.0f} s")
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError(f"vLLM did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """End the whole process group (API server, engine core, workers); SIGKILL = a crash."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def metric(self, name: str, **labels: str) -> float:
        """One value from vLLM's Prometheus /metrics (summed over series matching the labels)."""
        total = 0.0
        for line in httpx.get(self.url + "/metrics", timeout=5).text.splitlines():
            if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total


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
