"""Downloads behind the share panel: JSON files (written by the service's export folder) and charts
with a named PNG download."""

from __future__ import annotations

import json

import gradio as gr
from gradio.components.plot import PlotData

from ..service.exports import safe_name
from .common import client_key

__all__ = ["json_download", "png_plot", "safe_name"]


def json_download(service, stem: str, data: dict, indent: int | None = 1):
    """The DownloadButton/File update for `data` written as <stem>.json (bounded per client)."""
    path = service.export_json(stem, data, indent, owner=client_key(service.settings.proxy_hops))
    return gr.update(value=str(path), visible=True)


def png_plot(figure, stem: str) -> PlotData:
    """The figure with a plotly config naming the PNG that the toolbar's camera button downloads."""
    spec = json.loads(figure.to_json())
    spec["config"] = {"toImageButtonOptions": {"format": "png", "filename": safe_name(stem), "scale": 2},
                      "displaylogo": False}
    return PlotData(type="plotly", plot=json.dumps(spec))
