"""The engine section of `python -m bench.run`: stories260K on local transformers vs on a vLLM engine.

The app runs as it is deployed, in its own process (`python app.py --engine URL`), so that its CPU
time is not mixed with the load generator's. Three paths are timed on the same machine in the same run:
local (the app's decode loop), engine (the app streaming from vLLM) and direct (the same completion
requests sent to vLLM without the app). Figures: single-stream tokens/s and time to first token, and
aggregate tokens/s with 1, 4 and 16 concurrent users, each of whom sends requests back to back.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time

import httpx

from .http_api import HttpApi
from .servers import SERVED_NAME, AppServer, VllmServer, free_port, vllm_python
from .timing import ms

PROMPT = "Once upon a time"
SKIPPED = ("no vLLM virtualenv (.venv-vllm/, or PLAYGROUND_VLLM_PYTHON): `bash scripts/test.sh` builds it, "
           "then run the benchmark again")


def direct_body(tokens: int, whole: bool = False) -> dict:
    """Exactly what the app sends vLLM for a greedy request (its default settings): a streamed one (the
    Generate tab), or one whose whole result is returned (/generate, bigger chunks)."""
    from llm_playground.backends.engine.backend import request_body
    from llm_playground.config import settings_from_args
    from llm_playground.service.generations import WHOLE_RESULT_CHUNK
    from llm_playground.tasks.generation import GenerationParams

    params = GenerationParams(max_new_tokens=tokens).validated()
    interval = settings_from_args([]).engine_stream_interval
    return request_body(SERVED_NAME, PROMPT, params, max(interval, WHOLE_RESULT_CHUNK) if whole else interval)


class Direct:
    """The engine without the app: a streaming completion, each chunk parsed as JSON."""

    def __init__(self, url: str):
        self.url, self.http = url, httpx.Client(timeout=120)

    def run(self, tokens: int, whole: bool = False) -> tuple[float, float, int]:
        """(seconds to the first token, total seconds, tokens)."""
        start, first, count = time.perf_counter(), None, 0
        with self.http.stream("POST", self.url + "/v1/completions", json=direct_body(tokens, whole)) as response:
            for line in response.iter_lines():
                if line.startswith("data: {"):
                    chunk = json.loads(line[6:])
                    count += sum(len((c.get("logprobs") or {}).get("tokens") or []) for c in chunk["choices"])
                    first = first or time.perf_counter() - start
        return first, time.perf_counter() - start, count

    def generate(self, tokens: int) -> int:
        return self.run(tokens, whole=True)[2]


class ThroughApp:
    """The app's public API: /generate_ui streams (first token), /generate returns the whole result."""

    def __init__(self, url: str, model: str):
        self.api, self.model = HttpApi(url), model

    def run(self, tokens: int) -> tuple[float, float, int]:
        start, first = time.perf_counter(), None
        args = [self.model, PROMPT, "greedy", tokens, 1.0, 50, 1.0, 1.0, 0, 0, 1, "auto", "", None, "en"]
        for kind, payload in self.api.events("/generate_ui", *args):
            if kind == "error":
                raise RuntimeError(f"{self.model}: {payload}")
            if first is None and kind == "generating" and len(str(payload[0])) > len(PROMPT):
                first = time.perf_counter() - start
        total = time.perf_counter() - start
        return first or total, total, tokens

    def generate(self, tokens: int) -> int:
        return len(self.api.call("/generate", self.model, PROMPT, tokens)["tokens"])


class ThroughRest:
    """The app's plain REST API, POST /api/v1/generate: one request, the whole result."""

    def __init__(self, url: str, model: str):
        self.url, self.model, self.http = url.rstrip("/") + "/api/v1/generate", model, httpx.Client(timeout=120)

    def generate(self, tokens: int) -> int:
        response = self.http.post(self.url, json={"model": self.model, "prompt": PROMPT, "max_new_tokens": tokens})
        response.raise_for_status()
        return len(response.json()["tokens"])


def single_stream(paths: dict, tokens: int, repeats: int) -> dict:
    """One user at a time: tokens/s of whole requests (median of `repeats`), and the time to the first streamed
    token (short requests, median of 2 x repeats + 1: other load on the machine comes in bursts); the paths
    take turns in both."""
    clients = {name: make() for name, make in paths.items()}
    for client in clients.values():
        client.run(tokens)  # warm up: connections, caches, the engine model's token texts
    out = {name: {"tokens": tokens} for name in clients}
    speeds: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(repeats):  # the paths take turns: drift in the machine's speed hits them alike
        for name, client in clients.items():
            start = time.perf_counter()
            count = client.generate(tokens)
            speeds[name].append(count / (time.perf_counter() - start))
    for name in clients:
        out[name]["tokens_per_s"] = round(statistics.median(speeds[name]), 1)
    firsts: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(2 * repeats + 1):
        for name, client in clients.items():
            firsts[name].append(client.run(16)[0])
    for name in clients:
        out[name]["first_token_ms"] = ms(statistics.median(firsts[name]))
    return out


