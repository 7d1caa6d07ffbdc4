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
from urllib.parse import urlsplit, urlunsplit

import httpx

from ...errors import EngineError, EngineUnreachable, InvalidInput, Message
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


def without_credentials(url: str) -> str:
    """The URL as visitors and logs may see it: `http://user:secret@host/v1` -> `http://host/v1`."""
    parts = urlsplit(url)
    if not (parts.username or parts.password):
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))


class EngineClient:
    """One engine: its label (what model names carry after '@'), base URL and HTTP connection pool. `shown_url`
    is the URL without its credentials: the only form that reaches a page, a message, an API answer or the log."""

    def __init__(self, spec: str, index: int = 0, api_key: str | None = None, timeout: float = 60.0,
                 max_connections: int = 64, transport: httpx.BaseTransport | None = None, stream_interval: int = 1):
        self.label, self.url = parse_engine(spec, index)
        self.shown_url = without_credentials(self.url)
        self.timeout, self.stream_interval = timeout, stream_interval
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, trust_env=False, transport=transport,
                                 timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT),
                                 limits=httpx.Limits(max_connections=max_connections,
                                                     max_keepalive_connections=max_connections))
        self._closed = threading.Event()
        self.stop_watch = StopWatch(f"engine-{self.label}")

    @property
    def who(self) -> Message:
        return Message("engine.who", label=self.label, url=self.shown_url)

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
            raise EngineError("engine.no_model_list", engine=self.who, answer=quoted(json.dumps(body)))
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
        raise EngineError("engine.unfinished", engine=self.who, chunks=chunks)

    # ---- decoding the answer --------------------------------------------------------------------
    def _event(self, line: str):
        """One server-sent-events line -> a chunk dict, _DONE, or None (blank, comment, other field)."""
        if not line.strip() or line.startswith(SSE_FIELDS):
            return None
        if not line.startswith("data:"):
            raise EngineError("engine.not_sse", engine=self.who, answer=quoted(line))
        data = line[5:].strip()
        if data == "[DONE]":
            return _DONE
        try:
            chunk = json.loads(data)
        except ValueError:
            raise EngineError("engine.bad_json", engine=self.who, answer=quoted(data)) from None
        if not isinstance(chunk, dict):
            raise EngineError("engine.not_an_object", engine=self.who, answer=quoted(data))
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
            raise EngineError("engine.not_json", engine=self.who, status=response.status_code,
                              answer=quoted(response.text)) from None

    def _raise_for_error(self, status: int, body) -> None:
        if status < 400 and not (isinstance(body, dict) and "error" in body):
            return
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {"message": error if error else body}
        message = quoted(error.get("message") or body)
        if error.get("param") == "logprobs" or "logprobs" in message.lower():
            raise EngineError("engine.logprobs_refused", engine=self.who, answer=message)
        if status in (401, 403):
            raise EngineError("engine.key_refused", engine=self.who, status=status)
        if status == 400 and error.get("param") in ("max_tokens", "prompt", "input"):
            raise InvalidInput("engine.input_refused", engine=self.who, answer=message)
        raise EngineError("engine.failed" if status >= 500 else "engine.refused", engine=self.who, status=status,
                          answer=message)

    def transport_error(self, exc: httpx.HTTPError, chunks: int) -> EngineError:
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return EngineUnreachable("engine.unreachable", engine=self.who, error=quoted(exc) or type(exc).__name__)
        if isinstance(exc, httpx.TimeoutException):
            return EngineError("engine.silent", engine=self.who, seconds=self.timeout)
        if chunks:
            return EngineError("engine.closed_midway", engine=self.who, chunks=chunks, error=type(exc).__name__)
        return EngineError("engine.closed", engine=self.who, error=type(exc).__name__)

    def close(self) -> None:
        if not self._closed.is_set():
            self._closed.set()
            self.stop_watch.close()
            self.http.close()


_DONE = object()
