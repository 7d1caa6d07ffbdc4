"""The Docker image's fixes, checked without a container engine (scripts/docker_check.sh builds and runs it):
the HEALTHCHECK command works against the real app, torch comes only from its index, HF_HOME is created
by uid 1000, the base image is pinned, the app runs as PID 1 in exec form, .dockerignore matches nested
paths."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlparse

from ..conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", "", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def test_healthcheck_command_asks_the_running_app(app_server):
    """The HEALTHCHECK's own command line, run as the container would (with GRADIO_SERVER_PORT set)."""
    check = next(args for op, args in instructions() if op == "HEALTHCHECK")
    command = check.split(" CMD ", 1)[1]
    assert "curl" not in command and command.startswith("python -c")
    port = urlparse(app_server[0]).port
    ok = subprocess.run(["sh", "-c", command], env=os.environ | {"GRADIO_SERVER_PORT": str(port)}, timeout=30,
                        capture_output=True)
    assert ok.returncode == 0, ok.stderr
    down = subprocess.run(["sh", "-c", command], env=os.environ | {"GRADIO_SERVER_PORT": str(free_port())},
                          timeout=30, capture_output=True)
    assert down.returncode != 0


def test_torch_comes_only_from_its_index():
    runs = [args for op, args in instructions() if op == "RUN" and "pip install" in args]
    assert not any("--extra-index-url" in r for r in runs)  # no fallback to PyPI for torch
    torch_step, rest_step = runs
    assert '--index-url "$TORCH_INDEX"' in torch_step and "^torch==" in torch_step
    assert "grep -vE '^torch=='" in rest_step and "cmp - /tmp/torch-version" in rest_step


def test_hf_home_is_made_by_the_app_user_and_the_app_is_pid_1():
    ops = instructions()
    user = ops.index(("USER", "user"))
    mkdir = next(i for i, (op, args) in enumerate(ops) if op == "RUN" and 'mkdir -p "$HF_HOME"' in args)
    assert user < mkdir  # created by uid 1000, before any volume lands on it
    assert ("RUN", "useradd -m -u 1000 user") in ops
    assert ops[-1] == ("CMD", '["python", "app.py"]')  # exec form: python itself is PID 1 and gets SIGTERM


def test_base_image_is_pinned_by_tag_and_digest():
    base = next(args for op, args in instructions() if op == "ARG" and args.startswith("BASE_IMAGE="))
    assert re.fullmatch(r"BASE_IMAGE=python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", base)
    assert ("FROM", "${BASE_IMAGE}") in instructions()


def test_dockerignore_excludes_nested_paths():
    patterns = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    assert {"**/__pycache__", "**/*.py[cod]", "**/.venv*", "**/*.whl", "docs", "bench", "scripts", ".ci", "tests",
            "test-artifacts", ".git"} <= patterns
