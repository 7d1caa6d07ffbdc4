"""The other doors of issue #33, for scripts/hostile_load.py: one hostile client per door.

- direct: POST /gradio_api/run|api/<api> (and the page's /run/predict with a queued event's fn_index), which
  once ran every endpoint outside every limit, mixed with queued calls (/gradio_api/call/tokenize);
- upload: files to /gradio_api/upload in a loop, never read (plus one too large, one with two files) and an
  attempt to fetch an uploaded file back;
- mcp: tool calls through Gradio's MCP server, each HTTP request with a new forged X-Forwarded-For: half from a
  public peer that reaches the app without a proxy, half through the trusted proxy (which appends the peer);
- openai: /v1/completions with 8 prompts x n=8 (must be refused: 64 sequences) and 2 prompts x n=4 (a good one);
- compare: POST /api/v1/compare, hang up after ~1 s, and time until its work has ended (the gate's count of
  the client's requests in flight drops to 0: REST counts a request until its work is done);
- export: the Attention tab's export (a JSON download) as fast as the rate limit allows, in one page session.

Every door logs each request's HTTP code (or outcome) and the (sent, answered) times of those admitted;
`max_admitted` turns those into the most admissions that certainly fell within one rate-limit window.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import time
from collections import Counter
from urllib.parse import urlparse

import httpx

LIMITED = ("Too many requests", "waiting or running")
PEER_HEADER = "x-hostile-test-peer"  # test harness only: see PublicPeer
MCP_PEER = "1.2.3.4"  # the MCP client's own (public) address; never contacted, only a name
MCP_AT_ONCE = 4  # tool calls at once per session (two sessions: 8, the job cap)


class Caller:
    """Plain-HTTP gradio API calls (POST, then read the event stream) from one client address."""

    def __init__(self, url: str, address: str):
        self.base, self.http = url.rstrip("/") + "/gradio_api/call/", httpx.Client(timeout=120)
        self.headers = {"X-Forwarded-For": address}
        info = self.http.get(url.rstrip("/") + "/gradio_api/info").json()["named_endpoints"]
        self.params = {n.strip("/"): [(p["parameter_name"], p.get("parameter_default")) for p in s["parameters"]]
                       for n, s in info.items()}

    def values(self, api: str, kwargs: dict) -> list:
        return [kwargs.get(name, default) for name, default in self.params[api]]

    def start(self, api: str, kwargs: dict | None = None, data: list | None = None, **extra) -> httpx.Response:
        data = self.values(api, kwargs or {}) if data is None else data
        return self.http.post(self.base + api, json={"data": data, **extra}, headers=self.headers)

    def result(self, api: str, response: httpx.Response) -> tuple[str, object]:
        """('ok', result) / ('error', message) / ('limited', message) / ('http <code>', body)."""
        if response.status_code != 200:
            detail = response.json().get("detail", response.text) if response.text.startswith("{") else response.text
            return ("limited" if any(w in str(detail) for w in LIMITED) else f"http {response.status_code}"), detail
        kind = None
        with self.http.stream("GET", f"{self.base}{api}/{response.json()['event_id']}", headers=self.headers) as s:
            for line in s.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    return ("ok" if kind == "complete" else "error"), json.loads(line[5:] or "null")
        return "error", "stream ended"

    def call(self, api: str, kwargs: dict | None = None, **extra) -> tuple[str, object]:
        return self.result(api, self.start(api, kwargs, **extra))


class DoorLog:
    """One door's figures (each door has one client thread; the main thread reads them at the end)."""

    def __init__(self):
        self.codes, self.admitted, self.figures, self.problems = Counter(), [], {}, []

    def admit(self, sent: float, code: str = "200") -> None:
        self.admitted.append((sent, time.monotonic()))
        self.codes[code] += 1

    def problem(self, text: str) -> None:
        if len(self.problems) < 5:
            self.problems.append(text[:300])


def max_admitted(spans: list[tuple[float, float]], window: float = 60.0) -> int:
    """The most admissions that certainly fell within one `window`: a request sent at s and answered at r was
    admitted in between, so all those sent at or after s0 and answered before s0 + window were admitted less than
    `window` apart, which a working limit of N per window keeps to N (no false alarm from network delays)."""
    return max((sum(1 for s, r in spans if s >= s0 and r < s0 + window) for s0, _ in spans), default=0)


