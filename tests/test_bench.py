"""Smoke test: the benchmark runs end to end and prints one valid JSON object (no timing asserts)."""

import json
import subprocess
import sys

from .fixtures import ROOT


def test_bench_quick_prints_json():
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--repeats", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    figures = ["memory_one_copy", "client_floor", "generation", "first_token", "request_latency",
               "attention_payload", "manager", "concurrency", "bfloat16"]
    for name in figures:
        assert name in report and "error" not in report[name], (name, report.get(name))
    assert report["memory_one_copy"]["loaded_copies"] == 1
    assert report["concurrency"]["errors"] == 0
    assert report["generation"]["new_tokens"] > 0
