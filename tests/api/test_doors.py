"""Every route the launched app serves is a door that enforces admission or refuses (issue #33).

The app is launched in public mode with small limits; each test uses its own client address (X-Forwarded-For
from a loopback peer is believed, one proxy hop), so their counts do not mix. A route a later Gradio adds
fails test_every_served_route_is_classified until serving/doors.py says what it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from llm_playground.config import Settings
from llm_playground.service.playground import PlaygroundService
from llm_playground.serving import doors

from ..conftest import free_port, slow_down
from ..http_calls import HttpCaller

NOT_SERVED = doors.NOT_SERVED

RATE, JOBS = 5, 2


@contextlib.contextmanager
def launched_app(settings: Settings):
    """(url, service, the Blocks app): the routes are read from the app itself."""
    from llm_playground.ui.app import build_app, launch

    service = PlaygroundService(settings, hub_probe=lambda: False)
    app = build_app(service)
    _, url, _ = launch(app, service, prevent_thread_lock=True, quiet=True)
    try:
        yield url.rstrip("/"), service, app
    finally:
        app.close()
        service.close()


@pytest.fixture(scope="module")
def public(models_dir):
    settings = Settings(models_dir=models_dir, port=free_port(), allow_custom_models=False, allow_fine_tune=True,
                        rate_limit=RATE, jobs_per_client=JOBS)
    with launched_app(settings) as launched:
        yield launched


def who(address: str) -> dict:
    return {"X-Forwarded-For": address}


def concrete(template: str) -> str:
    """A request path for a route template: every parameter 'x'."""
    return re.sub(r"\{[^}]+\}", "x", template)


def event_index(app, name: str) -> int:
    return next(i for i, fn in app.fns.items() if getattr(fn.fn, "__name__", "") == name)


def direct(url: str, index: int, address: str, data=("en",)) -> httpx.Response:
    """What the page sends for an event without the queue (its language switch here)."""
    return httpx.post(f"{url}/gradio_api/run/predict", json={"data": list(data), "fn_index": index,
                                                            "session_hash": "doors-test"}, headers=who(address),
                      timeout=60)


# ---- the map ------------------------------------------------------------------------------------------------------

def test_every_served_route_is_classified(public):
    url, service, app = public
    served = doors.served_routes(app.server_app)
    assert len(served) > 80 and ("/gradio_api/upload", frozenset({"POST"})) in served
    unclassified = sorted({t for t, _ in served if doors.kind_of_route(t) is None})
    assert not unclassified, f"routes no door of serving/doors.py describes: {unclassified}"
    templates = {t for t, _ in served}
    stale = sorted(t for t in doors.KIND_OF if t not in templates)
    assert not stale, f"serving/doors.py lists routes the app no longer serves: {stale}"
    # Every event an MCP agent (or any API caller) can name is queued: its calls meet the queue's admission.
    assert all(fn.queue for fn in app.fns.values() if fn.api_visibility == "public")


def test_refused_doors_refuse(public):
    url, _, app = public
    for template, methods in doors.served_routes(app.server_app):
        if doors.kind_of_route(template) != doors.REFUSED:
            continue
        method = "GET" if methods & {"GET", "HEAD"} or not methods else sorted(methods)[0]  # HEAD has no body
        r = httpx.request(method, url + concrete(template), headers=who("192.0.2.1"), timeout=30)
        assert r.status_code == 404 and NOT_SERVED in r.text, (template, method, r.status_code, r.text)
    unknown = httpx.get(f"{url}/gradio_api/some-route-gradio-adds-later", timeout=30)
    assert unknown.status_code == 404 and unknown.json()["detail"] == NOT_SERVED


# ---- direct event routes ---------------------------------------------------------------------------------------

def test_direct_routes_refuse_every_queued_event(public):
    """/gradio_api/run/<api> and /gradio_api/api/<api> ran every endpoint outside the queue and every limit
    (measured: 180 calls in 14 s from one client, none refused); now each queued event is refused there."""
    url, service, app = public
    http = HttpCaller(url)
    good = http.values("/tokenize", {"tokenizers": ["tiny-gpt2"], "text": "Hi"})
    for _ in range(RATE + 3):  # more than the rate limit: none may run
        for route in ("run", "api"):
            r = httpx.post(f"{url}/gradio_api/{route}/tokenize", json={"data": good}, headers=who("192.0.2.2"))
            assert r.status_code == 404 and "queue" in r.json()["detail"], r.text
    for name in http.params:  # every endpoint, with a trailing slash too
        r = httpx.post(f"{url}/gradio_api/run/{name.strip('/')}/", json={"data": []}, headers=who("192.0.2.2"))
        assert r.status_code == 404, (name, r.text)
    generate_button = event_index(app, "run_generation")
    r = direct(url, generate_button, "192.0.2.2", data=[])
    assert r.status_code == 404 and "queue" in r.json()["detail"]
    http.close()


def test_the_pages_unqueued_events_count_against_the_rate_limit_where_marked(public, monkeypatch):
    """The page's own events without the queue go through the same admission: counted where the handler
    is (here the language switch, marked for the test; Stop and re-plots are not)."""
    url, service, app = public
    relabel = app.fns[event_index(app, "relabel")]
    monkeypatch.setattr(relabel.fn, "rate_limited", True, raising=False)
    codes = [direct(url, relabel._id, "192.0.2.3").status_code for _ in range(RATE + 2)]
    assert codes == [200] * RATE + [429, 429], codes
    assert "Too many requests" in direct(url, relabel._id, "192.0.2.3").json()["detail"]
    assert direct(url, relabel._id, "192.0.2.4").status_code == 200  # another visitor


def test_unqueued_and_queued_requests_share_the_job_cap(public, monkeypatch):
    """A client's direct events in flight count against its queued ones, and at most JOBS run at once: with
    JOBS held, the next is refused on either door, and another visitor is served."""
    url, service, app = public
    relabel = app.fns[event_index(app, "relabel")]
    release, real = threading.Event(), relabel.fn
    monkeypatch.setattr(relabel, "fn", lambda lang: (release.wait(20), real(lang))[1])
    with ThreadPoolExecutor(JOBS) as pool:
        held = [pool.submit(direct, url, relabel._id, "192.0.2.5") for _ in range(JOBS)]
        deadline = time.monotonic() + 20
        while sum(app.playground_gate.direct.values()) < JOBS and time.monotonic() < deadline:
            time.sleep(0.02)
        refused = direct(url, relabel._id, "192.0.2.5")
        queued = httpx.post(f"{url}/gradio_api/call/models", json={"data": []}, headers=who("192.0.2.5"))
        other = httpx.post(f"{url}/gradio_api/call/models", json={"data": []}, headers=who("192.0.2.6"))
        release.set()
        assert [f.result().status_code for f in held] == [200] * JOBS
    assert refused.status_code == 429 and "at most 2 at once" in refused.json()["detail"], refused.text
    assert queued.status_code == 429 and other.status_code == 200


def test_stop_is_never_refused_for_a_full_queue(public, monkeypatch):
    """JOBS slow generations in the queue: the next queued request is refused, but the page's unqueued events
    (Stop, the language switch) still pass: they count the client's other unqueued events only."""
    url, service, app = public
    slow_down(service.manager.get("tiny-gpt2", "generation"), monkeypatch, 0.05)
    http = HttpCaller(url)
    body = {"data": http.values("/generate", {"model": "tiny-gpt2", "prompt": "Hi", "max_new_tokens": 30})}
    posted = [httpx.post(f"{url}/gradio_api/call/generate", json=body, headers=who("192.0.2.7")) for _ in range(JOBS)]
    assert [p.status_code for p in posted] == [200] * JOBS
    assert httpx.post(f"{url}/gradio_api/call/models", json={"data": []}, headers=who("192.0.2.7")).status_code == 429
    assert direct(url, event_index(app, "relabel"), "192.0.2.7").status_code == 200
    stop = direct(url, event_index(app, "stop_this_page"), "192.0.2.7", data=[])
    # answered, not refused: nothing of this page was generating (the queued ones are another page's); Stop with
    # nothing running answers "idle" instead of an error (#32: it was an invisible HTTP 500 in the page)
    assert stop.status_code == 200 and '"idle"' in stop.text, stop.text
    for p in posted:  # read the results, so the generations end
        httpx.get(f"{url}/gradio_api/call/generate/{p.json()['event_id']}", timeout=60)
    http.close()


