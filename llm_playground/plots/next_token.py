"""Views of a next-token distribution: before and after the sampling filters (plain dicts in; no torch)."""

from __future__ import annotations

import plotly.graph_objects as go

from ..i18n.words import tr
from .axes import plain_numbers
from .text import plain

TABLE_HEADERS = tr("en", "nt_table")
KEPT, RAW, REMOVED = "#2f9e44", "#adb5bd", "#e03131"


def shown(token: str) -> str:
    """The token with its spaces and newlines visible: ' the' -> ·the, '\n' -> \\n."""
    return repr(token)[1:-1].replace(" ", "·") or "∅"


def _fate(c: dict, lang: str) -> str:
    return tr(lang, "nt_kept") if c["kept"] else tr(lang, f"nt_removed_{c.get('removed_by') or 'top_k'}")


def candidates_figure(candidates: list[dict], lang: str = "en") -> go.Figure:
    """Each candidate's raw probability (grey) beside its probability after the filters (green), most likely on
    top; tokens the filters removed get a red mark and say which filter removed them."""
    labels = [f"{i + 1}. {plain(shown(c['token']))}" for i, c in enumerate(candidates)]
    fig = go.Figure()
    fig.add_bar(y=labels, x=[c["prob"] for c in candidates], orientation="h", name=tr(lang, "nt_raw"),
                marker_color=RAW, hovertemplate="%{y}: %{x:.2%} — %{fullData.name}<extra></extra>")
    colours = [KEPT if c["kept"] else REMOVED for c in candidates]
    fig.add_bar(y=labels, x=[c["prob_after_filters"] for c in candidates], orientation="h",
                name=tr(lang, "nt_after"), marker_color=colours,
                text=["" if c["kept"] else _fate(c, lang) for c in candidates],
                textposition="outside", hovertemplate="%{y}: %{x:.2%} — %{fullData.name}<extra></extra>")
    fig.update_layout(barmode="group", title=tr(lang, "nt_chart_title"), template="plotly_white",
                      xaxis_title=tr(lang, "nt_axis"),
                      yaxis=dict(autorange="reversed", automargin=True), height=max(320, 26 * len(candidates) + 120),
                      legend=dict(orientation="h", y=-0.12), margin=dict(l=20, r=30, t=50, b=60))
    return plain_numbers(fig)


def candidate_rows(candidates: list[dict], lang: str = "en") -> list[list]:
    return [[i + 1, shown(c["token"]), c["id"], round(c["prob"], 4), round(c["prob_after_filters"], 4),
             _fate(c, lang)] for i, c in enumerate(candidates)]
