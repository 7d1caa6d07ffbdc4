"""LLM Playground entry point: `python app.py [--models-dir DIR] [--device cpu] ...`."""

import logging

from llm_playground.config import settings_from_args
from llm_playground.service import PlaygroundService
from llm_playground.ui.app import build_app, launch


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    service = PlaygroundService(settings_from_args(argv))
    launch(build_app(service), service)


if __name__ == "__main__":
    main()
