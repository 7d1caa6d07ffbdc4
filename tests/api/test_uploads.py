"""/gradio_api/upload (issue #33): only where a tab takes a file, rate limited, bounded per client and in all,
never served back, deleted once the Fine-tune tab read it (or after a while), and an event takes only its own
client's upload. Uploaded text meets the training text's limits, with a message naming the file."""

from __future__ import annotations

import json
import os
import time

import httpx
import pytest

from llm_playground.config import Settings
from llm_playground.serving import doors
from llm_playground.tasks.text_upload import MAX_UPLOAD_BYTES

from ..conftest import free_port
from .test_doors import launched_app, who

RATE = 6


@pytest.fixture(scope="module")
def tuning(models_dir):
    """Public mode with the Fine-tune tab on (it takes a file), small upload quotas."""
    settings = Settings(models_dir=models_dir, port=free_port(), allow_custom_models=False, allow_fine_tune=True,
                        rate_limit=RATE, upload_bytes_per_client=200_000, upload_files_per_client=3,
                        upload_bytes_total=400_000, upload_max_age=60)
    with launched_app(settings) as launched:
        yield launched


def upload(url: str, address: str, content: bytes = b"Once upon a time.\n", name: str = "story.txt",
           files: int = 1) -> httpx.Response:
    parts = [("files", (name if files == 1 else f"{i}{name}", content + b"\n" * i, "text/plain")) for i in range(files)]
    return httpx.post(f"{url}/gradio_api/upload", files=parts, headers=who(address), timeout=60)


def load_file(url: str, address: str, path: str) -> tuple[int, object]:
    """The Fine-tune tab's upload event, as the page sends it: (HTTP status, its outputs or error)."""
    payload = {"path": path, "orig_name": os.path.basename(path), "meta": {"_type": "gradio.FileData"}}
    r = httpx.post(f"{url}/gradio_api/call/load_file", json={"data": [payload, "en"]}, headers=who(address))
    if r.status_code != 200:
        return r.status_code, r.json().get("detail")
    text = httpx.get(f"{url}/gradio_api/call/load_file/{r.json()['event_id']}", timeout=60).text
    kind = text.split("event: ")[-1].split("\n", 1)[0]
    data = text.rsplit("data: ", 1)[-1].strip()
    return 200, (kind, json.loads(data) if data.startswith(("[", "{")) else data)


def test_no_uploads_where_no_tab_takes_them(models_dir):
    """Public mode without fine-tuning takes no files at all (it took 100 x 2 MB in 2.2 s)."""
    settings = Settings(models_dir=models_dir, port=free_port(), allow_custom_models=False)
    with launched_app(settings) as (url, service, app):
        r = upload(url, "198.51.100.1")
        assert r.status_code == 403 and "no file uploads" in r.json()["detail"], r.text
        button = next(b for b in app.blocks.values() if type(b).__name__ == "UploadButton")
        assert button.interactive is False


