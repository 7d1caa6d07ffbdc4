"""Keep Python's full garbage collections short in the long-running app.

A full (generation-2) collection walks every object the collector tracks, holding the GIL: every stream,
request and model step in the process stands still meanwhile. With gradio, transformers and torch
imported the app holds ~400,000 of them, and under load (16 users streaming from an engine) a full
collection came every ~4 s and took 200-270 ms. Almost all of those objects (modules, classes, the
UI's blocks, a loaded model's modules) live as long as the process: `gc.freeze()` moves them out of
the collector's sight, after which a full collection took 12-25 ms.

The youngest generation is collected every 700 new container objects by default; a 256-token result
makes tens of thousands (a dict per token and alternative), so the collector ran ~6 times per request
and moved the request's still-live objects into older generations, which then had to be walked again.
Collecting every YOUNG objects instead took the app's CPU per engine request from 18 to 11 ms and
left no full collection at all in the same run.

The app's entry point calls `prepare_to_serve` once it is built; the model manager freezes again
after each load (a first load imports its model's code: ~200,000 objects more) and frees cycles among
frozen objects when it drops a model (`collect_all`). A process that never froze (tests, a notebook
using the service) is left as Python made it.
"""

from __future__ import annotations

import gc

YOUNG = 10_000  # new container objects between collections of the youngest generation (Python: 700)


def prepare_to_serve() -> None:
    """For a server process, once start-up is done: fewer young collections, and no long-lived object
    walked by a full one."""
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
    freeze_long_lived()


def freeze_long_lived() -> None:
    """Collect what is garbage now, then exempt every surviving object from later collections."""
    gc.collect()
    gc.freeze()


def after_load() -> None:
    """A model was loaded: freeze its objects too, if this process freezes its long-lived objects."""
    if gc.get_freeze_count():
        freeze_long_lived()


def collect_all() -> None:
    """A full collection that also frees cycles among frozen objects (a dropped model's), then freeze
    again what survives (only if this process freezes)."""
    frozen = gc.get_freeze_count() > 0
    if frozen:
        gc.unfreeze()
    gc.collect()
    if frozen:
        gc.freeze()
