"""Stop cleanly on SIGTERM, also as a container's PID 1.

The kernel gives PID 1 no default action for SIGTERM: without a handler `docker stop` waits out its
timeout (10 s) and then kills the app. Here SIGTERM first runs the shutdown steps registered so far
(stop the model streams so open responses finish, close the app: Gradio ends its event streams and the
server), or, while the app is still starting, interrupts the main thread like Ctrl-C. A watchdog ends the
process if shutting down takes longer than `grace` seconds (a connection that does not close, a model
step that does not return): the process is gone within `grace` of the signal, with status 0.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Callable

GRACE = 4.0
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
        if not steps:
            raise KeyboardInterrupt  # still starting: abandon the start-up
        for step in steps:
            try:
                step()
            except Exception:  # noqa: BLE001 - the next steps (and the watchdog) still run
                log.exception("shutdown step failed")

    signal.signal(signal.SIGTERM, handler)
    return steps