def test_uploads_are_rate_limited(tuning):
    url, service, _ = tuning
    codes = []
    for _ in range(RATE + 2):
        r = upload(url, "198.51.100.2", content=b"x")
        codes.append(r.status_code)
        if r.status_code == 200:  # the tab reads each file (counted too), so the file quota stays free
            assert load_file(url, "198.51.100.2", r.json()[0])[0] == 200
    assert codes[:RATE // 2] == [200] * (RATE // 2) and codes[-1] == 429, codes
    assert "Too many requests" in upload(url, "198.51.100.2").json()["detail"]


def test_uploads_are_bounded_per_request_per_client_and_in_all(tuning):
    url, service, app = tuning
    big = upload(url, "198.51.100.3", content=b"a" * (MAX_UPLOAD_BYTES + 10_000))
    assert big.status_code == 413 and "at most" in big.json()["detail"]
    several = upload(url, "198.51.100.3", files=2)
    assert several.status_code == 400 and "one file at a time" in several.json()["detail"]
    chunked = httpx.post(f"{url}/gradio_api/upload", content=iter([b"--x\r\n"]), headers=who("198.51.100.3"))
    assert chunked.status_code == 411
    # per client: 200,000 bytes wait at most (the test's setting); another client still has room
    assert upload(url, "198.51.100.3", content=b"b" * 150_000).status_code == 200
    over = upload(url, "198.51.100.3", content=b"c" * 60_000)
    assert over.status_code == 429 and "no tab has read yet" in over.json()["detail"]
    # in all: 400,000 bytes (150,000 held above)
    held = [upload(url, "198.51.100.4", content=b"d" * 150_000).json()[0]]
    full = upload(url, "198.51.100.5", content=b"e" * 150_000)
    assert full.status_code == 503 and "as many uploads as it may" in full.json()["detail"]
    # once the tab has read a file (and deleted it), its room is free again
    path = next(p for p, u in app.playground_gate.uploads.files.items() if u.client == "198.51.100.3")
    for address, file in (("198.51.100.3", path), ("198.51.100.4", held[0])):
        assert load_file(url, address, file)[0] == 200 and not os.path.exists(file)
    assert upload(url, "198.51.100.5", content=b"e" * 150_000).status_code == 200


def test_uploads_are_never_served_back(tuning):
    url, _, _ = tuning
    path = upload(url, "198.51.100.6").json()[0]
    for address in ("198.51.100.6", "198.51.100.7"):
        r = httpx.get(f"{url}/gradio_api/file={path}", headers=who(address))
        assert r.status_code == 404 and r.json()["detail"] == doors.NOT_SERVED, r.text


@pytest.mark.parametrize("target", ["https://example.com/big.bin", "http%3A//example.com/x", "HTTP://x/y"])
def test_the_file_route_fetches_no_url(tuning, target):
    """Gradio fetches and streams a URL named on its file route (the server as anyone's proxy)."""
    r = httpx.get(f"{tuning[0]}/gradio_api/file={target}", headers=who("198.51.100.15"), timeout=30)
    assert r.status_code == 404 and r.json()["detail"] == doors.NOT_SERVED, r.text


def test_the_tab_deletes_what_it_read_and_takes_only_its_clients_files(tuning):
    url, _, _ = tuning
    path = upload(url, "198.51.100.8", content=b"Pip the robot.\n").json()[0]
    status, refused = load_file(url, "198.51.100.9", path)  # another client naming it
    assert status == 403 and "only a file you uploaded" in refused
    assert load_file(url, "198.51.100.8", "https://example.com/huge.txt")[0] == 403  # gradio would download it
    status, (kind, outputs) = load_file(url, "198.51.100.8", path)
    assert status == 200 and kind == "complete" and outputs[0].startswith("Pip the robot."), outputs
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))
    assert load_file(url, "198.51.100.8", path)[0] == 403  # read once


@pytest.mark.parametrize("name,extra,message", [
    ("lines.jsonl", None, "lone surrogate"),
    ("long.txt", 1, "at most {limit:,}"),
])
def test_uploaded_text_meets_the_training_texts_limits(tuning, name, extra, message):
    """A .jsonl with an escaped lone surrogate cut the page's update stream; a file over the training text's
    limit filled the box anyway. Both now get a message naming the file, and the file is deleted."""
    url, service, _ = tuning
    limit = int(service.specs["fine-tune"].param("train_text").high)
    content = b'{"text": "fine"}\n{"text": "broken \\ud800 here"}' if extra is None else b"a" * (limit + extra)
    message = message.format(limit=limit)
    path = upload(url, "198.51.100.10", content=content, name=name).json()[0]
    status, (kind, outputs) = load_file(url, "198.51.100.10", path)
    assert status == 200 and kind == "complete", outputs
    shown = json.dumps(outputs, ensure_ascii=False).replace("\\", "")  # the error box's Markdown escapes
    assert message in shown and name in shown, outputs
    assert not os.path.exists(path)


def test_uploads_nobody_reads_are_deleted(models_dir):
    settings = Settings(models_dir=models_dir, port=free_port(), allow_custom_models=False, allow_fine_tune=True,
                        upload_max_age=0.5)
    with launched_app(settings) as (url, _, _):
        first = upload(url, "198.51.100.11", content=b"first").json()[0]
        assert os.path.exists(first)
        time.sleep(0.6)
        upload(url, "198.51.100.12", content=b"second")  # any upload sweeps
        assert not os.path.exists(first)


def test_two_clients_sending_the_same_file_each_keep_theirs(tuning):
    """Gradio names an upload by its content: the first client to load it deleted the other's (whose load was
    then refused). Each client is now told a name of its own."""
    url, _, _ = tuning
    content = b"The same story, sent twice.\n"
    first = upload(url, "198.51.100.13", content=content).json()[0]
    second = upload(url, "198.51.100.14", content=content).json()[0]
    assert first != second and open(second, "rb").read() == content
    assert load_file(url, "198.51.100.14", first)[0] == 403  # still only its own
    for address, path in (("198.51.100.13", first), ("198.51.100.14", second)):
        status, (kind, outputs) = load_file(url, address, path)
        assert status == 200 and kind == "complete" and outputs[0].startswith("The same story"), outputs
        assert not os.path.exists(path)
    assert not os.path.exists(os.path.dirname(second))
