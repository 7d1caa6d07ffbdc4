"""Refuse oversized HTTP request bodies before anything reads them.

Text limits are enforced per field (tasks/validation.py), but only after Gradio has read and parsed the
whole JSON body: without a cap, an anonymous client could make the server buffer and parse hundreds of
megabytes per request. No legitimate request to this app is larger than a few hundred kilobytes (5,000
characters of text, 5,000 token ids; the app takes no file uploads).
"""

from __future__ import annotations

import json

MAX_REQUEST_BYTES = 2 * 1024**2


class BodyLimit:
    """Pure ASGI middleware: 413 for a declared Content-Length over the limit; a body streamed without
    one is cut off (the request then fails) once it passes the limit."""

    def __init__(self, app, max_bytes: int = MAX_REQUEST_BYTES):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send, scope.get("path", ""))
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

    async def _refuse(self, send, path: str) -> None:
        message = f"Request too large: the limit is {self.max_bytes // 1024**2} MB."
        if path.startswith("/v1/"):  # the OpenAI-compatible routes: OpenAI's error shape
            data = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
        else:  # gradio's key, and the plain REST API's
            data = {"detail": message, "error": message}
        body = json.dumps(data).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
