"""Every HTTP route the app serves is a door, and each door says what it enforces.

Gradio serves ~90 routes; the app uses a few of them. A limit that lives on one door and not on the others
is no limit (a direct POST to /gradio_api/run/<api> once skipped the queue and every limit), so each route is
listed here with its kind, and `serving/gate.py` acts on the kind for every request:

- QUEUE: joins Gradio's queue; admitted there (rate limit, requests in flight per client, fair order) by
  `gradio_patches.admission`, before anything waits;
- DIRECT: runs an event without the queue. Queued events are refused (Gradio's `api_open` is off too);
  the page's own unqueued events (Stop, the language switch, a picker refresh) are admitted by the gate
  with the queue's rule, and count as in flight;
- UPLOAD: files, only where a tab takes them (serving/uploads.py: rate limited, bounded, deleted when read);
- FILES: serves Gradio's cache (exports); uploaded files are never served back;
- REST: the app's own routes (serving/rest/): admitted by `Web.admit` where they run work;
- MCP: Gradio's MCP server; its tool calls replay through the queue (QUEUE admission);
- RESULTS: reads or ends the caller's own queued events by their event id or session hash: no work;
- PAGE: the page, its assets and descriptions: nothing runs, nothing is stored;
- REFUSED: Gradio features this app does not use; 404.

A path that matches no door is refused too, so a route a later Gradio adds stays closed until it is
classified here (tests/api/test_doors.py walks the launched app's routes and fails on any not listed).
"""

from __future__ import annotations

import re

from starlette.routing import Mount, compile_path

QUEUE, DIRECT, UPLOAD, FILES, REST, MCP = "queue", "direct", "upload", "files", "rest", "mcp"
RESULTS, PAGE, REFUSED = "results", "page", "refused"

# (kind, why, route templates as gradio 6.31 and serving/rest write them)
TABLE: list[tuple[str, str, tuple[str, ...]]] = [
    (QUEUE, "joins the queue: admitted when queued (gradio_patches.admission)", (
        "/gradio_api/queue/join", "/gradio_api/call/{api_name}", "/gradio_api/call/{api_name}/",
        "/gradio_api/call/v2/{api_name}", "/gradio_api/call/v2/{api_name}/")),
    (DIRECT, "runs an event without the queue: queued ones refused, the page's unqueued ones admitted by the gate", (
        "/gradio_api/run/{api_name}", "/gradio_api/run/{api_name}/", "/gradio_api/api/{api_name}",
        "/gradio_api/api/{api_name}/")),
    (UPLOAD, "files for a tab that takes them (Fine-tune): rate limited, bounded per client and in all", (
        "/gradio_api/upload", "/gradio_api/upload_progress")),
    (FILES, "serves exports from Gradio's cache (no allowed_paths); uploads are never served back", (
        "/gradio_api/file={path_or_url:path}", "/gradio_api/file/{path:path}")),
    (MCP, "Gradio's MCP server: tool calls replay through the queue (admitted there)", (
        "/gradio_api/mcp/schema", "/gradio_api/mcp/sse", "/gradio_api/mcp/messages/{path:path}",
        "/gradio_api/mcp/{path:path}")),
    (RESULTS, "reads or ends the caller's own queued events (by event id or session hash): no work", (
        "/gradio_api/queue/data", "/gradio_api/call/{api_name}/{event_id}", "/gradio_api/call/v2/{api_name}/{event_id}",
        "/gradio_api/heartbeat/{session_hash}", "/gradio_api/cancel", "/gradio_api/reset", "/gradio_api/reset/")),
    (PAGE, "the page, its assets and descriptions: nothing runs, nothing is stored", (
        "/", "/config", "/config/", "/assets/{path:path}", "/static/{path:path}", "/svelte/{path:path}",
        "/favicon.ico", "/theme.css", "/robots.txt", "/manifest.json", "/pwa_icon", "/pwa_icon/{size}",
        "/openapi.json", "/gradio_api/theme.css", "/gradio_api/info", "/gradio_api/info/",
        "/gradio_api/openapi.json", "/gradio_api/app_id", "/gradio_api/app_id/", "/gradio_api/startup-events",
        "/gradio_api/queue/status", "/gradio_api/user", "/gradio_api/user/", "/gradio_api/login_check",
        "/gradio_api/login_check/", "/gradio_api/token", "/gradio_api/token/")),
    (REFUSED, "Gradio features the app does not use (no auth, no streaming media, no recording, no custom or server "
              "components, no gr.load proxy, no run history, no vibe editing, no reload, no monitoring); "
              "deep_link wrote a file per call", (
        "/login", "/login/", "/logout", "/gradio_api/dev/reload", "/gradio_api/deep_link",
        "/gradio_api/runs", "/gradio_api/runs/", "/gradio_api/run-history/connect", "/gradio_api/run-history/buckets",
        "/gradio_api/run-history/records", "/gradio_api/run-history/records/{endpoint}/{record_id}/assets/{asset_id}",
        "/gradio_api/custom_component/{id}/{environment}/{type}/{file_name}", "/gradio_api/proxy={url_path:path}",
        "/gradio_api/stream/{event_id}", "/gradio_api/stream/{event_id}/close",
        "/gradio_api/stream/{session_hash}/{run}/{component_id}/playlist.m3u8",
        "/gradio_api/stream/{session_hash}/{run}/{component_id}/{segment_id}.{ext}",
        "/gradio_api/stream/{session_hash}/{run}/{component_id}/playlist-file",
        "/gradio_api/component_server", "/gradio_api/component_server/", "/gradio_api/process_recording",
        "/gradio_api/vibe-edit", "/gradio_api/vibe-edit/", "/gradio_api/undo-vibe-edit", "/gradio_api/undo-vibe-edit/",
        "/gradio_api/vibe-code", "/gradio_api/vibe-code/", "/gradio_api/vibe-starter-queries",
        "/gradio_api/vibe-starter-queries/", "/monitoring", "/monitoring/summary", "/monitoring/{key}")),
]
# The app's own routes (serving/rest/): every path under these prefixes; admitted by rest/common.Web.admit.
OWN_PREFIXES = ("/api/v1/", "/v1/")
OWN_WHY = "the app's REST and OpenAI routes: admitted by Web.admit (health, OpenAPI and docs run nothing)"