def folder_bytes(path) -> tuple[int, int]:
    """(bytes, files) under `path`, tolerating files deleted while it walks."""
    total = files = 0
    for root, _, names in os.walk(path or "/nonexistent"):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name), follow_symlinks=False).st_size
                files += 1
            except OSError:
                pass
    return total, files


class PublicPeer:
    """Test harness only, outermost ASGI layer: an MCP request carrying PEER_HEADER comes from that address, as if
    the app were reached directly (no proxy) by a public client. Loopback is a trusted proxy to the app (and to
    uvicorn), so without this every forged X-Forwarded-For from this machine would be believed, rightly. The header
    is removed, so the tool call's replay does not carry it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("path", "").startswith("/gradio_api/mcp"):
            headers = scope.get("headers") or []
            peer = dict(headers).get(PEER_HEADER.encode())
            if peer:
                scope = {**scope, "client": (peer.decode(), 40000),
                         "headers": [(k, v) for k, v in headers if k != PEER_HEADER.encode()]}
        await self.app(scope, receive, send)


def simulate_public_peers(server_app) -> None:
    server_app.middleware_stack = PublicPeer(server_app.middleware_stack or server_app.build_middleware_stack())


# ---- the clients: role(url, i, deadline, report) --------------------------------------------------------------

BYPASSES = [("run", "tokenize"), ("api", "generate"), ("run", "generate/"), ("api", "tokenize/"), ("run", "predict")]
QUEUED_AT_ONCE = 6  # queued calls posted together, then read (under the job cap of 8)


def direct_client(url, i, deadline, report):
    """Bypass attempts on the direct routes, each round followed by QUEUED_AT_ONCE queued calls: admitted ones of
    either kind count against the same 60 a minute."""
    caller, log, j = Caller(url, "192.0.2.50"), report.door("direct"), 0
    queued_index = next(k for k, fn in report.ctx["app"].fns.items() if fn.api_name == "generate")
    data = {"tokenize": caller.values("tokenize", dict(tokenizers=["gpt2-small"], text="Hi")),
            "generate": caller.values("generate", dict(model="stories260K", prompt="Once", max_new_tokens=8))}
    while time.monotonic() < deadline:
        for route, api in BYPASSES[j % 2::2]:
            body = {"data": data["generate" if api.startswith(("generate", "predict")) else "tokenize"],
                    "fn_index": queued_index if api == "predict" else None, "session_hash": "hostile-direct"}
            sent = time.monotonic()
            r = caller.http.post(f"{url}/gradio_api/{route}/{api}", json=body, headers=caller.headers)
            if r.status_code < 300:
                log.admit(sent, f"{route} {r.status_code}")
                log.problem(f"POST /gradio_api/{route}/{api} ran a queued event: {r.status_code} {r.text[:120]}")
            else:
                log.codes[f"{route} {r.status_code}"] += 1
        posted = []
        for _ in range(QUEUED_AT_ONCE):
            sent = time.monotonic()
            response = caller.start("tokenize", data=data["tokenize"])
            if response.status_code == 200:
                log.admit(sent, "call 200")
                posted.append(response)
            else:
                log.codes[f"call {response.status_code}"] += 1
        for response in posted:  # read them: they leave the client's requests in flight
            caller.result("tokenize", response)
        j += 1
        time.sleep(0.05)


def uploader(url, i, deadline, report):
    """Files in a loop, never read: 256 KB each; of every 10, the 10th too large and the 5th two files at once."""
    log, address = report.door("upload"), "192.0.2.60"
    http, big = httpx.Client(timeout=60, headers={"X-Forwarded-For": address}), 512 * 1024 + 10_000
    accepted_bytes = fetched_back = 0
    for j in itertools.count():
        if time.monotonic() >= deadline:
            break
        size = big if j % 10 == 9 else 256 * 1024
        parts = [("files", (f"story{j}-{k}.txt", os.urandom(size // 2).hex().encode()[:size], "text/plain"))
                 for k in range(2 if j % 10 == 4 else 1)]
        sent = time.monotonic()
        r = http.post(f"{url}/gradio_api/upload", files=parts)
        detail = r.json().get("detail", "") if r.headers.get("content-type", "").startswith("application/json") \
            and r.status_code != 200 else ""
        why = ("rate" if "Too many requests" in detail else "quota" if "no tab has read" in detail
               else "busy" if "waiting or running" in detail else "")
        if r.status_code == 200:
            log.admit(sent)
            accepted_bytes += size * len(parts)
            if not fetched_back:  # an upload is never served back, even to its sender
                fetched_back = 1
                back = http.get(f"{url}/gradio_api/file={r.json()[0]}")
                log.figures["served_back_status"] = back.status_code
        else:
            log.codes[f"{r.status_code} {why}".strip()] += 1
        time.sleep(0.1)
    log.figures["accepted_bytes"] = accepted_bytes


async def _mcp_session(url, deadline, log, public: bool):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    forged = itertools.count(1 if public else 100_001)
    mode = "public peer" if public else "via proxy"

    async def forge(request):  # each HTTP request: a new forged client address
        n = next(forged)
        fake = f"5.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        request.headers["X-Forwarded-For"] = fake if public else f"{fake}, {MCP_PEER}"
        if public:
            request.headers[PEER_HEADER] = MCP_PEER
        log.figures["forged_addresses"] = log.figures.get("forged_addresses", 0) + 1

    async def one(session):
        sent = time.monotonic()
        try:
            result = await session.call_tool("tokenize", {"tokenizers": ["gpt2-small"], "text": "Hi"})
        except Exception as exc:  # noqa: BLE001 - counted and shown
            log.codes[f"{mode}: exception"] += 1
            log.problem(f"{mode}: {type(exc).__name__}: {exc}")
            return
        text = result.content[0].text if result.content else ""
        if not result.isError:
            log.admit(sent, f"{mode}: accepted")
        elif "429" in text or any(w in text for w in LIMITED):
            log.codes[f"{mode}: refused 429"] += 1
        else:
            log.codes[f"{mode}: error"] += 1
            log.problem(f"{mode}: {text}")

    async with httpx.AsyncClient(timeout=120, event_hooks={"request": [forge]}) as http:
        async with streamable_http_client(f"{url}/gradio_api/mcp/", http_client=http) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                while time.monotonic() < deadline:
                    await asyncio.gather(*(one(session) for _ in range(MCP_AT_ONCE)))


def mcp_client(url, i, deadline, report):
    """Two sessions of one client (MCP_PEER), MCP_AT_ONCE calls at once each; one budget between them."""
    log = report.door("mcp")

    async def both():
        await asyncio.gather(*(_mcp_session(url, deadline, log, public) for public in (True, False)))

    try:
        asyncio.run(both())
    except Exception as exc:  # noqa: BLE001
        inner = exc.exceptions[0] if isinstance(exc, BaseExceptionGroup) else exc
        log.problem(f"session: {type(inner).__name__}: {inner}")
        log.codes["session failed"] += 1


def openai_client(url, i, deadline, report):
    log, j = report.door("openai"), 0
    http = httpx.Client(timeout=120, headers={"X-Forwarded-For": "192.0.2.70"})
    while time.monotonic() < deadline:
        costly, j = j % 2 == 0, j + 1
        prompts, n = (["Once"] * 8, 8) if costly else (["Once upon a time", "The cat"], 4)
        sent = time.monotonic()
        r = http.post(f"{url}/v1/completions", json=dict(model="stories260K", prompt=prompts, n=n, max_tokens=8,
                                                          temperature=0.8))
        name = "8x8" if costly else "2x4"
        if r.status_code == 200:
            log.admit(sent, f"{name} 200")
            choices = len(r.json().get("choices", []))
            if costly or choices != 8:
                log.problem(f"{name}: 200 with {choices} choices")
        else:
            log.codes[f"{name} {r.status_code}"] += 1
            if not costly and r.status_code != 429:
                log.problem(f"{name}: {r.status_code} {r.text[:200]}")
        time.sleep(max(0.0, 1.3 - (time.monotonic() - sent)))


def raw_post(url: str, path: str, body: dict, address: str) -> socket.socket:
    where, data = urlparse(url), json.dumps(body).encode()
    sock = socket.create_connection((where.hostname, where.port))
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\nContent-Type: application/json\r\nX-Forwarded-For: "
                 f"{address}\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
    return sock


def compare_quitter(url, i, deadline, report):
    """Compare with the default dtypes, 200 tokens a side; hang up after 1 s; time until its work has ended."""
    log, address, gate = report.door("compare"), "192.0.2.80", report.ctx["app"].playground_gate
    body = {"prompt": "Once upon a time", "model_a": "stories260K", "model_b": "stories260K", "max_new_tokens": 200}
    stops = log.figures.setdefault("stop_after_disconnect_s", [])
    while time.monotonic() < deadline:
        sock = raw_post(url, "/api/v1/compare", body, address)
        time.sleep(1.0)
        sock.setblocking(False)
        try:
            answer = sock.recv(64)
        except BlockingIOError:
            answer = b""
        sock.close()
        gone = time.monotonic()
        if answer:  # answered (or refused) within the second
            log.codes[f"answered {answer.split(b' ')[1].decode(errors='replace')}"] += 1
            continue
        log.codes["left while running"] += 1
        while gate.direct.get(address, 0) and time.monotonic() - gone < 60:
            time.sleep(0.02)
        stops.append(round(time.monotonic() - gone, 2))


class Page:
    """One page session, as the browser runs it: events joined by fn_index, results read from the session's stream."""

    def __init__(self, url: str, address: str, session: str):
        self.url, self.session = url, session
        self.http = httpx.Client(timeout=120, headers={"X-Forwarded-For": address})

    def join(self, fn_index: int, data: list) -> httpx.Response:
        return self.http.post(f"{self.url}/gradio_api/queue/join", json={
            "data": data, "fn_index": fn_index, "session_hash": self.session, "event_data": None, "trigger_id": None})

    def results(self, event_ids: list[str]) -> dict[str, tuple[str, object]]:
        """{event id: ('ok', outputs) or ('error', message)} of the session's events `event_ids`."""
        done: dict[str, tuple[str, object]] = {}
        with self.http.stream("GET", f"{self.url}/gradio_api/queue/data", params={"session_hash": self.session}) as s:
            for line in s.iter_lines():
                msg = json.loads(line[5:]) if line.startswith("data:") else {}
                if msg.get("msg") == "process_completed" and msg.get("event_id") in event_ids:
                    output = msg.get("output") or {}
                    done[msg["event_id"]] = ("ok", output.get("data")) if msg.get("success") else (
                        "error", output.get("error"))
                if len(done) == len(event_ids) or msg.get("msg") == "close_stream":
                    break
        return done | {e: ("error", "stream ended") for e in event_ids if e not in done}


