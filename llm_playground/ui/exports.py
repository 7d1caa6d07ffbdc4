"""Exports behind the share panel: results as JSON files, charts with a named PNG download, and the
Copy as Python code of a result (llm_playground.codegen, with local model folders marked)."""

from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path
from typing import Callable

import gradio as gr
from gradio.components.plot import PlotData

_EXPORTS = Path(tempfile.mkdtemp(prefix="playground-exports-"))
EXPORT_TTL_S = 3600  # exported files older than this are deleted when the next one is written


# ---- JSON and PNG --------------------------------------------------------------------------------------

def safe_name(*parts) -> str:
    """A file name stem safe on every file system: generate-stories260K, attention-bert-base-uncased-..."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(str(p) for p in parts if p not in (None, ""))).strip("-.")[:120]


def json_download(stem: str, data: dict, indent: int | None = 1):
    """The DownloadButton update for `data` written as <stem>.json (one folder per export; old ones pruned).

    indent=None writes compact JSON, for big matrices (a 512 x 512 attention view)."""
    now = time.time()
    for old in _EXPORTS.glob("*/*.json"):
        try:
            if now - old.stat().st_mtime > EXPORT_TTL_S:
                old.unlink()
                old.parent.rmdir()
        except OSError:
            pass
    path = Path(tempfile.mkdtemp(dir=_EXPORTS)) / f"{safe_name(stem) or 'result'}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=indent), encoding="utf-8")
    return gr.update(value=str(path), visible=True)


def png_plot(figure, stem: str) -> PlotData:
    """The figure with a plotly config naming the PNG that the toolbar's camera button downloads."""
    spec = json.loads(figure.to_json())
    spec["config"] = {"toImageButtonOptions": {"format": "png", "filename": safe_name(stem), "scale": 2},
                      "displaylogo": False}
    return PlotData(type="plotly", plot=json.dumps(spec))


# ---- Copy as Python -------------------------------------------------------------------------------

LOCAL_NOTE = "  # a local folder of the app (--models-dir): use your copy's path, or a Hub id"


def source_of(manager, name: str, task: str) -> tuple[str, bool]:
    """What from_pretrained gets for a model name, and whether it is a local folder."""
    try:
        entry = manager.catalog.resolve(name, task)
        return entry.source, entry.local
    except Exception:  # noqa: BLE001 - the code panel must not fail the run
        return name, False


def python_code(make: Callable[..., str], *args, local_sources: list[str] = (), **kwargs) -> str:
    """Codegen output, with local folders marked; a message instead of an exception."""
    try:
        code = make(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        return f"# No code for this input: {exc}\n"
    for src in local_sources:
        code = code.replace(f"source = {src!r}\n", f"source = {src!r}{LOCAL_NOTE}\n", 1)
    return code
