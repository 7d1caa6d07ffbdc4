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