EXPORT_VIEW = [None, "heatmap", 0, "mean", 0, False, "en"]  # key (the page's state), view, layer, head, token, ...


EXPORTS_AT_ONCE = 4  # export clicks joined together, then their results read


def exporter(url, i, deadline, report):
    """One page session: an attention run, then its export button, EXPORTS_AT_ONCE clicks at a time, as fast as the
    rate limit allows."""
    log, page = report.door("export"), Page(url, "192.0.2.90", f"hostile-export-{i}")
    index = {fn.api_name: k for k, fn in report.ctx["app"].fns.items()}
    run = ["stories260K", "Once upon a time there was a girl", "", "heatmap", 0, "mean", None, 0, False, "en"]
    sent = time.monotonic()
    r = page.join(index["run_attention"], run)
    kind, data = page.results([r.json()["event_id"]]).popitem()[1] if r.status_code == 200 else (
        f"http {r.status_code}", r.text)
    log.figures["attention_run"] = kind if kind == "ok" else f"{kind}: {str(data)[:200]}"
    if r.status_code == 200:
        log.admit(sent, "attention run")
    while time.monotonic() < deadline:
        events = []
        for _ in range(EXPORTS_AT_ONCE):
            sent = time.monotonic()
            r = page.join(index["export_view"], EXPORT_VIEW)
            if r.status_code == 200:
                log.admit(sent)
                log.figures.setdefault("first_export_at_s", round(sent - report.ctx["start"], 1))
                events.append(r.json()["event_id"])
            else:
                log.codes[str(r.status_code)] += 1
        for kind, data in page.results(events).values() if events else ():
            log.codes[f"export {kind}"] += 1
            if kind != "ok":
                log.problem(f"{kind}: {str(data)[:200]}")
            elif "download_status" not in log.figures:  # the file is served, as the page's link fetches it
                log.figures["download_status"] = page.http.get(data[0]["value"]["url"]).status_code
        if not events:
            time.sleep(0.2)


