"""LLM Playground: see how transformer language models work, in the browser."""

__version__ = "0.1.0"
