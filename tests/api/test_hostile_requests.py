"""Hand-made requests against a launched public app (issue #33, low items): an over-long or malformed address is
refused with a reason, never a 500 and a traceback in the log; no error tells a visitor where the server keeps
its files; an MCP client refused by the limits reads why."""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from urllib.parse import urlsplit

import httpx
import pytest

from llm_playground.config import Settings
from llm_playground.serving.body_limit import MAX_URL_BYTES

from ..conftest import free_port
from .test_doors import RATE, launched_app, mcp_calls

LONG = MAX_URL_BYTES + 10_000  # also over the 65,536 characters httpx (inside Gradio) takes as a URL


@pytest.fixture(scope="module")
def public(models_dir):
    settings = Settings(models_dir=models_dir, port=free_port(), allow_custom_models=False, allow_fine_tune=True,
                        rate_limit=RATE, jobs_per_client=2)
    with launched_app(settings) as launched:
        yield launched


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def server_log():
    """Warnings and errors the server logs (uvicorn's loggers do not propagate to the root: caplog misses them)."""
    handler, loggers = Records(), [logging.getLogger(n) for n in ("uvicorn.error", "uvicorn", "gradio", "")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.records
    for logger in loggers:
        logger.removeHandler(handler)


def raw(url: str, target: str, headers: dict | None = None, method: str = "GET") -> tuple[int, str]:
    """(status, body) of one request written by hand: httpx refuses to send a URL over 64 KB."""
    parts = urlsplit(url)
    head = {"Host": parts.netloc, "Connection": "close", "X-Forwarded-For": "192.0.2.40", **(headers or {})}
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in head.items()] + ["", ""]
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as s:
        s.sendall("\r\n".join(lines).encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")


# ---- over-long and malformed addresses -------------------------------------------------------------------------

@pytest.mark.parametrize("start", [
    "/?tab=generate&prompt=",  # a hand-made deep link: Gradio's page parsed it as a URL, a 500
    "/config?x=", "/gradio_api/info?x=", "/gradio_api/mcp/?x=", "/gradio_api/file=", "/"])
def test_an_over_long_address_is_refused_with_a_reason(public, server_log, start):
    status, body = raw(public[0], start + "x" * LONG)
    assert status == 414 and "too long" in body and f"{MAX_URL_BYTES:,}" in body, (status, body[:300])
    assert not [r for r in server_log if r.levelno >= logging.ERROR], [r.getMessage() for r in server_log]


def test_the_longest_link_the_page_writes_still_opens(public, server_log):
    url = public[0]
    target = "/?tab=generate&prompt="
    target += "x" * (MAX_URL_BYTES - len(target) - len(url))  # links stop at MAX_URL_BYTES, origin included
    status, body = raw(url, target)
    assert status == 200 and "<html" in body
    assert not server_log


@pytest.mark.parametrize("header, value", [
    ("Host", "h" * 70_000), ("X-Forwarded-Host", "h" * 70_000), ("X-Gradio-Server", "http://" + "h" * 70_000),
    ("Host", "[::1"), ("X-Forwarded-Host", "[::1"), ("X-Gradio-Server", "http://[::1"),
    ("X-Forwarded-Host", "bad\x7fhost")], ids=lambda v: v[:20])
def test_a_malformed_host_header_is_refused_with_a_reason(public, server_log, header, value):
    """Gradio builds the app's own URL from these headers (with httpx, which raised: a 500 and a traceback)."""
    status, body = raw(public[0], "/", {header: value})
    assert status == 400 and header.lower() in body.lower(), (status, body[:300])
    assert not [r for r in server_log if r.levelno >= logging.ERROR], [r.getMessage() for r in server_log]


# ---- where the server keeps its files ----------------------------------------------------------------------------

SERVER_PATHS = (os.getcwd(), os.path.realpath(tempfile.gettempdir()), tempfile.gettempdir() + "/")


def event(url: str, name: str, app, data: list, address: str) -> str:
    """Everything the server answers to one queued event of the page (by its function's name): the join's body,
    then its messages until the last."""
    index = next(i for i, fn in app.fns.items() if getattr(fn.fn, "__name__", "") == name)
    body = {"data": data, "fn_index": index, "session_hash": f"paths-{address}"}
    joined = httpx.post(f"{url}/gradio_api/queue/join", json=body, headers={"X-Forwarded-For": address}, timeout=60)
    if joined.status_code != 200:
        return joined.text
    told = []
    with httpx.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": body["session_hash"]},
                      headers={"X-Forwarded-For": address}, timeout=60) as stream:
        for line in stream.iter_lines():
            told.append(line)
            if "process_completed" in line or "unexpected_error" in line:
                break
    return "\n".join(told)


