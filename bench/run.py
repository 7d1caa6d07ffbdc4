"""python -m bench.run [--quick] [--out FILE] [--only NAME ...] [--engine-url URL] [--engine-pin]

Launches the app in-process on a loopback port, drives it through its public API with
gradio_client, measures the same work with plain transformers in the same run, and prints one
JSON object of figures and app/raw ratios (medians over repeats). The `engine` figure starts vLLM
from `.venv-vllm/` and the app as its own process (bench/engine.py); it says it was skipped when there
is no such virtualenv. Not a test: no assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import socket
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import torch

from . import figures, models
from .http_api import HttpApi


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(models_dir: Path):
    from llm_playground.config import Settings
    from llm_playground.runtime import heap
    from llm_playground.service.playground import PlaygroundService
    from llm_playground.ui.app import build_app
    from llm_playground.ui.app import launch as launch_app

    service = PlaygroundService(Settings(models_dir=models_dir, port=free_port(), memory_budget=16 * 1024**3),
                           hub_probe=lambda: False)
    app = build_app(service)
    _, url, _ = launch_app(app, service, prevent_thread_lock=True, quiet=True)
    heap.prepare_to_serve()  # as app.py does
    return app, url, service


def machine() -> dict:
    import gradio
    import transformers

    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return {"date": date.today().isoformat(), "python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "gradio": gradio.__version__,
            "cpu": platform.processor() or platform.machine(), "cores": torch.get_num_threads(),
            "avx512_bf16": "avx512_bf16" in flags, "cuda": torch.cuda.is_available()}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny configs, few repeats (smoke run)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--only", nargs="*", help="run only these figures (names as in the JSON)")
    parser.add_argument("--engine-url", help="use this running vLLM (serving stories260K-hd32 as 'stories260K') "
                                             "instead of starting one")
    parser.add_argument("--engine-pin", action="store_true",
                        help="engine figure: vLLM on core 0, the app and the users on the other cores")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    from gradio_client import Client

    # Gradio and transformers print progress to stdout: keep stdout for the one JSON object.
    with contextlib.redirect_stdout(sys.stderr), tempfile.TemporaryDirectory() as tmp:
        models_dir = models.build_aside(Path(tmp), quick=args.quick)
        app, url, service = launch(models_dir)
        try:
            client = Client(url, verbose=False)
            ctx = figures.Context(client=client, http=HttpApi(url), manager=service.manager, service=service,
                                  models_dir=models_dir,
                                  repeats=repeats, quick=args.quick, url=url, engine_url=args.engine_url,
                                  engine=not args.quick or "engine" in (args.only or []) or bool(args.engine_url),
                                  engine_pin=args.engine_pin)
            report = {"machine": machine(), "quick": args.quick, "repeats": repeats}
            for name, fn in figures.ALL:
                if args.only and name not in args.only:
                    continue
                start = time.perf_counter()
                try:
                    report[name] = fn(ctx)
                except Exception as exc:  # noqa: BLE001 - a failing figure is reported, not fatal
                    report[name] = {"error": f"{type(exc).__name__}: {exc}"}
                report[name]["bench_seconds"] = round(time.perf_counter() - start, 1)
        finally:
            app.close()
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
