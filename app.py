"""LLM Playground entry point: `python app.py [--models-dir DIR] [--device cpu] [--no-mcp] ...`."""

import logging

from llm_playground.config import settings_from_args
from llm_playground.lifecycle import exit_now, exit_on_sigterm
from llm_playground.service import PlaygroundService
from llm_playground.ui.app import build_app, launch


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    on_sigterm = exit_on_sigterm()  # `docker stop`, Spaces restarts: exit in seconds, also as PID 1
    try:
        service = PlaygroundService(settings_from_args(argv))
        app = build_app(service)
        # Streams stop first (their responses then end), then Gradio closes its queue and the server.
        on_sigterm += [service.workers.shutdown, app.close]
        try:
            launch(app, service)  # blocks until Ctrl-C, or until SIGTERM has closed the app
        finally:
            app.close()
            service.close()
    except KeyboardInterrupt:  # stopped while starting up
        pass


if __name__ == "__main__":
    main()
    exit_now()  # everything is closed: do not wait on native threads in Python's finalization
