"""Bounded load test, loopback only: python scripts/load_test.py [--clients 16] [--duration 60]

Launches the app in-process on 127.0.0.1 with local models (stories260K from ../shared/models and a
BERT-with-heads built on the fly), then:
1. `--clients` concurrent gradio clients on mixed endpoints for `--duration` seconds: failures other
   than explicit "queue full" rejections, p50/p95 latency;
2. `--memory-requests` sequential mixed requests: process RSS after the first 50 vs after all.
Prints one JSON object. Exit status 1 when a request failed or RSS grew more than 10 %.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load, models  # noqa: E402
from bench.run import launch  # noqa: E402
from bench.timing import rss  # noqa: E402


def memory_growth(url: str, calls: list[dict], total: int) -> dict:
    from gradio_client import Client

    client = Client(url, verbose=False)
    marks = {}
    for i in range(total):
        client.predict(**calls[i % len(calls)])
        if i + 1 in (50, total):
            gc.collect()
            marks[i + 1] = rss()
    first, last = marks[50], marks[total]
    return {"requests": total, "rss_after_50": first, f"rss_after_{total}": last,
            "growth": round(last / first - 1, 4), "within_10_percent": last <= first * 1.10}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of concurrent load (max 600)")
    p.add_argument("--memory-requests", type=int, default=500, help="0 to skip the memory check")
    args = p.parse_args(argv)
    duration = min(args.duration, 600.0)  # bounded, whatever is asked
    with tempfile.TemporaryDirectory() as tmp:
        models_dir = models.build(Path(tmp), quick=True)
        app, url, manager = launch(models_dir)
        try:
            calls = load.mixed_calls("stories260K", "bert-base", ["gpt2-small", "bert-base"])
            report = {"load": load.run_clients(url, calls, args.clients, duration=duration).summary(args.clients)}
            if args.memory_requests >= 50:
                report["memory"] = memory_growth(url, calls, args.memory_requests)
        finally:
            app.close()
    print(json.dumps(report, indent=2))
    ok = report["load"]["errors"] == 0 and report.get("memory", {}).get("within_10_percent", True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
