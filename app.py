"""LLM Playground entry point: `python app.py [--models-dir DIR] [--device cpu] ...`."""

import logging

from llm_playground.config import settings_from_args
from llm_playground.service import PlaygroundService
from llm_playground.ui.app import build_app, launch

log = logging.getLogger("llm_playground")


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per HTTP request is noise
    import transformers

    transformers.logging.set_verbosity_error()  # load reports are the app's to explain (loading.py)
    service = PlaygroundService(settings_from_args(argv))
    # quiet: gradio's banner suggests `share=True`; this app's flag for that is --share.
    app, local_url, share_url = launch(build_app(service), service, quiet=True, prevent_thread_lock=True)
    log.info("LLM Playground is running on %s%s (Ctrl+C to stop)", local_url,
             f" and {share_url}" if share_url else "")
    app.block_thread()


if __name__ == "__main__":
    main()
