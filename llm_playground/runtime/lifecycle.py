"""Stop cleanly on SIGTERM, also as a container's PID 1.

The kernel gives PID 1 no default action for SIGTERM: without a handler `docker stop` waits out its
timeout (10 s) and then kills the app. Here SIGTERM first runs the shutdown steps registered so far
(stop the model streams so open responses finish, close the app: Gradio ends its event streams and the
server), or, while the app is still starting, interrupts the main thread like Ctrl-C. A watchdog ends the
process if shutting down takes longer than `grace` seconds (a connection that does not close, a model
step that does not return): the process is gone within `grace` of the signal, with status 0. That
watchdog is a Python thread, which a thread holding the GIL (a first request importing torch modules on
a starved CPU was seen to) can delay; faulthandler's C watchdog, which needs no GIL, ends the process
half a second later in any case (status 1: the shutdown did not finish).
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import sys
import threading
from typing import Callable

GRACE = 3.0
log = logging.getLogger("llm_playground")


def exit_on_sigterm(grace: float = GRACE) -> list[Callable[[], None]]:
    """Install the handler (main thread only); append shutdown steps to the returned list."""
    steps: list[Callable[[], None]] = []

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM does not interrupt the shutdown
        log.info("SIGTERM: shutting down (at most %.0f s)", grace)
        watchdog = threading.Timer(grace, os._exit, (0,))
        watchdog.daemon = True
        watchdog.start()
        faulthandler.dump_traceback_later(grace + 0.5, exit=True)  # tracebacks to stderr: why it hung
        if not steps:
            raise KeyboardInterrupt  # still starting: abandon the start-up
        for step in steps:
            try:
                step()
            except Exception:  # noqa: BLE001 - the next steps (and the watchdog) still run
                log.exception("shutdown step failed")

    signal.signal(signal.SIGTERM, handler)
    return steps


def exit_now(code: int = 0) -> None:
    """End the process once the app and the service are closed, without Python's finalization.

    Finalization waits on native thread pools (torch's, tokenizers') that can be inside a model step
    or a first-use import; it was seen to hold a stopped app for seconds after everything of ours had
    closed. Logs and standard streams are flushed first."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