# ---- after the run ------------------------------------------------------------------------------------------------

def requests_in_flight(app) -> int:
    """Requests waiting or running anywhere: the gate's doors (REST included) and Gradio's queue."""
    queue = app._queue
    waiting = sum(len(q.queue) for q in queue.event_queue_per_concurrency_id.values())
    running = sum(len(jobs) for jobs in queue.active_jobs if jobs)
    return sum(app.playground_gate.direct.values()) + waiting + running


COMPARE_STOP_S = 10.0  # Compare's work must end within this after its client left (it ran 21-59 s: issue #33)


def door_summary(doors: dict[str, DoorLog], service, duration: float) -> tuple[dict, list[str]]:
    """Per-door figures, and the limits a door did not hold."""
    s, out, broken = service.settings, {}, []
    for name, log in sorted(doors.items()):
        most = max_admitted(log.admitted)
        out[name] = {"codes": dict(sorted(log.codes.items())), "admitted": len(log.admitted),
                     "max_admitted_in_60s": most, **log.figures} | ({"problems": log.problems} if log.problems else {})
        if most > s.rate_limit:
            broken.append(f"{name}: {most} requests admitted within 60 s from one client (limit {s.rate_limit})")
    codes = lambda name: doors[name].codes if name in doors else Counter()  # noqa: E731
    bypassed = sum(v for k, v in codes("direct").items() if k.split()[0] in ("run", "api") and int(k.split()[1]) < 300)
    if bypassed:
        broken.append(f"direct: {bypassed} queued events ran through /gradio_api/run|api (the limit there is 0)")
    if "upload" in doors:
        up = out["upload"]
        if duration < s.upload_max_age and (up["admitted"] > s.upload_files_per_client
                                            or up.get("accepted_bytes", 0) > s.upload_bytes_per_client):
            broken.append(f"upload: {up['admitted']} files, {up.get('accepted_bytes')} bytes kept unread (quota "
                          f"{s.upload_files_per_client} files, {s.upload_bytes_per_client} bytes per client)")
        if up.get("served_back_status") == 200:
            broken.append("upload: an uploaded file was served back")
    if "mcp" in doors:  # whom the limiter counted: a forged 5.x.y.z is a fresh budget
        hits = dict(getattr(service.limiter, "_hits", {}))
        forged = [k for k in hits if str(k).startswith("5.")]
        out["mcp"]["limiter_identities_forged"] = len(forged)
        out["mcp"]["limiter_hits_for_" + MCP_PEER] = len(hits.get(MCP_PEER, ()))
        if forged:
            broken.append(f"mcp: the rate limiter counted {len(forged)} forged addresses as clients, e.g. {forged[:3]}")
    if codes("openai").get("8x8 200"):
        broken.append(f"openai: {codes('openai')['8x8 200']} requests of 8 prompts x n=8 (64 sequences) accepted")
    if "compare" in doors:
        stops = doors["compare"].figures.get("stop_after_disconnect_s", [])
        out["compare"]["stop_max_s"] = max(stops, default=None)
        out["compare"]["stop_after_disconnect_s"] = sorted(stops)
        if stops and max(stops) > COMPARE_STOP_S:
            broken.append(f"compare: its work ran {max(stops)} s after the client left (allowed {COMPARE_STOP_S} s)")
    return out, broken


def good_door_failures(doors: dict[str, DoorLog]) -> list[str]:
    """Good requests at the doors that failed other than by a per-client limit: OpenAI's 2 prompts x n=4."""
    return [p for p in doors["openai"].problems if p.startswith("2x4")] if "openai" in doors else []
