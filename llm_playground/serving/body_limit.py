"""Refuse oversized HTTP request bodies before anything reads them, and addresses Gradio cannot parse.

Text limits are enforced per field (tasks/validation.py), but only after Gradio has read and parsed the
whole JSON body: without a cap, an anonymous client could make the server buffer and parse hundreds of
megabytes per request. No legitimate request to this app is larger than a few hundred kilobytes (5,000
characters of text, 5,000 token ids; the app takes no file uploads).

Gradio rebuilds the app's own URL on most routes (the page, /config, the queue, MCP) from the request's address,
Host, X-Forwarded-Host or X-Gradio-Server, with httpx, which raises on a URL over 65,536 characters or a malformed
host: a hand-made deep link of 70,000 characters was a 500 and a traceback in the log. Such requests are
refused here with 414 / 400 and the reason, before any route runs.
"""

from __future__ import annotations

import json

import httpx

MAX_REQUEST_BYTES = 2 * 1024**2
# The longest address (path and query) served: the page's links stop there, origin included (ui/links.py); with
# a host of at most MAX_HOST_BYTES it stays under httpx's 65,536 characters.
MAX_URL_BYTES = 60_000
MAX_HOST_BYTES = 1024
HOST_HEADERS = (b"host", b"x-forwarded-host", b"x-gradio-server")


def bad_address(scope) -> tuple[int, str] | None:
    """(status, reason) for a request whose address Gradio could not rebuild as a URL; None for any other."""
    target = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(scope.get("query_string") or b"")
    if target > MAX_URL_BYTES:
        return 414, (f"The address is too long: {target:,} bytes, the limit is {MAX_URL_BYTES:,}. A link to this "
                     "app stops at 60 KB: shorten the text in it, or share the JSON export.")
    for name, value in scope.get("headers") or []:
        if name.lower() not in HOST_HEADERS:
            continue
        first = value.split(b",")[0].strip()  # Gradio reads a forwarded header's first value
        if len(first) > MAX_HOST_BYTES or not _parses(first, name.lower() == b"x-gradio-server"):
            return 400, f"The {name.decode('latin-1').title()} header is not a host name (or URL) of this app."
    return None


def _parses(value: bytes, whole_url: bool) -> bool:
    try:
        httpx.URL(value.decode("latin-1") if whole_url else "http://" + value.decode("latin-1"))
    except Exception:  # noqa: BLE001 - httpx.InvalidURL, or a ValueError of the URL's parts
        return False
    return True


class BodyLimit:
    """Pure ASGI middleware: 413 for a declared Content-Length over the limit; a body streamed without
    one is cut off (the request then fails) once it passes the limit."""

    def __init__(self, app, max_bytes: int = MAX_REQUEST_BYTES):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if refused := bad_address(scope):
            return await self._refuse(send, scope.get("path", ""), *refused)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send, scope.get("path", ""), 413,
                                      f"Request too large: the limit is {self.max_bytes // 1024**2} MB.")
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    return {"type": "http.disconnect"}
            return message

        return await self.app(scope, limited_receive, send)

    async def _refuse(self, send, path: str, status: int, message: str) -> None:
        if path.startswith("/v1/"):  # the OpenAI-compatible routes: OpenAI's error shape
            data = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
        else:  # gradio's key, and the plain REST API's
            data = {"detail": message, "error": message}
        body = json.dumps(data).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
