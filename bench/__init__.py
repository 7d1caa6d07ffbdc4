"""Benchmarks: the playground against plain transformers, side by side in one run."""
