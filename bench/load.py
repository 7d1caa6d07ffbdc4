"""Mixed-endpoint client load, bounded in count and time, loopback only (bench and load test)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from .timing import ms, percentile

MASK_TEXT = "I played [MASK] with my friends at school yesterday."
PAIR = ("What is baseball ?", "It is a game of hitting the ball with the bat.")
TOK_TEXT = "Unbelievable! The bank raised the interest rate. 羽田空港に到着、東京の街は 😀"


def mixed_calls(causal: str, bert: str, tokenizers: list[str]) -> list[dict]:
    """One request per public endpoint, small enough to keep a mix flowing."""
    return [
        dict(model=causal, prompt="Once upon a time", max_new_tokens=16, api_name="/generate"),
        dict(model=bert, text=MASK_TEXT, top_k=5, api_name="/fill_mask"),
        dict(model=bert, sentence_a=PAIR[0], sentence_b=PAIR[1], api_name="/next_sentence"),
        dict(tokenizers=tokenizers, text=TOK_TEXT, api_name="/tokenize"),
        dict(model=causal, text="Once upon a time there was a girl", layer=1, head=-1, api_name="/attention"),
    ]


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    queue_full: int = 0
    wall: float = 0.0

    def summary(self, clients: int) -> dict:
        return {"clients": clients, "requests": len(self.latencies) + len(self.errors) + self.queue_full,
                "ok": len(self.latencies), "errors": len(self.errors), "queue_full_rejections": self.queue_full,
                "error_samples": self.errors[:3], "seconds": round(self.wall, 1),
                "requests_per_s": round(len(self.latencies) / self.wall, 2) if self.wall else 0.0,
                "p50_ms": ms(percentile(self.latencies, 50)), "p95_ms": ms(percentile(self.latencies, 95))}


def run_clients(url: str, calls: list[dict], clients: int, per_client: int | None = None,
                duration: float | None = None) -> LoadResult:
    """`clients` threads, each with its own gradio Client, cycling through `calls` until
    `per_client` requests are done or `duration` seconds have passed (whichever comes first)."""
    from gradio_client import Client

    if per_client is None and duration is None:
        raise ValueError("bound the load by per_client and/or duration")
    result, lock = LoadResult(), threading.Lock()
    deadline = time.perf_counter() + (duration or float("inf"))

    def worker(i: int) -> None:
        client = Client(url, verbose=False)
        j = 0
        while (per_client is None or j < per_client) and time.perf_counter() < deadline:
            call = calls[(i + j) % len(calls)]
            j += 1
            start = time.perf_counter()
            try:
                client.predict(**call)
                with lock:
                    result.latencies.append(time.perf_counter() - start)
            except Exception as exc:  # noqa: BLE001 - counted, reported
                with lock:
                    if "queue is full" in str(exc).lower():
                        result.queue_full += 1
                    else:
                        result.errors.append(f"{call['api_name']}: {exc}")

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - start
    return result
