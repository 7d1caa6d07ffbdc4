"""Views of fill-mask predictions (plain dicts in, plotly/HTML/table rows out; no torch)."""

from __future__ import annotations

import html

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n.words import tr
from .text import plain

TOKEN_HEADERS = tr("en", "fm_tokens")
PREDICTION_HEADERS = tr("en", "fm_predictions")


def percent(p: float) -> str:
    """Three significant digits, so that both 45.2% and a random model's 0.00503% stay readable."""
    return f"{p * 100:.3g} %"


def mask_label(index: int, position: int, lang: str = "en") -> str:
    return tr(lang, "fm_mask", i=index + 1, position=position)


def prediction_figure(masks: list[dict], lang: str = "en") -> go.Figure:
    """One horizontal bar chart per mask: its top-k tokens, most likely on top."""
    n = max(1, len(masks))
    k = max((len(m["predictions"]) for m in masks), default=1)
    titles = [mask_label(i, m["position"], lang) for i, m in enumerate(masks)]
    fig = make_subplots(rows=n, cols=1, subplot_titles=titles,
                        vertical_spacing=min(0.12, 0.4 / n))
    for row, mask in enumerate(masks, 1):
        preds = mask["predictions"]
        scores = [p["score"] for p in preds]
        fig.add_trace(go.Bar(
            x=scores, y=[f"{r}. {plain(p['token'])}" for r, p in enumerate(preds, 1)], orientation="h",
            marker_color=["#2563eb"] + ["#93c5fd"] * (len(preds) - 1), text=[percent(s) for s in scores],
            textposition="outside", cliponaxis=False, showlegend=False,
            customdata=[plain(p["sequence"]) for p in preds],
            hovertemplate="<b>%{y}</b>  p = %{x:.4%}<br>%{customdata}<extra></extra>",
        ), row=row, col=1)
        # Each mask gets its own scale: a random model's 0.005% bars would vanish on a 0-100% axis.
        fig.update_xaxes(range=[0, max(scores, default=1) * 1.3], tickformat=".3~%", row=row, col=1)
        fig.update_yaxes(autorange="reversed", row=row, col=1)
    fig.update_layout(
        title=tr(lang, "fm_chart_title"),
        height=110 * n + 26 * k * n, margin=dict(l=130, r=40, t=70, b=30), template="plotly_white",
    )
    return fig


def prediction_rows(masks: list[dict]) -> list[list]:
    return [[f"#{i + 1}", rank, p["token"], p["id"], percent(p["score"]), p["sequence"]]
            for i, m in enumerate(masks) for rank, p in enumerate(m["predictions"], 1)]


def token_rows(tokens: list[str], ids: list[int], positions: list[int]) -> list[list]:
    labels = {pos: f"#{i + 1}" for i, pos in enumerate(positions)}
    return [[i, t, tid, labels.get(i, "")] for i, (t, tid) in enumerate(zip(tokens, ids))]


def token_chips(tokens: list[str], positions: list[int], lang: str = "en") -> str:
    """The tokens the model saw, one chip each; masks highlighted (subwords like '##ed' stay visible)."""
    masks = set(positions)
    chips = " ".join(  # the spaces let a long row of chips wrap
        f'<span class="tok" title="token {i}" style="background:{"#fde68a" if i in masks else "#eef2ff"}">'
        f"{html.escape(t)}</span>" for i, t in enumerate(tokens))
    caption = f'<div class="tok-legend">{tr(lang, "fm_chips", n=len(tokens))}</div>'
    return f'<div class="tok-view">{chips}</div>{caption}'
