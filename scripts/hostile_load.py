"""Hostile load test of the PUBLIC configuration, loopback only: python scripts/hostile_load.py [--duration 60]

Launches the app cold (nothing loaded) as a public deployment runs it (no custom models, rate limit 60
per minute, 8 requests in flight per client, one trusted proxy hop), then for `--duration` seconds
(at most 600) 16 clients, each with its own address (X-Forwarded-For from loopback, as Spaces' proxy
sends it):

- 8 good clients: every endpoint in turn, paced under the rate limit;
- 2 flooders: bursts of 72 slow generations (100 tokens x 8 sequences) at once;
- 2 bomb clients: 5,000 repetitive kanji through six tokenizers (the round-trip diff CPU bomb);
- 2 quitters: start a generation and disconnect, or post one and never read it;
- 2 bad clients: invalid values, markup, path-like model names.

Then every model is loaded again (each must succeed) and RSS is compared with its peak. Prints one JSON
object; exit status 1 when a good request failed other than by an explicit per-client limit.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import models  # noqa: E402
from bench.timing import ms, percentile, rss  # noqa: E402

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
LIMITED = ("Too many requests", "waiting or running")


class Caller:
    """Plain-HTTP gradio API calls (POST, then read the event stream) from one client address."""

    def __init__(self, url: str, address: str):
        self.base, self.http = url.rstrip("/") + "/gradio_api/call/", httpx.Client(timeout=120)
        self.headers = {"X-Forwarded-For": address}
        info = self.http.get(url.rstrip("/") + "/gradio_api/info").json()["named_endpoints"]
        self.params = {n.strip("/"): [(p["parameter_name"], p.get("parameter_default")) for p in s["parameters"]]
                       for n, s in info.items()}

    def start(self, api: str, kwargs: dict) -> httpx.Response:
        data = [kwargs.get(name, default) for name, default in self.params[api]]
        return self.http.post(self.base + api, json={"data": data}, headers=self.headers)

    def call(self, api: str, kwargs: dict) -> tuple[str, object]:
        """('ok', result) / ('error', message) / ('limited', message) / ('http <code>', body)."""
        response = self.start(api, kwargs)
        if response.status_code != 200:
            detail = response.json().get("detail", response.text) if response.text.startswith("{") else response.text
            return ("limited" if any(w in str(detail) for w in LIMITED) else f"http {response.status_code}"), detail
        kind = None
        with self.http.stream("GET", f"{self.base}{api}/{response.json()['event_id']}", headers=self.headers) as s:
            for line in s.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    return ("ok" if kind == "complete" else "error"), json.loads(line[5:] or "null")
        return "error", "stream ended"


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
    def __init__(self):
        self.lock, self.kinds, self.latencies, self.samples, self.codes = threading.Lock(), {}, [], [], {}

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


def main(argv=None) -> int:
    from llm_playground.config import Settings
    from llm_playground.service.playground import PlaygroundService
    from llm_playground.ui.app import build_app, launch

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=60.0)
    args = p.parse_args(argv)
    duration = min(args.duration, 600.0)
    with tempfile.TemporaryDirectory() as tmp:
        models_dir = models.build(Path(tmp), quick=True)
        settings = Settings(models_dir=models_dir, port=free_port(), allow_custom_models=False, rate_limit=60,
                            jobs_per_client=8, memory_budget=2 * 1024**3)
        service = PlaygroundService(settings, hub_probe=lambda: False)
        app = build_app(service)
        _, url, _ = launch(app, service, prevent_thread_lock=True, quiet=True)
        report, peak, start_rss = Report(), [rss()], rss()
        try:
            deadline = time.monotonic() + duration
            roles = [good_client] * 8 + [flooder] * 2 + [bomber] * 2 + [quitter] * 2 + [bad_client] * 2
            threads = [threading.Thread(target=role, args=(url, i, deadline, report), daemon=True)
                       for i, role in enumerate(roles)]
            [t.start() for t in threads]
            while any(t.is_alive() for t in threads) and time.monotonic() < deadline + 120:
                peak.append(rss())
                time.sleep(1.0)
            after = Caller(url, "198.51.100.250")
            reloads = {name: after.call(*call)[0] for name, call in
                       [("stories260K", GOOD[0]), ("bert-base", GOOD[2]), ("gpt2-small", GOOD[5])]}
        finally:
            app.close()
            service.close()
    good = report.kinds.get("good", Counter())
    out = {"duration_s": duration, "clients": 16, "good": dict(good), "good_failures": report.samples,
           "good_p50_ms": ms(percentile(report.latencies, 50)), "good_p95_ms": ms(percentile(report.latencies, 95)),
           "flood_http_codes": dict(report.codes.get("flood", {})),
           "quit_http_codes": dict(report.codes.get("quit", {})),
           "bombs": dict(report.kinds.get("bomb", Counter())), "bad": dict(report.kinds.get("bad", Counter())),
           "rss_start_mb": round(start_rss / 2**20), "rss_peak_mb": round(max(peak) / 2**20),
           "reload_after_storm": reloads}
    print(json.dumps(out, indent=2))
    failed = sum(v for k, v in good.items() if k not in ("ok", "limited"))
    return 0 if failed == 0 and all(v == "ok" for v in reloads.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
