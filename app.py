"""LLM Playground entry point: `python app.py [--models-dir DIR] [--device cpu] [--engine URL] [--no-mcp] ...`."""

from llm_playground.config import on_zero_gpu

if on_zero_gpu():
    # ZeroGPU: `spaces` emulates CUDA in this process, and must be imported before anything initialises it.
    import spaces  # noqa: F401

import logging

from llm_playground.config import settings_from_args
from llm_playground.models.catalog import models_dir_note
from llm_playground.runtime import heap
from llm_playground.runtime.lifecycle import exit_now, exit_on_sigterm
from llm_playground.service.playground import PlaygroundService
from llm_playground.ui.app import build_app, launch

log = logging.getLogger("llm_playground")


def quiet_libraries() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per HTTP request is noise
    import transformers

    transformers.logging.set_verbosity_error()  # load reports are the app's to explain (loading.py)


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    on_sigterm = exit_on_sigterm()  # `docker stop`, Spaces restarts: exit in seconds, also as PID 1
    try:
        try:
            service = PlaygroundService(settings_from_args(argv))
        except ValueError as exc:  # a malformed --engine: say what is wrong instead of a traceback
            raise SystemExit(f"error: {exc}") from None
        if service.settings.models_dir:  # what the folder added, or a warning where it added nothing
            note, warning = models_dir_note(service.settings.models_dir)
            log.log(logging.WARNING if warning else logging.INFO, note)
        if service.settings.zero_gpu:  # every model now, on "cuda": `spaces` packs them when the app launches
            for problem in service.preload():
                log.warning("not preloaded, left out: %s", problem)
        app = build_app(service)
        # Streams stop first (their responses then end), then Gradio closes its queue and the server.
        on_sigterm += [service.workers.shutdown, app.close]
        try:
            # quiet: gradio's banner suggests `share=True`, where this app's flag is --share.
            _, local_url, share_url = launch(app, service, quiet=True, prevent_thread_lock=True)
            heap.prepare_to_serve()  # garbage collections then take ms, not a quarter second (heap.py)
            log.info("LLM Playground is running on %s%s (Ctrl+C to stop)", local_url,
                     f" and {share_url}" if share_url else "")
            app.block_thread()  # until Ctrl-C, or until SIGTERM has closed the app
        finally:
            app.close()
            service.close()
    except KeyboardInterrupt:  # stopped while starting up
        pass


if __name__ == "__main__":
    main()
    exit_now()  # everything is closed: do not wait on native threads in Python's finalization
