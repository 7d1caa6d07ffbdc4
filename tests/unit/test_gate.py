"""The doors' pieces without a server: which door a path is, the upload quotas, file references in event values,
and the Fine-tune tab's reading of an upload (tests/api/test_doors.py and test_uploads.py drive the launched app)."""

from __future__ import annotations

import hashlib
import types
from pathlib import Path

import pytest

from llm_playground.config import Settings
from llm_playground.errors import PlaygroundError
from llm_playground.serving import doors, gate
from llm_playground.serving.doors import Refused
from llm_playground.serving.uploads import MULTIPART_SLACK, Uploads
from llm_playground.tasks.text_upload import MAX_UPLOAD_BYTES


@pytest.mark.parametrize("path,kind", [
    ("/gradio_api/run/tokenize", doors.DIRECT), ("/gradio_api/api/generate/", doors.DIRECT),
    ("/gradio_api/queue/join", doors.QUEUE), ("/gradio_api/call/generate", doors.QUEUE),
    ("/gradio_api/call/generate/abc123", doors.RESULTS), ("/gradio_api/upload", doors.UPLOAD),
    ("/gradio_api/file=/tmp/gradio/x/a.json", doors.FILES), ("/gradio_api/mcp/", doors.MCP),
    ("/api/v1/generate", doors.REST), ("/v1/completions", doors.REST), ("/", doors.PAGE),
    ("/monitoring/summary", doors.REFUSED), ("/gradio_api/deep_link", doors.REFUSED),
    ("/gradio_api/a-route-gradio-adds-later", doors.REFUSED), ("/etc/passwd", doors.REFUSED),
])
def test_every_path_has_one_door_and_unknown_ones_are_refused(path, kind):
    assert doors.kind_of_path(path) == kind


def test_every_door_says_why():
    assert set(doors.WHY) == {kind for kind, _, _ in doors.TABLE} | {doors.REST}
    assert all(len(why) > 20 for why in doors.WHY.values())


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def stored(tmp_path, name: str, size: int) -> str:
    """A file as Gradio stores an upload: in a folder of its own named by a SHA-256."""
    folder = tmp_path / hashlib.sha256(name.encode()).hexdigest()
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"x" * size)
    return str(folder / "a.txt")


def test_upload_quotas_per_request_per_client_and_in_all(tmp_path):
    clock = Clock()
    uploads = Uploads(Settings(upload_bytes_per_client=1000, upload_files_per_client=2, upload_bytes_total=1500,
                               upload_max_age=60), clock=clock)
    with pytest.raises(Refused) as no_length:
        uploads.admit("a", None)
    assert no_length.value.status == 411
    with pytest.raises(Refused) as big:
        uploads.admit("a", MAX_UPLOAD_BYTES + MULTIPART_SLACK + 1)
    assert big.value.status == 413
    uploads.admit("a", 700)
    with pytest.raises(Refused) as pending:  # a second upload of the same client before the first is stored
        uploads.admit("a", 400)
    assert pending.value.status == 429
    path = stored(tmp_path, "one", 600)
    uploads.finished("a", 700, [path])
    assert uploads.held("a") == (600, 1) and uploads.owns("a", path) and not uploads.owns("b", path)
    uploads.admit("b", 800)
    with pytest.raises(Refused) as full:
        uploads.admit("c", 200)  # 600 held + 800 pending + 200 > 1500
    assert full.value.status == 503
    uploads.finished("b", 800, None)  # gradio failed: nothing stored, the room is free again
    uploads.admit("c", 200)


def test_several_files_in_one_request_are_deleted_and_refused(tmp_path):
    uploads = Uploads(Settings())
    paths = [stored(tmp_path, "x", 10), stored(tmp_path, "y", 10)]
    uploads.admit("a", 100)
    with pytest.raises(Refused) as several:
        uploads.finished("a", 100, paths)
    assert several.value.status == 400 and not any(tmp_path.iterdir())


def test_files_read_or_too_old_are_let_go(tmp_path):
    clock = Clock()
    uploads = Uploads(Settings(upload_max_age=10), clock=clock)
    read, old = stored(tmp_path, "read", 5), stored(tmp_path, "old", 5)
    for path in (read, old):
        uploads.admit("a", 50)
        uploads.finished("a", 50, [path])
    Path(read).unlink()  # the tab read it
    assert uploads.sweep(force=True) == [read] and uploads.is_upload(old)
    clock.now = 10.0
    assert uploads.sweep() == [old] and not any(tmp_path.iterdir()) and uploads.held("a") == (0, 0)


def test_file_references_are_found_at_any_depth():
    ref = {"path": "/tmp/x.txt", "meta": {"_type": "gradio.FileData"}}
    assert list(gate._file_refs([1, "a", {"value": [ref]}, {"path": "no meta"}])) == ["/tmp/x.txt"]
    deep = ref
    for _ in range(50_000):  # no recursion: a hostile nesting cannot crash the admission
        deep = [deep]
    assert list(gate._file_refs(deep)) == ["/tmp/x.txt"]