# ---- the other doors: queue, REST, MCP ---------------------------------------------------------------------------

def test_queue_rest_and_mcp_doors_share_one_rate_limit(public):
    url, _, _ = public
    address = "192.0.2.8"
    assert httpx.post(f"{url}/gradio_api/call/models", json={"data": []}, headers=who(address)).status_code == 200
    assert httpx.post(f"{url}/gradio_api/call/v2/models", json={}, headers=who(address)).status_code == 200
    assert httpx.post(f"{url}/api/v1/models", json={}, headers=who(address)).status_code == 200
    assert httpx.get(f"{url}/v1/models", headers=who(address)).status_code == 200
    ok, refused = mcp_calls(url, address, 2)
    assert not ok.isError  # the 5th request
    assert refused.isError and refused.content[0].text.startswith("Too many requests")  # the app's words
    assert httpx.post(f"{url}/gradio_api/call/models", json={"data": []}, headers=who(address)).status_code == 429
    assert httpx.post(f"{url}/api/v1/models", json={}, headers=who(address)).status_code == 429


def test_rest_and_queue_requests_share_the_job_cap(public, monkeypatch):
    """A client's requests in flight count together whichever door they came by: with JOBS REST generations
    running, its queued request is refused, and with JOBS queued generations, its REST request (they were
    counted apart: one client ran 16 at once against a cap of 8, issue #33). Another visitor is served."""
    url, service, app = public
    slow_down(service.manager.get("tiny-gpt2", "generation"), monkeypatch, 0.05)
    body, address = {"model": "tiny-gpt2", "prompt": "Hi", "max_new_tokens": 30}, "192.0.2.12"
    with ThreadPoolExecutor(JOBS) as pool:
        held = [pool.submit(httpx.post, f"{url}/api/v1/generate", json=body, headers=who(address), timeout=120)
                for _ in range(JOBS)]
        deadline = time.monotonic() + 20
        while app.playground_gate.direct[address] < JOBS and time.monotonic() < deadline:
            time.sleep(0.02)
        queued = httpx.post(f"{url}/gradio_api/call/models", json={"data": []}, headers=who(address))
        other = httpx.post(f"{url}/gradio_api/call/models", json={"data": []}, headers=who("192.0.2.13"))
        assert [f.result().status_code for f in held] == [200] * JOBS
    assert queued.status_code == 429 and other.status_code == 200, queued.text

    http, address = HttpCaller(url), "192.0.2.14"
    data = {"data": http.values("/generate", body)}
    posted = [httpx.post(f"{url}/gradio_api/call/generate", json=data, headers=who(address)) for _ in range(JOBS)]
    rest = httpx.post(f"{url}/api/v1/models", json={}, headers=who(address))
    for p in posted:
        httpx.get(f"{url}/gradio_api/call/generate/{p.json()['event_id']}", timeout=60)
    http.close()
    assert rest.status_code == 429 and "at most 2 at once" in rest.json()["error"], rest.text


