"""The real app process (python app.py) exits within 5 s of SIGTERM with status 0, with a stream open,
also as PID 1 of its own PID namespace (what a container gives it: no default signal action)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from ..conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"]


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=20).returncode == 0


def _app_process(cmd: list[str], pid1: bool) -> tuple[subprocess.Popen, psutil.Process]:
    """Start cmd (in a new PID namespace when pid1); returns the launcher and the process to signal."""
    env = os.environ | {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    popen = subprocess.Popen([*UNSHARE, *cmd] if pid1 else cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    if not pid1:
        return popen, psutil.Process(popen.pid)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # unshare forks the command: signal the child (PID 1 inside)
        children = psutil.Process(popen.pid).children()
        if children:
            return popen, children[0]
        time.sleep(0.05)
    popen.kill()
    raise AssertionError("unshare did not start the command")


def _wait_healthy(url: str, popen: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert popen.poll() is None, popen.stdout.read()
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the app did not answer")


def _open_stream(url: str, started: threading.Event) -> None:
    """A long streamed completion, still being read when SIGTERM arrives."""
    body = {"model": "stories260K", "prompt": "Once upon a time", "max_tokens": 400, "stream": True}
    try:
        with httpx.stream("POST", f"{url}/v1/completions", json=body, timeout=30) as response:
            for _ in response.iter_lines():
                started.set()
                time.sleep(0.05)
    except httpx.HTTPError:
        pass


@pytest.mark.parametrize("pid1", [False, True], ids=["process", "pid1"])
def test_app_exits_within_5_s_of_sigterm(models_dir, pid1):
    if pid1 and not _can_unshare():
        pytest.skip("no permission to create a PID namespace here")
    port = free_port()
    popen, target = _app_process([sys.executable, "app.py", "--models-dir", str(models_dir), "--port", str(port)],
                                 pid1)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, popen)
        if pid1:
            assert target.cmdline()[1:2] == ["app.py"] and open(f"/proc/{target.pid}/status").read()
        started = threading.Event()
        threading.Thread(target=_open_stream, args=(url, started), daemon=True).start()
        assert started.wait(60), "the stream did not start"
        sent = time.monotonic()
        target.send_signal(signal.SIGTERM)
        code = popen.wait(timeout=15)
        took = time.monotonic() - sent
        output = popen.stdout.read()
        print(f"{'PID 1' if pid1 else 'process'}: exited {took:.2f} s after SIGTERM with status {code}")
        assert took < 5, output[-2000:]
        assert code == 0, output[-2000:]
        assert "Traceback" not in output, output[-3000:]
    finally:
        if popen.poll() is None:
            popen.kill()
            popen.wait()


def test_pid1_ignores_sigterm_without_a_handler():
    """Why the handler is needed: the same signal to a PID 1 with no handler does nothing."""
    if not _can_unshare():
        pytest.skip("no permission to create a PID namespace here")
    popen, target = _app_process([sys.executable, "-c", "import time; time.sleep(30)"], pid1=True)
    try:
        time.sleep(0.5)
        target.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert popen.poll() is None and target.is_running()
    finally:
        popen.kill()
        target.kill()
        popen.wait()
