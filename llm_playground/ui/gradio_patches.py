"""Two targeted performance fixes for the pinned gradio (6.31.0): the session snapshot (applied by
launch) and the analytics summary (applied by build_app, on that app's queue only).

Profiling the API (py-spy on the bench's plain-HTTP calls) showed ~50 % of server CPU per request in
gradio's SessionState.__init__: every new session (each curl / HTTP API call, each page load) renders
the config of *every* component of the app up front, only to keep a snapshot for gradio's own
"deep link" feature. That cost grows with the number of components (this app has six tabs).
Here the snapshot is built lazily: gradio's per-event code already computes missing entries per
component on demand, and the deep-link listing fills in the rest when it is asked for.
"""

from __future__ import annotations

import logging
import os
from copy import copy

log = logging.getLogger(__name__)

PATCHED_VERSION = "6.31.0"


def _lazy_init(self, blocks) -> None:
    """SessionState.__init__ of gradio 6.31.0, without the eager per-component config snapshot."""
    self.blocks_config = copy(blocks.default_config)
    self.config_values = {}
    self._playground_blocks = blocks
    self.state_data = {}
    self._state_ttl = {}
    self.is_closed = False
    self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST", None) else 3600


def _components(self):
    """gradio's SessionState.components, filling in the configs not computed yet."""
    for key, block in self.blocks_config.blocks.items():
        if key in self._playground_blocks.blocks and key not in self.config_values:
            self.config_values[key] = self.blocks_config.config_for_block(key, [], block)
    for config in self.config_values.values():
        if config:
            yield config


def lazy_session_configs() -> bool:
    """Apply the patch once; returns whether it is active (only on the gradio version it was written for)."""
    import gradio
    from gradio import state_holder

    cls = state_holder.SessionState
    if getattr(cls, "_playground_lazy", False):
        return True
    if gradio.__version__ != PATCHED_VERSION:
        log.warning("gradio %s is not %s: session snapshot patch not applied", gradio.__version__, PATCHED_VERSION)
        return False
    cls.__init__ = _lazy_init
    cls.components = property(_components)
    cls._playground_lazy = True
    return True


ANALYTICS_EVERY = 500


def fewer_analytics_summaries(app) -> None:
    """Gradio recomputes its monitoring summary (a pandas groupby over up to 10,000 past events) after every
    single event; profiling showed it in the hot path of every API call, growing with uptime. Once per 500
    events keeps the dashboard useful and takes it off the request path. Set on this app's queue (gradio
    reads GRADIO_ANALYTICS_CACHE_FREQUENCY only when the queue is created), not in the process environment."""
    app._queue.ANAYLTICS_CACHE_FREQUENCY = ANALYTICS_EVERY  # sic: gradio's spelling
