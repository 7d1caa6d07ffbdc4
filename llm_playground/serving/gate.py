"""The gate every HTTP request passes: ASGI middleware that holds each request to its door (serving/doors.py).

- DIRECT (/gradio_api/run|api/<name>): a queued event is refused (it must join the queue, where it is
  admitted); the page's own unqueued events are admitted here (rate limit where marked, at most the job cap of
  them at once) and count as in flight for the client's queued requests;
- UPLOAD: refused where no tab takes a file; else admitted (counted against the rate limit), then bounded
  (serving/uploads.py);
- FILES: an uploaded file is never served back;
- MCP: stamped with the client it comes from (clients.vouched_headers), which its replayed tool calls keep;
- REFUSED, and any path no door lists: 404.
Other kinds pass on to Gradio's queue (admitted by gradio_patches.admission through `Gate.admit`) or to the
REST routes (admitted by rest/common.Web).

One `Gate` per app (build_app makes it, launch installs `Doorway` with it): the requests in flight at the
gate's doors live here, and the queue's admission adds them to its own count, so a client's requests count
together whichever door they came by.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from starlette.requests import Request

from ..errors import PlaygroundError
from . import clients, doors, gradio_patches
from .doors import NOT_SERVED, Refused
from .uploads import Uploads

QUEUE_ONLY = ("This endpoint runs through the queue only: POST /gradio_api/call/<api name> (as gradio_client "
              "does), or use the REST API (/api/v1/<api name>).")
NO_UPLOADS = "This deployment takes no file uploads."
NOT_YOURS = "A file input takes only a file you uploaded (POST /gradio_api/upload first)."


class Gate:
    """One app's doors: what the middleware and the queue's admission share."""

    def __init__(self, service, blocks):
        self.service, self.blocks, self.hops = service, blocks, service.settings.proxy_hops
        self.direct: Counter = Counter()  # requests at the gate's own doors now, per client (event loop only)
        self.uploads = Uploads(service.settings)
        self.takes_uploads = any(_takes_files(block) for fn in blocks.fns.values() for block in fn.inputs)

    def client(self, scope) -> str:
        return clients.of_request(Request(scope), self.hops)

    def enter(self, client: str) -> None:
        """One more request of `client` in flight at a door the gate counts (event loop only)."""
        self.direct[client] += 1

    def leave(self, client: str) -> None:
        self.direct[client] -= 1
        if self.direct[client] <= 0:
            del self.direct[client]

    def admit(self, client: str, counted: bool, queued: bool = True) -> None:
        """The service's admission. A request that queues work (or stores a file) counts the client's requests
        in the queue and at the gate's doors together; the page's unqueued events (Stop, the language switch)
        count those at the gate only, so a client whose queue slots are full can still press Stop."""
        in_flight = self.direct[client] + (gradio_patches.in_flight(self.blocks._queue, client, self.hops)
                                           if queued else 0)
        try:
            self.service.admit(client, in_flight, counted)
        except PlaygroundError as exc:
            raise Refused(429, str(exc)) from None

    def lend_request(self, request: Request) -> None:
        """On ZeroGPU, a REST or OpenAI request's headers where `spaces` looks for them (gradio_patches)."""
        if self.service.settings.zero_gpu:
            gradio_patches.lend_request(request)

    def check_files(self, data, client: str) -> None:
        """Every file an event's values name is one this client uploaded (Gradio would otherwise download a
        URL of any size into its cache, or hand over another client's file)."""
        for path in _file_refs(data):
            if not isinstance(path, str) or not self.uploads.owns(client, path):
                raise Refused(403, NOT_YOURS)

    def event(self, path: str, body: bytes):
        """(the event a direct call names, its values); only the page's unqueued events are found."""
        try:
            request = json.loads(body or b"{}")
        except (ValueError, RecursionError):  # RecursionError: a deeply nested body
            raise Refused(400, "The request body is not valid JSON.") from None
        request = request if isinstance(request, dict) else {}
        index, name = request.get("fn_index"), path.rstrip("/").rsplit("/", 1)[-1]
        if index is not None and type(index) is not int:  # Gradio reads "3" or 3.0 as 3: judge what it runs
            raise Refused(400, "fn_index must be a whole number.")
        fns = self.blocks.fns
        fn = fns.get(index) if type(index) is int else next((f for f in fns.values() if f.api_name == name), None)
        if fn is None:
            raise Refused(404, NOT_SERVED)
        if fn.queue:
            raise Refused(404, QUEUE_ONLY)
        return fn, request.get("data")


