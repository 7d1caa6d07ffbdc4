"""HTTP to one OpenAI-compatible inference engine (vLLM, ...): list its models, stream a completion.

Every way the engine can fail becomes an EngineError whose message names the engine and what went
wrong (unreachable, silent for too long, closed mid-answer, an HTTP error, not JSON, logprobs
refused), so a user sees one specific line and the worker thread ends instead of hanging. Text the
engine sends is quoted shortened and on one line: it is an outside party's text.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Iterator
from urllib.parse import urlsplit

import httpx

from ...errors import EngineError, EngineUnreachable, InvalidInput
from .stop_watch import StopWatch

LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
LIST_TIMEOUT = 3.0  # listing models at start-up and on page loads must not hold them up for long
CONNECT_TIMEOUT = 3.0
SSE_FIELDS = ("event:", "id:", "retry:", ":")


def parse_engine(spec: str, index: int) -> tuple[str, str]:
    """'URL' or 'NAME=URL' -> (label, base URL without a trailing /v1). Raises ValueError for the operator."""
    label, _, url = spec.strip().partition("=") if "=" in spec.split("://")[0] else ("", "", spec.strip())
    label = label.strip() or ("engine" if index == 0 else f"engine{index + 1}")
    if not LABEL_RE.match(label):
        raise ValueError(f"Engine name {label!r}: use letters, digits, '.', '_' or '-' (up to 32).")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"Engine URL {url!r} must look like http://host:port (optionally with a path).")
    return label, url.strip().rstrip("/").removesuffix("/v1")


def quoted(text, limit: int = 200) -> str:
    """Outside text for a message: one line, no control characters, no markup (gradio's toasts render
    HTML: an HTML error page is reduced to its words, a stray bracket made harmless), at most `limit`."""
    flat = re.sub(r"</?[A-Za-z!][^<>]*>", " ", str(text)).replace("<", "‹").replace(">", "›")
    flat = re.sub(r"[\x00-\x1f\x7f-\x9f\s]+", " ", flat).strip()
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


class EngineClient:
    """One engine: its label (what model names carry after '@'), base URL and HTTP connection pool."""

    def __init__(self, spec: str, index: int = 0, api_key: str | None = None, timeout: float = 60.0,
                 max_connections: int = 64, transport: httpx.BaseTransport | None = None, stream_interval: int = 1):
        self.label, self.url = parse_engine(spec, index)
        self.timeout, self.stream_interval = timeout, stream_interval
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, trust_env=False, transport=transport,
                                 timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT),
                                 limits=httpx.Limits(max_connections=max_connections,
                                                     max_keepalive_connections=max_connections))
        self._closed = threading.Event()
        self.stop_watch = StopWatch(f"engine-{self.label}")

    @property
    def who(self) -> str:
        return f"The engine '{self.label}' ({self.url})"

    # ---- requests -------------------------------------------------------------------------------
    def list_models(self) -> list[dict]:
        """GET /v1/models -> its `data` entries (id, max_model_len, root, ...)."""
        try:
            response = self.http.get("/v1/models", timeout=LIST_TIMEOUT)
        except httpx.HTTPError as exc:
            raise self.transport_error(exc, 0) from None
        body = self._json(response)
        self._raise_for_error(response.status_code, body)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not all(isinstance(m, dict) and isinstance(m.get("id"), str) for m in data):
            raise EngineError(f"{self.who} answered GET /v1/models without a list of models: "
                              f"'{quoted(json.dumps(body))}'.")
        return data

    def post(self, path: str, body: dict, timeout: float = LIST_TIMEOUT) -> dict:
        """A small JSON request (tokenize, detokenize); errors as EngineError."""
        try:
            response = self.http.post(path, json=body, timeout=timeout)
        except httpx.HTTPError as exc:
            raise self.transport_error(exc, 0) from None
        data = self._json(response)
        self._raise_for_error(response.status_code, data)
        return data

    def stream(self, body: dict, stop: threading.Event | None = None) -> Iterator[dict]:
        """POST /v1/completions with stream=true: each chunk as a dict until [DONE].

        Closing this generator (the consumer stopped) closes the HTTP response, which makes vLLM
        abort the request: the engine stops computing for a user who is gone.
        """
        chunks = 0
        try:
            with (self.http.stream("POST", "/v1/completions", json=body) as response,
                  self.stop_watch.watching(response, stop)):  # a stop ends even a read the engine keeps waiting
                if response.status_code >= 400:
                    response.read()
                    self._raise_for_error(response.status_code, self._json(response))
                for line in response.iter_lines():
                    if stop is not None and stop.is_set():
                        return
                    chunk = self._event(line)
                    if chunk is _DONE:
                        return
                    if chunk is not None:
                        chunks += 1
                        yield chunk
        except httpx.HTTPError as exc:
            if stop is not None and stop.is_set() and not isinstance(exc, httpx.ConnectError):
                return  # the stop watch shut the connection: our doing, not the engine's
            raise self.transport_error(exc, chunks) from None
        if stop is not None and stop.is_set():
            return
        raise EngineError(f"{self.who} ended its answer without finishing it (no [DONE] after {chunks} "
                          "chunk(s)): it may have stopped or crashed.")

    # ---- decoding the answer --------------------------------------------------------------------
    def _event(self, line: str):
        """One server-sent-events line -> a chunk dict, _DONE, or None (blank, comment, other field)."""
        if not line.strip() or line.startswith(SSE_FIELDS):
            return None
        if not line.startswith("data:"):
            raise EngineError(f"{self.who} sent something that is not a server-sent event stream: "
                              f"'{quoted(line)}'.")
        data = line[5:].strip()
        if data == "[DONE]":
            return _DONE
        try:
            chunk = json.loads(data)
        except ValueError:
            raise EngineError(f"{self.who} sent malformed JSON in its answer: '{quoted(data)}'.") from None
        if not isinstance(chunk, dict):
            raise EngineError(f"{self.who} sent a chunk that is not a JSON object: '{quoted(data)}'.")
        if "error" in chunk:  # vLLM reports refusals found after the stream started this way
            code = chunk["error"].get("code") if isinstance(chunk["error"], dict) else None
            self._raise_for_error(code if isinstance(code, int) and code >= 400 else 500, chunk)
        return chunk

    def _json(self, response: httpx.Response):
        try:
            return response.json()
        except ValueError:
            if response.status_code >= 400:
                return {"error": {"message": response.text}}
            raise EngineError(f"{self.who} answered with something that is not JSON (HTTP {response.status_code}): "
                              f"'{quoted(response.text)}'.") from None

    def _raise_for_error(self, status: int, body) -> None:
        if status < 400 and not (isinstance(body, dict) and "error" in body):
            return
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {"message": error if error else body}
        message = quoted(error.get("message") or body)
        if error.get("param") == "logprobs" or "logprobs" in message.lower():
            raise EngineError(f"{self.who} refused to return the top alternatives of each token (logprobs): "
                              f"'{message}'. The playground needs logprobs=5: start vLLM with --max-logprobs 5 "
                              "or more (its default, 20, is enough).")
        if status in (401, 403):
            raise EngineError(f"{self.who} refused the API key (HTTP {status}): set PLAYGROUND_ENGINE_API_KEY "
                              "to the engine's key.")
        if status == 400 and error.get("param") in ("max_tokens", "prompt", "input"):
            raise InvalidInput(f"{self.who} refused the request: '{message}'.")
        kind = "failed" if status >= 500 else "refused the request"
        raise EngineError(f"{self.who} {kind} (HTTP {status}): '{message}'.")

    def transport_error(self, exc: httpx.HTTPError, chunks: int) -> EngineError:
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return EngineUnreachable(f"{self.who} cannot be reached ({quoted(exc) or type(exc).__name__}). "
                               "It may be down or still starting; local models still work.")
        if isinstance(exc, httpx.TimeoutException):
            return EngineError(f"{self.who} sent nothing for {self.timeout:g} s, so the request was abandoned "
                               "(the engine may be overloaded or stuck).")
        if chunks:
            return EngineError(f"{self.who} closed the connection in the middle of the answer (after {chunks} "
                               f"chunk(s)): it may have stopped or crashed ({type(exc).__name__}).")
        return EngineError(f"{self.who} closed the connection without answering ({type(exc).__name__}): "
                           "it may have stopped or crashed.")

    def close(self) -> None:
        if not self._closed.is_set():
            self._closed.set()
            self.stop_watch.close()
            self.http.close()


_DONE = object()
