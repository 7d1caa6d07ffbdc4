"""The app's promise about numbers (config.SAME_RTOL / SAME_ATOL), as tests check it.

Use these wherever a test compares numbers that were computed on different threads or under different load
(the app's model threads against the test's own forward pass, one request against the same request under
load): such numbers agree within the promise, not bit for bit, because a thread's core count changes the
order in which floats are summed (cores.py). Numbers from one computation (rows that sum to 1, a mean of
the same array) keep their tight tolerances.
"""

from __future__ import annotations

import numpy as np
import pytest

from llm_playground.config import SAME_ATOL, SAME_RTOL


def close(expected):
    """pytest.approx within the promise: `assert got == close(expected)`."""
    return pytest.approx(expected, rel=SAME_RTOL, abs=SAME_ATOL)


def assert_allclose(actual, expected) -> None:
    np.testing.assert_allclose(actual, expected, rtol=SAME_RTOL, atol=SAME_ATOL)


def differences(got, expected, path: str = "") -> list[str]:
    """Where two results (JSON-like trees) differ beyond the promise: floats within it, all else exactly."""
    if isinstance(expected, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        if got == expected or abs(got - expected) <= SAME_ATOL + SAME_RTOL * abs(expected):
            return []
        return [f"{path}: {got!r} != {expected!r}"]
    if isinstance(expected, dict) and isinstance(got, dict):
        if got.keys() != expected.keys():
            return [f"{path}: keys {sorted(got)} != {sorted(expected)}"]
        return [d for k in expected for d in differences(got[k], expected[k], f"{path}.{k}")]
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        if len(got) != len(expected):
            return [f"{path}: {len(got)} items != {len(expected)}"]
        return [d for i, (g, e) in enumerate(zip(got, expected)) for d in differences(g, e, f"{path}[{i}]")]
    return [] if got == expected else [f"{path}: {got!r} != {expected!r}"]