def _takes_files(block) -> bool:
    from gradio.data_classes import FileData, ListFiles

    try:
        model = block.data_model
    except Exception:  # noqa: BLE001 - a component without a data model takes no files
        return False
    return isinstance(model, type) and issubclass(model, (FileData, ListFiles)) and block.interactive is not False


def _file_refs(data):
    """The paths of the file payloads Gradio acts on (meta._type gradio.FileData), at any depth, without recursion."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            meta = value.get("meta")
            if isinstance(meta, dict) and meta.get("_type") == "gradio.FileData":
                yield value.get("path")
            else:
                stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


class Doorway:
    """The ASGI middleware (in ui/app.py's launch, inside the body limit)."""

    def __init__(self, app, gate: Gate):
        self.app, self.gate = app, gate

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = _route_path(scope)
        kind, post = doors.kind_of_path(path), scope.get("method") == "POST"
        if kind == doors.MCP:  # its tool calls replay over loopback with these headers: they name the client
            scope = {**scope, "headers": clients.vouched_headers(scope.get("headers") or [], self.gate.client(scope))}
        self.gate.uploads.sweep()
        try:
            if kind == doors.REFUSED:
                raise Refused(404, NOT_SERVED)
            if kind == doors.UPLOAD and not self.gate.takes_uploads:
                raise Refused(403, NO_UPLOADS)
            # an upload is never served back; a URL Gradio would fetch and stream (the server as a proxy) neither
            if kind == doors.FILES and (self.gate.uploads.is_upload(_file_path(path)) or _is_url(_file_path(path))):
                raise Refused(404, NOT_SERVED)
            if kind == doors.DIRECT and post:
                return await self._direct(scope, receive, send)
            if kind == doors.UPLOAD and post and path.rstrip("/").endswith("/upload"):
                return await self._upload(scope, receive, send)
        except Refused as refused:
            return await _refuse(scope, send, refused)
        await self.app(scope, receive, send)

    async def _direct(self, scope, receive, send):
        body, receive = await _read_body(receive)
        fn, data = self.gate.event(_route_path(scope), body)
        client = self.gate.client(scope)
        self.gate.admit(client, getattr(fn.fn, "rate_limited", False), queued=False)
        self.gate.check_files(data, client)
        async with _counted(self.gate, client):
            await self.app(scope, receive, send)

    async def _upload(self, scope, receive, send):
        client, uploads = self.gate.client(scope), self.gate.uploads
        declared = _content_length(scope)
        self.gate.admit(client, counted=True)
        uploads.admit(client, declared)
        try:
            async with _counted(self.gate, client):
                start, body = await _captured(self.app, scope, receive)
        except BaseException:
            uploads.finished(client, declared, None)
            raise
        stored = _stored_paths(start, body)
        told = uploads.finished(client, declared, stored)  # may refuse: several files
        if stored and told != stored:  # another client's file of the same content: this client's own name
            body = json.dumps(told).encode()
            start = {**start, "headers": [(k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                                          for k, v in start.get("headers", [])]}
        await send(start)
        await send({"type": "http.response.body", "body": body})


class _counted:
    def __init__(self, gate: Gate, client: str):
        self.gate, self.client = gate, client

    async def __aenter__(self):
        self.gate.enter(self.client)

    async def __aexit__(self, *exc):
        self.gate.leave(self.client)


def _route_path(scope) -> str:
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _file_path(path: str) -> str:
    for prefix in ("/gradio_api/file=", "/gradio_api/file/"):
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


def _is_url(path: str) -> bool:
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", path) is not None  # the ASGI path is decoded already


def _content_length(scope) -> int | None:
    value = dict(scope.get("headers") or []).get(b"content-length", b"")
    return int(value) if value.isdigit() else None


async def _read_body(receive):
    """The whole request body (the body limit bounds it), and a receive that hands it on again."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(413, "The request body is too large or was cut off.")
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body, replayed = b"".join(chunks), False

    async def replay():
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


async def _captured(app, scope, receive) -> tuple[dict, bytes]:
    """Run `app` and keep its (small) response instead of sending it."""
    start, chunks = {}, []

    async def keep(message):
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start, b"".join(chunks)


def _stored_paths(start: dict, body: bytes) -> list[str] | None:
    if start.get("status") != 200:
        return None
    try:
        paths = json.loads(body)
    except ValueError:
        return None
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else None


async def _refuse(scope, send, refused: Refused) -> None:
    if scope["type"] == "websocket":
        return await send({"type": "websocket.close", "code": 1008})
    body = json.dumps({"detail": refused.message, "error": refused.message}).encode()
    await send({"type": "http.response.start", "status": refused.status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