def mcp_calls(url: str, address: str, n: int):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def session():
        async with streamablehttp_client(f"{url}/gradio_api/mcp/", headers=who(address)) as (read, write, _):
            async with ClientSession(read, write) as s:
                await s.initialize()
                return [await s.call_tool("tokenize", {"tokenizers": ["tiny-gpt2"], "text": "Hi"}) for _ in range(n)]

    with ThreadPoolExecutor(1) as pool:  # its own loop (Playwright's sync API may own this thread's)
        return pool.submit(lambda: asyncio.run(asyncio.wait_for(session(), 120))).result()


def test_mcp_calls_with_forged_forwarded_for_share_their_peers_budget(models_dir):
    """Where no proxy stands in front (proxy_hops=0: the header is never believed), every MCP call forging a new
    X-Forwarded-For got a fresh rate limit: uvicorn rewrote the loopback replay's peer from the header before the
    app saw it (found by scripts/hostile_load.py)."""
    settings = Settings(models_dir=models_dir, port=free_port(), allow_custom_models=False, rate_limit=RATE,
                        proxy_hops=0)
    with launched_app(settings) as (url, _, _):
        results = [mcp_calls(url, f"5.0.0.{i}", 1)[0] for i in range(RATE + 3)]
    accepted = [not r.isError for r in results]
    assert accepted == [True] * RATE + [False] * 3, [r.content[0].text[:60] for r in results]


def test_attention_exports_count_against_the_rate_limit(public):
    """An export writes a file: unlike a re-plot it is counted (it was not: issue #33, item 5)."""
    url, _, _ = public
    body = {"data": [None, "heatmap", 0, "mean", 0, False, "en"]}
    codes = []
    for _ in range(RATE + 1):
        r = httpx.post(f"{url}/gradio_api/call/export_view", json=body, headers=who("192.0.2.9"))
        codes.append(r.status_code)
        if r.status_code == 200:  # read it, so it is no longer in flight
            httpx.get(f"{url}/gradio_api/call/export_view/{r.json()['event_id']}", timeout=60)
    assert codes == [200] * RATE + [429], codes


def test_an_openai_request_whose_client_left_counts_until_its_work_ends(public, monkeypatch):
    """A model load cannot be interrupted: the client that leaves while it runs keeps its slot until it ends
    (the OpenAI route released it at the disconnect, so connecting and leaving in a loop passed the job cap)."""
    import json
    import socket
    from urllib.parse import urlparse

    url, service, app = public
    original, address = service.generate_stream, "93.184.216.40"

    def slow_load(*args, **kwargs):
        time.sleep(2.0)  # as a cold model loads
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "generate_stream", slow_load)
    body = json.dumps({"model": "tiny-gpt2", "prompt": "Hi", "max_tokens": 2}).encode()
    host = urlparse(url)
    sock = socket.create_connection((host.hostname, host.port))
    sock.sendall(f"POST /v1/completions HTTP/1.1\r\nHost: {host.netloc}\r\nContent-Type: application/json\r\n"
                 f"X-Forwarded-For: {address}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    time.sleep(0.5)
    sock.close()
    time.sleep(0.7)
    assert app.playground_gate.direct[address] == 1  # still loading: still counted
    deadline = time.monotonic() + 10
    while app.playground_gate.direct[address] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert app.playground_gate.direct[address] == 0
