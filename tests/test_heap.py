"""The app exempts its long-lived objects from Python's full garbage collections (heap.py).

Each check runs in a fresh Python process: freezing the test process's own heap would keep the
garbage cycles of every later test alive. What is asserted is what a full collection has to walk
(the objects gc still tracks), the cause of its pause, not a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from llm_playground import heap

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, env={"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                                            "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


STARTUP = """
import gc, json, sys
import app
seen = {}
def launch(*args, **kwargs):  # the app is built: record what a full collection would walk, then stop
    seen["tracked"], seen["frozen"] = len(gc.get_objects()), gc.get_freeze_count()
    seen["young"] = gc.get_threshold()[0]
    raise KeyboardInterrupt
app.launch = launch
app.main(["--models-dir", sys.argv[1]])
print(json.dumps(seen))
"""


def test_the_app_freezes_what_it_built_before_serving(models_dir):
    seen = run_python(STARTUP, str(models_dir))
    # ~400,000 objects (gradio, transformers, torch, the UI) are exempt; a full collection walks few
    assert seen["frozen"] > 100_000
    assert seen["tracked"] < seen["frozen"] / 20
    assert seen["young"] == heap.YOUNG  # and the youngest generation is collected less often


LOADS = """
import gc, json, sys, weakref
from pathlib import Path

from llm_playground import heap
from llm_playground import heap
from llm_playground.config import Settings
from llm_playground.manager import ModelManager
manager = ModelManager(Settings(models_dir=Path(sys.argv[1])), hub_probe=lambda: False)

def tracked(obj):
    return any(o is obj for o in gc.get_objects())

out = {}
plain = manager.get("tiny-gpt2", "generation").model
out["plain_process_frozen"] = gc.get_freeze_count()
out["plain_model_tracked"] = tracked(plain)
heap.freeze_long_lived()
loaded = manager.get("tiny-gpt2-b", "generation").model
out["model_tracked_after_load"] = tracked(loaded)

class Node:  # a cycle frozen with a model: only a collection that unfreezes frees it
    pass
node = Node(); node.self = node
alive = weakref.ref(node)
heap.after_load()
del node
gc.collect()
out["cycle_after_plain_collect"] = alive() is not None
manager.unload("tiny-gpt2-b")
out["cycle_after_unload"] = alive() is not None
out["frozen_after_unload"] = gc.get_freeze_count()
print(json.dumps(out))
"""


def test_loads_freeze_and_unloads_free_frozen_cycles_only_where_the_process_freezes(models_dir):
    out = run_python(LOADS, str(models_dir))
    assert out["plain_process_frozen"] == 0 and out["plain_model_tracked"]  # a library user's heap: untouched
    assert not out["model_tracked_after_load"]  # frozen with the load (its imports come with it)
    assert out["cycle_after_plain_collect"]  # why unloading must unfreeze: a plain collection misses it
    assert not out["cycle_after_unload"]
    assert out["frozen_after_unload"] > 0  # and frozen again afterwards
