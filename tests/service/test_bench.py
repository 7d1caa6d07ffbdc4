"""Smoke test: the benchmark runs end to end and prints one valid JSON object (no timing asserts)."""

import json
import subprocess
import sys

import pytest

from ..fixtures import ROOT

pytestmark = pytest.mark.slow  # runs the benchmark (~1 min): not in the fast tier


def test_bench_quick_prints_json():
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--repeats", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    figures = ["memory_one_copy", "client_floor", "generation", "first_token", "request_latency",
               "attention_payload", "manager", "concurrency", "bfloat16", "int8", "ui_stream", "decode"]
    for name in figures:
        assert name in report and "error" not in report[name], (name, report.get(name))
    assert report["memory_one_copy"]["loaded_copies"] == 1
    assert report["concurrency"]["errors"] == 0
    assert report["generation"]["new_tokens"] > 0
    assert set(report["decode"]["stories260K"]["tokens_per_s"]) == {"plain_generate", "dynamic", "static", "compiled"}


@pytest.mark.timeout(1200)  # may start the session's vLLM first (~1.5-3 min on 2 cores)
def test_bench_engine_section_runs_against_a_real_engine(vllm):
    """The engine section end to end (quick sizes) on the session's vLLM: local, engine and direct all
    generate, and the figures it reports are consistent with the work done."""
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--repeats", "1", "--only", "engine",
                           "--engine-url", vllm.url], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    engine = json.loads(proc.stdout)["engine"]
    assert "error" not in engine and "skipped" not in engine, engine
    for users, paths in engine["aggregate"].items():
        for name, figures in paths.items():
            assert figures["errors"] == 0 and figures["tokens"] == int(users) * 32, (users, name, figures)
    assert all(engine["single_stream"][p]["tokens_per_s"] > 0 for p in ("local", "engine", "direct"))
