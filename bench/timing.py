"""Small timing helpers: medians over repeats, percentiles, RSS."""

from __future__ import annotations

import statistics
import time
from typing import Callable

import psutil


def timed(fn: Callable, repeats: int, warmup: int = 1) -> tuple[float, object]:
    """(median seconds, last result) over `repeats` calls after `warmup` calls."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def rss() -> int:
    return psutil.Process().memory_info().rss


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def interleaved(fns: dict[str, Callable], repeats: int, warmup: int = 1) -> tuple[dict[str, float], dict]:
    """Median seconds per named call, the calls alternating round by round so that drift in the
    machine's speed (other processes, thermal) hits every side alike. Also the last results."""
    results = {name: fn() for name, fn in fns.items() for _ in range(warmup)}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}, results