def test_the_fine_tune_tab_deletes_an_upload_and_checks_its_text(tmp_path, shared_service):
    from llm_playground.ui.tabs import finetune

    ui = types.SimpleNamespace(train_text="train_text")
    limit = int(shared_service.specs["fine-tune"].param("train_text").high)
    good = stored(tmp_path, "good", 0)
    Path(good).write_text("Pip the robot.\n")
    assert finetune.load_file(ui, shared_service, good) == {"train_text": "Pip the robot.\n"}
    assert not Path(good).parent.exists()  # the file and the folder Gradio made for it
    nul = tmp_path / "nul.jsonl"
    nul.write_bytes(b'{"text": "Pip\\u0000 the robot."}\n')  # an escaped NUL is dropped, as in typed text
    assert finetune.load_file(ui, shared_service, str(nul)) == {"train_text": "Pip the robot."}
    lines = tmp_path / "lines.jsonl"
    lines.write_bytes(b'{"text": "ok"}\n{"text": "bad \\udc80"}\n')
    with pytest.raises(PlaygroundError, match="'lines.jsonl' contains invalid Unicode .a lone surrogate"):
        finetune.load_file(ui, shared_service, str(lines))
    assert not lines.exists()
    long = tmp_path / "long.txt"
    long.write_text("a" * (limit + 1))
    with pytest.raises(PlaygroundError, match=f"'long.txt' has {limit + 1:,} characters of text; the training text "
                                              f"takes at most {limit:,}"):
        finetune.load_file(ui, shared_service, str(long))
    assert not long.exists()


def test_an_mcp_call_replayed_over_loopback_keeps_its_clients_identity():
    """Gradio's MCP server replays a tool call from 127.0.0.1 with the MCP request's headers. Reached without a
    proxy (the Docker image), a forged X-Forwarded-For gave each call a fresh budget, and without the header every
    MCP user shared loopback's (issue #33). The gate stamps the client the MCP request came from: the replay
    counts against it, and a stamp a client forges is not believed. (Public peers here: Python counts the
    documentation ranges, 203.0.113.0/24 and the like, as private.)"""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from starlette.requests import Request

    from llm_playground.serving import clients

    def scope(peer: str, headers: list) -> dict:
        return {"type": "http", "method": "POST", "path": "/gradio_api/mcp/", "headers": headers, "client": (peer, 1)}

    seen = []

    async def app(s, receive, send):
        seen.append(s)

    fake_gate = types.SimpleNamespace(client=lambda s: clients.of_request(Request(s), 1),
                                      uploads=types.SimpleNamespace(sweep=lambda: None))
    doorway = gate.Doorway(app, fake_gate)
    for peer, forged in (("93.184.216.34", b"1.2.3.4"), ("151.101.1.69", None)):
        headers = [(b"x-forwarded-for", forged)] if forged else []
        with ThreadPoolExecutor(1) as pool:  # its own loop (Playwright's sync API may own this thread's)
            pool.submit(asyncio.run, doorway(scope(peer, headers), None, None)).result()
        replay = scope("127.0.0.1", seen[-1]["headers"])  # what gradio_client sends back in, from loopback
        assert clients.of_request(Request(replay), 1) == peer
        assert clients.of_request(Request(scope("127.0.0.1", headers)), 1) != peer  # unstamped: loopback or forged
    forged_stamp = [(b"x-playground-client", b"9.9.9.9"), (b"x-playground-vouch", b"guess")]
    assert clients.of_request(Request(scope("151.101.1.70", forged_stamp)), 1) == "151.101.1.70"


def test_a_vouch_is_believed_only_from_this_machine_and_never_breaks_a_request():
    """The replay comes over loopback: the stamp from anywhere else is not believed, even with the real
    secret; a non-ASCII vouch header was a TypeError (a 500 at every door) in compare_digest."""
    from starlette.requests import Request

    from llm_playground.serving import clients

    def request(peer: str, vouch: bytes) -> Request:
        return Request({"type": "http", "headers": [(b"x-playground-client", b"9.9.9.9"),
                                                    (b"x-playground-vouch", vouch)], "client": (peer, 1)})

    secret = clients.REPLAY_SECRET.encode()
    assert clients.of_request(request("127.0.0.1", secret), 1) == "9.9.9.9"
    assert clients.of_request(request("93.184.216.34", secret), 1) == "93.184.216.34"
    assert clients.of_request(request("127.0.0.1", "\xff\u00e9".encode("latin-1")), 1) == "127.0.0.1"


def test_a_direct_events_body_is_judged_as_gradio_reads_it():
    """Deep nesting was a RecursionError (a 500) on the direct door; an fn_index Gradio would read as a number
    ("3", 3.0) is refused rather than judged by the path's function while Gradio runs another."""
    fake = types.SimpleNamespace(blocks=types.SimpleNamespace(fns={}))
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"fn_index": "3"}', b'{"fn_index": 3.0}'):
        with pytest.raises(Refused) as refused:
            gate.Gate.event(fake, "/gradio_api/run/predict", body)
        assert refused.value.status == 400