def aggregate(make, users: int, requests: int, tokens: int) -> dict:
    """`users` threads, each with its own connection, sending `requests` requests back to back."""
    clients, done, errors = [make() for _ in range(users)], [], []

    def user(client) -> None:
        for _ in range(requests):
            try:
                done.append(client.generate(tokens))
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(repr(exc)[:200])

    threads = [threading.Thread(target=user, args=(c,)) for c in clients]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"users": users, "requests": users * requests, "tokens": sum(done), "seconds": round(wall, 2),
            "tokens_per_s": round(sum(done) / wall, 1), "errors": len(errors), "error_samples": errors[:2]}


def best_of(paths: dict, users: int, requests: int, tokens: int, rounds: int) -> dict:
    """Each path `rounds` times, the paths taking turns (so that other load on the machine hits them
    alike); the best round of each. Local generation is slow and steady: one round."""
    runs: dict[str, list[dict]] = {name: [] for name in paths}
    for i in range(rounds):
        for name, make in paths.items():
            if name != "local" or i == 0:
                runs[name].append(aggregate(make, users, requests, tokens))
    return {name: max(r, key=lambda x: x["tokens_per_s"]) | {"rounds": [x["tokens_per_s"] for x in r]}
            for name, r in runs.items()}


def measure(app_url: str, engine_url: str, quick: bool, repeats: int) -> dict:
    engine = f"{SERVED_NAME}@vllm"
    paths = {"local": lambda: ThroughApp(app_url, "stories260K"), "engine": lambda: ThroughApp(app_url, engine),
             "direct": lambda: Direct(engine_url)}
    tokens = 32 if quick else 256
    out = {"single_stream": single_stream(paths, tokens, repeats), "aggregate": {}}
    paths["engine_rest"] = lambda: ThroughRest(app_url, engine)  # many users: the app's other API too
    for users in (1, 4) if quick else (1, 4, 16):
        rounds = 1 if quick else 6 if users == 16 else 4
        out["aggregate"][str(users)] = best_of(paths, users, 1 if quick else 2, tokens, rounds)
    top = out["aggregate"][str(max(int(u) for u in out["aggregate"]))]
    out["engine_over_local"] = round(top["engine"]["tokens_per_s"] / top["local"]["tokens_per_s"], 2)
    for path, name in (("engine", "app_overhead"), ("engine_rest", "app_overhead_rest")):
        out[name] = round(1 - top[path]["tokens_per_s"] / top["direct"]["tokens_per_s"], 3)
        # each round against the direct round next to it: slow drift in the machine's speed cancels
        pairs = [e / d for e, d in zip(top[path]["rounds"], top["direct"]["rounds"])]
        out[name + "_paired_median"] = round(1 - statistics.median(pairs), 3)
    single = out["single_stream"]
    out["app_overhead_single_stream"] = round(1 - single["engine"]["tokens_per_s"] / single["direct"]["tokens_per_s"], 3)
    out["target"] = "16 users: engine >= 5x local; app overhead <= 10% of direct"
    return out


def engine_section(models_dir, quick: bool, repeats: int, engine_url: str | None = None, pin: bool = False) -> dict:
    """Start vLLM (unless `engine_url` is given) and the app with it; measure; stop both. pin=True: vLLM on
    core 0, the app and this process (the users) on the others, as when the engine has a machine of its own:
    then what the app costs is its latency, not CPU taken from vLLM."""
    if engine_url is None and vllm_python() is None:
        return {"skipped": SKIPPED}
    engine = None if engine_url else VllmServer(free_port())
    app = AppServer(free_port(), models_dir, [f"vllm={engine_url or engine.url}"])
    if pin and engine:
        others = sorted(os.sched_getaffinity(0) - {0})
        engine.cpus, app.cpus = "0", ",".join(map(str, others))
        os.sched_setaffinity(0, others)
    if engine:
        engine.start()
    try:
        started = engine.wait_ready().start_seconds if engine else None
        app.start().wait_ready(180)
        out = measure(app.url, engine_url or engine.url, quick, repeats)
        return {"engine_start_s": round(started, 1) if started else None, "pinned": pin, **out}
    finally:
        app.stop()
        if engine:
            engine.stop()
