"""Disk (issue #33, item 5): what a client's runs leave on disk is bounded per client and in all, at all times.

Every run of a tab writes its JSON download. Gradio copied each one into its cache (a file outside it is copied
before it is served), and those copies went only after an hour: ~117 MB a minute for one rate-limited client.
The exports now live inside Gradio's cache (served as they are) and are pruned by count and bytes on each write.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from llm_playground.config import Settings
from llm_playground.service.exports import ExportFolder

from ..conftest import free_port
from ..http_calls import HttpCaller
from .test_doors import launched_app

DRIVE_S = 120  # minutes, as a flooding visitor keeps going; a fresh text each run, so no two files match
RATE = 240  # per minute: the client runs into it (it asks as fast as answers come)
OWNER_BYTES = 1_500_000


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def test_exports_are_bounded_in_bytes_after_every_write():
    """Per owner and in all, in bytes as in files; the newest file always stays, even one over the bound."""
    folder = ExportFolder(max_bytes=50_000, max_bytes_per_owner=20_000)
    try:
        for i in range(40):
            owner = "198.51.100.1" if i % 2 else f"93.184.216.{i}"
            newest = folder.write_json(f"run{i}", {"text": "x" * 6_000}, owner=owner)
            assert folder.size() <= 50_000 + newest.stat().st_size and newest.exists()
            mine = [p for p in folder.files() if p.stem.startswith("run") and int(p.stem[3:]) % 2]
            assert sum(p.stat().st_size for p in mine) <= 20_000 + newest.stat().st_size
        huge = folder.write_json("huge", {"text": "y" * 80_000}, owner="198.51.100.1")
        assert huge.exists() and folder.files()[-1] == huge
    finally:
        folder.remove()


def test_one_clients_exports_at_once_never_fail():
    """Writers listed folders another writer was deleting: FileNotFoundError, an error on the page (4 exports at
    once by one client in the hostile load test)."""
    from concurrent.futures import ThreadPoolExecutor

    folder = ExportFolder(max_per_owner=3, max_files=5)
    try:
        with ThreadPoolExecutor(8) as pool:
            written = list(pool.map(lambda i: folder.write_json(f"e{i}", {"i": i}, owner="198.51.100.1"), range(400)))
        assert len(written) == 400 and len(folder.files()) <= 5
    finally:
        folder.remove()


def test_fine_tuned_models_and_training_scratch_are_never_in_the_served_folder(tmp_path):
    folder = ExportFolder()
    folder.place_under(str(tmp_path))
    try:
        assert folder.root.is_relative_to(tmp_path)
        assert not folder.model_folder("tuned").is_relative_to(tmp_path)
        assert not folder.scratch_folder("trainer-").is_relative_to(tmp_path)
    finally:
        folder.remove()


@pytest.fixture(scope="module")
def isolated_cache(models_dir, tmp_path_factory):
    """A public app with its own Gradio cache folder, so the test measures only what this app writes."""
    cache = tmp_path_factory.mktemp("gradio-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_TEMP_DIR", str(cache))
        settings = Settings(models_dir=models_dir, port=free_port(), allow_custom_models=False, rate_limit=RATE)
        with launched_app(settings) as (url, service, app):
            service.exports.max_bytes_per_owner = OWNER_BYTES
            yield url, service, app, cache


def test_a_client_driving_the_page_for_minutes_keeps_the_disk_bounded(isolated_cache):
    url, service, app, cache = isolated_cache
    caller = HttpCaller(url)
    show = next(fn.api_name for fn in app.fns.values() if getattr(fn.fn, "__name__", "") == "show")
    deadline, runs, refused, peak, largest = time.monotonic() + DRIVE_S, 0, 0, 0, 0
    while time.monotonic() < deadline:
        text = f"run {runs}: " + "Once upon a time, there was a robot. " * 60
        out = caller.call(show, data=[["tiny-gpt2"], text, False, "en"])
        if out.ok:
            runs += 1
            largest = max(largest, max(f.stat().st_size for f in service.exports.files()))
        else:
            assert "Too many requests" in str(out.data), out
            refused += 1
            time.sleep(0.5)
        peak = max(peak, folder_bytes(cache))
    print(f"{runs} runs and {refused} refusals in {DRIVE_S} s; Gradio's cache peaked at {peak:,} bytes "
          f"(largest export {largest:,} bytes)")
    assert runs >= 100 and refused > 0  # the client ran into the rate limit, and kept going
    assert peak <= OWNER_BYTES + largest, peak  # before: a copy of every run (39 MB in 25 s)
    served = {Path(f) for files in app.temp_file_sets for f in files if os.path.exists(f)}
    assert served and all(f.is_relative_to(service.exports.root) for f in served)  # no copies
