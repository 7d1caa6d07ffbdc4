"""The engine tests' servers: the real vLLM (bench/servers.py starts it), a tiny misbehaving one, and
other users' load on vLLM (BusyEngine: `python -m tests.engine_server URL STREAMS` in a process of its own).

vLLM runs from its own virtualenv, `.venv-vllm/`, which scripts/test.sh builds (PLAYGROUND_VLLM_PYTHON
may point elsewhere). Without it the engine tests are skipped, or fail under scripts/test.sh, which
sets PLAYGROUND_REQUIRE_ENGINE=1: CI must never pass without having run a real engine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
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
        asked = self.asked = Counter()  # model -> completions asked for

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                body = json.dumps({"object": "list", "data": [{"id": m, "object": "model", "max_model_len": 512}
                                                              for m in MISBEHAVIOURS]}).encode()
                self._send(200, "application/json", body)

            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                asked[request.get("model")] += 1
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


BUSY_MAX_TOKENS = 150  # BusyEngine's requests; a test's own asks for more than 200 (and at most 500)


def own_requests_finished(vllm) -> float:
    """Requests vLLM completed (aborted ones are not counted) with 200 < max_tokens <= 500: a Stop test's
    own 480-token request, never one of BusyEngine's. vLLM counts completions by max_tokens in 1-2-5
    buckets; its count of completions alone moved with the busy requests that vLLM finished before their
    readers closed them (a reader starved of CPU on 2 shared cores), and the tests took that for their own."""
    bucket = lambda le: vllm.metric("vllm:request_params_max_tokens_bucket", le=le)  # noqa: E731
    return bucket("500.0") - bucket("200.0")


class BusyEngine:
    """Keeps a vLLM server's engine busy with `streams` large requests in a row (16 sampled sequences of
    BUSY_MAX_TOKENS after a 280-360-token prompt), so that a request under test streams for seconds instead
    of a fraction of one: measured, a 4 x 480-token request then took 7.5-8 s, its first chunk within 0.2 s.

    Why these requests: the load must be in the engine's steps (a big batch of long contexts), not in its
    API server. Busy requests that streamed every token (24 sequences) swamped vLLM's API server: it then
    held a request's output and sent it whole at the end, too late for any Stop. The readers run in a
    process of their own, as other users' traffic would: as threads in the test's process (which is the
    app's) they held its GIL so much that a 40 ms request to the app took over 5 s. That process ends when
    its stdin closes: with the test, even one that was killed."""

    def __init__(self, url: str, streams: int = 4):
        self.url, self.streams, self.process = url, streams, None

    def __enter__(self) -> "BusyEngine":
        root = Path(__file__).resolve().parents[1]
        self.process = subprocess.Popen([sys.executable, "-m", "tests.engine_server", self.url, str(self.streams)],
                                        cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:  # busy before the test's own request: vLLM has started every busy request
            assert self.process.stdout.readline().strip() == "busy", "the busy requests did not start"
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


BUSY_WORDS = "the a little girl boy dog cat sun tree happy sad big small ran jumped played saw said went home".split()


def _read_busily(url: str, streams: int) -> None:
    """BusyEngine's process: `streams` threads, request after request, until its stdin closes."""
    import random

    import httpx

    http = httpx.Client(timeout=120)
    started = threading.Barrier(streams + 1)

    def read(seed: int) -> None:
        words, first = random.Random(seed), True
        try:
            while True:
                prompt = " ".join(words.choice(BUSY_WORDS) for _ in range(150))  # 280-360 tokens, under 512
                body = {"model": SERVED_NAME, "prompt": prompt, "max_tokens": BUSY_MAX_TOKENS, "n": 16,
                        "temperature": 1.0, "ignore_eos": True, "stream": True, "stream_interval": 50}
                with http.stream("POST", url + "/v1/completions", json=body) as response:
                    response.raise_for_status()  # an error is no load: fail instead of asking again at once
                    for _ in response.iter_lines():  # a chunk per 50 tokens: little work for the API server
                        if first:
                            first = False
                            started.wait()
        except Exception:
            if first:  # before its first chunk: the test fails now, not when the barrier times out
                started.abort()
                raise
            # later (a test killed the engine on purpose): this reader just ends

    for seed in range(streams):
        threading.Thread(target=read, args=(seed,), daemon=True).start()
    started.wait(120)  # BrokenBarrierError when vLLM does not answer: this process exits, the test fails
    print("busy", flush=True)
    sys.stdin.read()  # until the test closes it or dies


if __name__ == "__main__":
    _read_busily(sys.argv[1], int(sys.argv[2]))
