"""The app exempts what start-up built from Python's full garbage collections (heap.py).

Each check runs in a fresh Python process: freezing the test process's own heap would keep the
garbage cycles of every later test alive. What is asserted is what a full collection has to walk
(the objects gc still tracks), the cause of its pause, not a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llm_playground.runtime import heap

pytestmark = pytest.mark.slow  # each check starts a fresh Python that imports the app

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, env={"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                                            "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


STARTUP = """
import gc, json, sys
import gradio as gr
import app
seen = {}
app.launch = lambda *args, **kwargs: (None, "http://127.0.0.1:0/", None)  # no server needed
def block_thread(self):  # where the app starts serving: record what a full collection would walk, then stop
    seen["tracked"], seen["frozen"] = len(gc.get_objects()), gc.get_freeze_count()
    seen["young"] = gc.get_threshold()[0]
    raise KeyboardInterrupt
gr.Blocks.block_thread = block_thread
app.main(["--models-dir", sys.argv[1]])
print(json.dumps(seen))
"""


def test_the_app_freezes_what_it_built_before_serving(models_dir):
    seen = run_python(STARTUP, str(models_dir))
    # ~400,000 objects (gradio, transformers, torch, the UI) are exempt; a full collection walks few
    assert seen["frozen"] > 100_000
    assert seen["tracked"] < seen["frozen"] / 20
    assert seen["young"] == heap.YOUNG  # and the youngest generation is collected less often


UNLOAD = """
import gc, json, sys, weakref
from pathlib import Path
from llm_playground.runtime import heap
from llm_playground.config import Settings
from llm_playground.models.manager import ModelManager
manager = ModelManager(Settings(models_dir=Path(sys.argv[1])), hub_probe=lambda: False)
out = {"frozen_without_app": gc.get_freeze_count()}  # a library user's heap is left alone
heap.prepare_to_serve()
model = manager.get("tiny-gpt2", "generation").model
model.cycle = model  # a reference cycle through the model, as a compiled step's bound forward makes
alive = weakref.ref(model)
del model
manager.unload("tiny-gpt2")
out["model_alive_after_unload"] = alive() is not None
print(json.dumps(out))
"""


def test_a_model_loaded_while_serving_is_freed_when_unloaded_even_in_a_cycle(models_dir):
    out = run_python(UNLOAD, str(models_dir))
    assert out["frozen_without_app"] == 0
    assert not out["model_alive_after_unload"]
