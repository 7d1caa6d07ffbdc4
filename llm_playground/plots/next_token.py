"""Views of a next-token distribution: before and after the sampling filters (plain dicts in; no torch)."""

from __future__ import annotations

import plotly.graph_objects as go

from .text import plain

TABLE_HEADERS = ["rank", "token", "id", "probability", "after filters", "kept"]
KEPT, RAW, REMOVED = "#2f9e44", "#adb5bd", "#e03131"
FILTER_NAMES = {"top_k": "removed by top-k", "top_p": "removed by top-p"}


def shown(token: str) -> str:
    """The token with its spaces and newlines visible: ' the' -> ·the, '\n' -> \\n."""
    return repr(token)[1:-1].replace(" ", "·") or "∅"


def candidates_figure(candidates: list[dict], title: str) -> go.Figure:
    """Each candidate's raw probability (grey) beside its probability after the filters (green), most likely on
    top; tokens the filters removed get a red mark and say which filter removed them."""
    labels = [f"{i + 1}. {plain(shown(c['token']))}" for i, c in enumerate(candidates)]
    fig = go.Figure()
    fig.add_bar(y=labels, x=[c["prob"] for c in candidates], orientation="h", name="model (temperature 1)",
                marker_color=RAW, hovertemplate="%{y}: %{x:.2%} before the filters<extra></extra>")
    colours = [KEPT if c["kept"] else REMOVED for c in candidates]
    fig.add_bar(y=labels, x=[c["prob_after_filters"] for c in candidates], orientation="h",
                name="after temperature / top-k / top-p", marker_color=colours,
                text=["" if c["kept"] else FILTER_NAMES.get(c.get("removed_by"), "removed") for c in candidates],
                textposition="outside", hovertemplate="%{y}: %{x:.2%} after the filters<extra></extra>")
    fig.update_layout(barmode="group", title=title, template="plotly_white", xaxis_title="probability",
                      yaxis=dict(autorange="reversed", automargin=True), height=max(320, 26 * len(candidates) + 120),
                      legend=dict(orientation="h", y=-0.12), margin=dict(l=20, r=30, t=50, b=60))
    return fig


def candidate_rows(candidates: list[dict]) -> list[list]:
    return [[i + 1, shown(c["token"]), c["id"], round(c["prob"], 4), round(c["prob_after_filters"], 4),
             "yes" if c["kept"] else FILTER_NAMES.get(c.get("removed_by"), "no")] for i, c in enumerate(candidates)]