KIND_OF: dict[str, str] = {template: kind for kind, _, templates in TABLE for template in templates}
WHY: dict[str, str] = {kind: why for kind, why, _ in TABLE} | {REST: OWN_WHY}


def _patterns() -> list[tuple[re.Pattern, str]]:
    """Literal templates first, so /monitoring/summary is not taken for /monitoring/{key}."""
    ordered = sorted(KIND_OF.items(), key=lambda item: "{" in item[0])
    return [(compile_path(template)[0], kind) for template, kind in ordered]


PATTERNS = _patterns()


def kind_of_path(path: str) -> str:
    """The door of a request's path (without the root path); REFUSED when it matches none."""
    if path.startswith(OWN_PREFIXES):
        return REST
    return next((kind for pattern, kind in PATTERNS if pattern.match(path)), REFUSED)


def kind_of_route(template: str) -> str | None:
    """The door of a served route's template, by exact listing (None: not classified)."""
    return REST if template.startswith(OWN_PREFIXES) else KIND_OF.get(template)


def served_routes(app) -> list[tuple[str, frozenset[str]]]:
    """(template, methods) of every route the Starlette/FastAPI `app` serves: mounts and included routers
    flattened; a mounted bare ASGI app is '<its path>/{path:path}'; no methods means every method."""
    found: list[tuple[str, frozenset[str]]] = []

    def walk(routes, prefix: str) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)  # fastapi's included router (0.16x)
            if included is not None:
                walk(included.routes, prefix + route.include_context.prefix)
            elif isinstance(route, Mount) and route.routes:
                walk(route.routes, prefix + route.path)
            elif isinstance(route, Mount):
                found.append((f"{prefix}{route.path}/{{path:path}}", frozenset()))
            else:
                found.append((prefix + route.path, frozenset(getattr(route, "methods", None) or ())))

    walk(app.routes, "")
    return found


NOT_SERVED = "Not Found: this server does not serve that path."


class Refused(Exception):
    """A door's refusal: the HTTP status and a message for the caller."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message
