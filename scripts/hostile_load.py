"""Hostile load test of the PUBLIC configuration, loopback only: python scripts/hostile_load.py [--duration 60]

Launches the app cold (nothing loaded) as a public deployment runs it (no custom models, rate limit 60
per minute, 8 requests in flight per client, one trusted proxy hop), with the Fine-tune tab on (so that
uploads exist) and Gradio's cache in a fresh folder, then for `--duration` seconds (at most 600) 22
clients, each with its own address (X-Forwarded-For from loopback, as Spaces' proxy sends it):

- 8 good clients: every endpoint in turn, paced under the rate limit;
- 2 flooders: bursts of 72 slow generations (100 tokens x 8 sequences) at once;
- 2 bomb clients: 5,000 repetitive kanji through six tokenizers (the round-trip diff CPU bomb);
- 2 quitters: start a generation and disconnect, or post one and never read it;
- 2 bad clients: invalid values, markup, path-like model names;
- one client per other door (scripts/hostile_doors.py): direct Gradio routes, uploads, MCP with forged
  X-Forwarded-For, OpenAI multi-prompt, Compare then disconnect, the attention export.

Gradio's cache and the export folder are measured once a second. Then every model is loaded again (each must
succeed) and RSS is compared with its peak. Prints one JSON object; exit status 1 when a good request failed
other than by an explicit per-client limit, a door let more through than its limit, or a reload failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import models  # noqa: E402
from bench.timing import ms, percentile, rss  # noqa: E402
from hostile_doors import (Caller, DoorLog, compare_quitter, direct_client, door_summary, exporter,  # noqa: E402
                           folder_bytes, good_door_failures, mcp_client, openai_client, requests_in_flight,
                           simulate_public_peers, uploader)

GOOD = [("generate", dict(model="stories260K", prompt="Once upon a time", max_new_tokens=16)),
        ("next_token", dict(model="stories260K", prompt="Once upon a time, there was a")),
        ("fill_mask", dict(model="bert-base", text="I played [MASK] with my friends.")),
        ("next_sentence", dict(model="bert-base", sentence_a="What is baseball?", sentence_b="It is a game.")),
        ("attention", dict(model="stories260K", text="Once upon a time there was a girl", layer=1)),
        ("tokenize", dict(tokenizers=["gpt2-small", "bert-base"], text="Hello 東京 😀"))]
BAD = [("generate", dict(model="../../etc/passwd", prompt="x")), ("generate", dict(model="stories260K", prompt="")),
       ("fill_mask", dict(model="bert-base", text="<img src=x onerror=alert(1)> no mask")),
       ("attention", dict(model="stories260K", text="x", layer=99)),
       ("generate", dict(model="stories260K", prompt="x", do_sample=True, temperature=1e-39))]


def good_client(url, i, deadline, report):
    caller, j = Caller(url, f"198.51.100.{i}"), 0
    while time.monotonic() < deadline:
        api, kwargs = GOOD[(i + j) % len(GOOD)]
        j += 1
        start = time.monotonic()
        kind, data = caller.call(api, kwargs)
        report.record("good", kind, time.monotonic() - start, f"{api}: {str(data)[:160]}")
        time.sleep(max(0.0, 1.3 - (time.monotonic() - start)))  # ~46 per minute: under the limit of 60


def flooder(url, i, deadline, report):
    caller = Caller(url, f"203.0.113.{i}")
    body = dict(model="stories260K", prompt="Once", max_new_tokens=100, num_sequences=8)
    while time.monotonic() < deadline:
        codes = Counter(caller.start("generate", body).status_code for _ in range(72))
        report.count("flood", codes)
        time.sleep(5)


def bomber(url, i, deadline, report):
    caller = Caller(url, f"192.0.2.{i}")
    names = ["gpt2-small", "bert-base", "stories260K", "words (baseline)", "characters (baseline)", "gpt2-small"]
    while time.monotonic() < deadline:
        start = time.monotonic()
        kind, _ = caller.call("tokenize", dict(tokenizers=names[:5], text="東" * 5000))
        report.record("bomb", kind, time.monotonic() - start, "")


def quitter(url, i, deadline, report):
    caller = Caller(url, f"192.0.2.{100 + i}")
    body = dict(model="stories260K", prompt="Once upon a time", max_new_tokens=200)
    while time.monotonic() < deadline:
        response = caller.start("generate", body)
        if response.status_code == 200 and i % 2 == 0:  # read a little, then hang up
            with caller.http.stream("GET", f"{caller.base}generate/{response.json()['event_id']}") as s:
                next(s.iter_lines(), None)
        report.count("quit", Counter([response.status_code]))
        time.sleep(1.0)


def bad_client(url, i, deadline, report):
    caller, j = Caller(url, f"192.0.2.{200 + i}"), 0
    while time.monotonic() < deadline:
        api, kwargs = BAD[j % len(BAD)]
        j += 1
        kind, data = caller.call(api, kwargs)
        report.record("bad", kind, 0.0, str(data)[:120])
        time.sleep(0.5)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Report:
    def __init__(self, ctx: dict):
        self.lock, self.kinds, self.latencies, self.samples, self.codes = threading.Lock(), {}, [], [], {}
        self.ctx, self.doors = ctx, {}  # ctx: the app and the service, for the door clients

    def record(self, who, kind, seconds, sample):
        with self.lock:
            self.kinds.setdefault(who, Counter())[kind] += 1
            if who == "good" and kind == "ok":
                self.latencies.append(seconds)
            elif who == "good" and kind != "limited" and len(self.samples) < 5:
                self.samples.append(sample)

    def count(self, who, codes):
        with self.lock:
            self.codes.setdefault(who, Counter()).update({str(k): v for k, v in codes.items()})

    def door(self, name: str) -> DoorLog:
        with self.lock:
            return self.doors.setdefault(name, DoorLog())


ROLES = ([good_client] * 8 + [flooder] * 2 + [bomber] * 2 + [quitter] * 2 + [bad_client] * 2
         + [direct_client, uploader, mcp_client, openai_client, compare_quitter, exporter])


def disk(samples: list[dict]) -> dict:
    """Start, peak and end MB (and files at the end) of each measured folder."""
    def mb(n):
        return round(n / 2**20, 2)
    return {name: {"start_mb": mb(samples[0][name][0]), "peak_mb": mb(max(x[name][0] for x in samples)),
                   "end_mb": mb(samples[-1][name][0]), "files_end": samples[-1][name][1]} for name in samples[0]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=60.0)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hostile-load-") as tmp:
        # before gradio is imported (some of its modules read it then): this run's cache only
        os.environ["GRADIO_TEMP_DIR"] = str(Path(tmp) / "gradio-cache")
        with contextlib.redirect_stdout(sys.stderr):  # what Gradio prints: stdout is the JSON only
            out, status = run(min(args.duration, 600.0), Path(tmp))
    print(json.dumps(out, indent=2))
    return status


def run(duration: float, tmp: Path) -> tuple[dict, int]:
    from llm_playground.config import Settings
    from llm_playground.service.playground import PlaygroundService
    from llm_playground.ui.app import build_app, launch

    began = time.monotonic()
    models_dir = models.build(tmp, quick=True)
    settings = Settings(models_dir=models_dir, port=free_port(), allow_custom_models=False, allow_fine_tune=True,
                        rate_limit=60, jobs_per_client=8, memory_budget=2 * 1024**3)
    service = PlaygroundService(settings, hub_probe=lambda: False)
    app = build_app(service)
    _, url, _ = launch(app, service, prevent_thread_lock=True, quiet=True)
    url = url.rstrip("/")
    simulate_public_peers(app.server_app)
    exports = getattr(service.exports, "root", None)
    folders = {"gradio_cache": os.environ["GRADIO_TEMP_DIR"], "exports": exports}
    report, peak, start_rss, sizes = Report({"app": app, "service": service}), [rss()], rss(), []
    try:
        report.ctx["start"] = time.monotonic()
        deadline = report.ctx["start"] + duration
        threads = [threading.Thread(target=role, args=(url, i, deadline, report), daemon=True)
                   for i, role in enumerate(ROLES)]
        [t.start() for t in threads]
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline + 120:
            peak.append(rss())
            sizes.append({name: folder_bytes(path) for name, path in folders.items()})
            time.sleep(1.0)
        ended = time.monotonic()
        while requests_in_flight(app) and time.monotonic() - ended < 120:
            time.sleep(0.1)
        idle_after = round(time.monotonic() - ended, 2)
        sizes.append({name: folder_bytes(path) for name, path in folders.items()})
        after = Caller(url, "198.51.100.250")
        reloads = {name: after.call(*call)[0] for name, call in
                   [("stories260K", GOOD[0]), ("bert-base", GOOD[2]), ("gpt2-small", GOOD[5])]}
        doors, broken = door_summary(report.doors, service, duration)
    finally:
        app.close()
        service.close()
    good = report.kinds.get("good", Counter())
    good_failures = report.samples + good_door_failures(report.doors)
    out = {"duration_s": duration, "wall_s": round(time.monotonic() - began, 1), "clients": len(ROLES),
           "good": dict(good), "good_failures": good_failures,
           "good_p50_ms": ms(percentile(report.latencies, 50)), "good_p95_ms": ms(percentile(report.latencies, 95)),
           "flood_http_codes": dict(report.codes.get("flood", {})),
           "quit_http_codes": dict(report.codes.get("quit", {})),
           "bombs": dict(report.kinds.get("bomb", Counter())), "bad": dict(report.kinds.get("bad", Counter())),
           "doors": doors, "limits_not_held": broken,
           "disk": disk(sizes) | {"exports_inside_gradio_cache": bool(exports) and Path(exports).resolve().is_relative_to(
               Path(folders["gradio_cache"]).resolve())},
           "idle_after_storm_s": idle_after,
           "rss_start_mb": round(start_rss / 2**20), "rss_peak_mb": round(max(peak) / 2**20),
           "rss_end_mb": round(rss() / 2**20), "reload_after_storm": reloads}
    failed = sum(v for k, v in good.items() if k not in ("ok", "limited")) + len(good_door_failures(report.doors))
    return out, 0 if failed == 0 and not broken and all(v == "ok" for v in reloads.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
