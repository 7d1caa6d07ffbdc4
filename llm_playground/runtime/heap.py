"""Keep Python's garbage collector from stalling the long-running app.

A full (generation-2) collection walks every object the collector tracks, holding the GIL: every stream,
request and model step in the process stands still meanwhile. With gradio, transformers and torch
imported the app holds ~400,000 of them, and under load (16 users streaming from an engine) a full
collection came every ~4 s and took 200-270 ms. Those objects (modules, classes, the UI's blocks) live as
long as the process: `gc.freeze()` moves them out of the collector's sight, after which a full
collection took 12-25 ms.

The youngest generation is collected every 700 new container objects by default; a 256-token result
makes tens of thousands (a dict per token and alternative), so the collector ran several times per
request and moved the request's still-live objects into older generations, to be walked again there.
Collecting every YOUNG objects instead took the app's CPU per engine request from 18 to 11 ms, with no
full collection at all in the same run.

Models are not frozen when they load: a dropped model's reference cycles (a compiled step holds its
model's bound forward) must stay collectable, or its weights would outlive its unloading.
"""

from __future__ import annotations

import gc

YOUNG = 10_000  # new container objects between collections of the youngest generation (Python: 700)


def prepare_to_serve() -> None:
    """For a server process, once it is built: fewer young collections, and none of what start-up made
    walked by a full one. A process that never calls this (tests, a notebook) keeps Python's defaults."""
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
    gc.collect()
    gc.freeze()
