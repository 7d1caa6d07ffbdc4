"""LLM Playground entry point: `python app.py [--models-dir DIR] [--device cpu] [--engine URL] ...`."""

import logging

from llm_playground.config import settings_from_args
from llm_playground.service import PlaygroundService
from llm_playground.ui.app import build_app, launch


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        service = PlaygroundService(settings_from_args(argv))
    except ValueError as exc:  # a malformed --engine: say what is wrong instead of a traceback
        raise SystemExit(f"error: {exc}") from None
    launch(build_app(service), service)


if __name__ == "__main__":
    main()