FILES = ["notes.txt", "./app.py", "../x", "llm_playground", "~/x", "gradio/x.txt", "."]


def named_files() -> list:
    """Event values naming files the caller never uploaded, as Gradio's file payloads."""
    payload = [{"path": p, "meta": {"_type": "gradio.FileData"}} for p in FILES]
    return payload + [{"path": "x", "url": "http://127.0.0.3/x", "meta": {"_type": "gradio.FileData"}}]


def test_no_refusal_names_where_the_server_keeps_its_files(public, monkeypatch):
    """Gradio's refusal of a file named the server's absolute path ("Cannot move /work/main/notes.txt to the gradio
    cache dir…"; for an output, its working and temp directories too). The gate refuses such values first; with
    its check off (a door that forgets it), Gradio's own refusal says no more either."""
    url, _, app = public
    answers = [raw(url, "/gradio_api/file=" + p)[1] for p in FILES]
    answers += [raw(url, "/gradio_api/file/" + p)[1] for p in FILES]
    answers += [event(url, "load_file", app, [f, "en"], f"192.0.2.{60 + i}") for i, f in enumerate(named_files())]
    monkeypatch.setattr(app.playground_gate, "check_files", lambda *args: None)
    gradio_said = [event(url, "load_file", app, [f, "en"], f"192.0.2.{80 + i}") for i, f in enumerate(named_files())]
    assert all("uploaded" in said for said in gradio_said), gradio_said[0]  # refused, with the reason
    leaks = [a for a in answers + gradio_said if any(p in a for p in SERVER_PATHS)]
    assert not leaks, leaks[0]


def test_a_refused_output_file_names_no_server_path(caplog):
    """The same refusal for a function's output (a bug of this app, logged with Gradio's words)."""
    from gradio import processing_utils
    from gradio.exceptions import InvalidPathError

    from llm_playground.serving import gradio_messages

    assert gradio_messages.no_server_paths_in_file_errors()
    blocks = type("Launched", (), {"has_launched": True, "allowed_paths": [], "blocked_paths": []})()
    token = processing_utils.LocalContext.blocks.set(blocks)
    try:
        with pytest.raises(InvalidPathError) as refused:
            processing_utils._check_allowed("/opt/elsewhere/x.json", check_in_upload_folder=False)
    finally:
        processing_utils.LocalContext.blocks.reset(token)
    assert not any(p in str(refused.value) for p in SERVER_PATHS + ("/opt/elsewhere",)), str(refused.value)
    assert "/opt/elsewhere" in caplog.text


# ---- MCP ----------------------------------------------------------------------------------------------------------

def test_an_mcp_client_refused_by_the_limits_reads_why(public):
    """It read "Client error '429 Too Many Requests' for url 'http://127.0.0.1:…/gradio_api/queue/join'"."""
    calls = mcp_calls(public[0], "192.0.2.99", RATE + 1)
    assert not any(c.isError for c in calls[:RATE])
    refused = calls[-1].content[0].text
    assert calls[-1].isError and refused.startswith("Too many requests: this deployment allows 5 per minute"), refused
    assert "127.0.0.1" not in refused and "queue/join" not in refused
