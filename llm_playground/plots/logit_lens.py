"""Views of a logit lens (the /logit_lens dict in; no torch): the layer x position grid and one position's
trajectory across layers."""

from __future__ import annotations

import plotly.graph_objects as go

from ..i18n.words import tr
from .axes import plain_numbers
from .next_token import shown
from .text import plain

MAX_CELL_TEXT = 40  # positions beyond which the cells' token labels no longer fit: hover only
CELL_WIDTH = 46  # px per position while cells show their token: a phone scrolls the grid (assets.CSS) instead
FINAL, NEXT, CHOSEN = "#1c7ed6", "#e8590c", "#2f9e44"


def layer_names(layers: int, lang: str) -> list[str]:
    return [tr(lang, "ll_embeddings") if i == 0 else tr(lang, "ll_layer_n", k=i) for i in range(layers)]


def _hover(cell: dict, lang: str) -> str:
    lines = [f"{i + 1}. {plain(shown(p['token']))}  {p['prob']:.1%}" for i, p in enumerate(cell["top"])]
    return "<br>".join(lines + [tr(lang, "ll_entropy", bits=cell["entropy"])])


def position_labels(tokens: list[str]) -> list[str]:
    return [f"{t}: {plain(shown(token))}" for t, token in enumerate(tokens)]


def grid_figure(data: dict, lang: str = "en") -> go.Figure:
    """Rows: layers (embeddings at the bottom, the model's output on top); columns: positions. Each cell's colour
    is the probability of its top-1 token, its text that token; hover lists the top-k and the entropy."""
    grid, n = data["grid"], len(data["tokens"])
    z = [[cell["top"][0]["prob"] for cell in row] for row in grid]
    text = [[plain(shown(cell["top"][0]["token"])) for cell in row] for row in grid]
    hover = [[f"{tr(lang, 'll_hover_head', position=t, token=plain(shown(data['tokens'][t])))}<br>"
              f"{_hover(cell, lang)}" for t, cell in enumerate(row)] for row in grid]
    heat = go.Heatmap(z=z, x=list(range(n)), y=list(range(len(grid))), zmin=0, zmax=1, colorscale="Blues",
                      text=text, customdata=hover, hovertemplate="%{customdata}<extra></extra>", xgap=1, ygap=1,
                      colorbar=dict(title=dict(text=tr(lang, "ll_top1_prob"), side="right"), thickness=12))
    fig = go.Figure(heat)
    if n <= MAX_CELL_TEXT:
        fig.update_traces(texttemplate="%{text}", textfont=dict(size=11))
        fig.update_layout(width=max(520, 170 + CELL_WIDTH * n))
    fig.update_layout(title=dict(text=tr(lang, "ll_grid_title"), x=0, xanchor="left"), template="plotly_white",
                      height=max(300, 34 * len(grid) + 170), margin=dict(l=20, r=20, t=50, b=20),
                      xaxis=dict(title=tr(lang, "ll_position_axis"), tickmode="array", tickvals=list(range(n)),
                                 ticktext=position_labels(data["tokens"]), tickangle=-45 if n > 8 else 0,
                                 automargin=True, nticks=60),
                      yaxis=dict(tickmode="array", tickvals=list(range(len(grid))),
                                 ticktext=layer_names(len(grid), lang), automargin=True))
    return plain_numbers(fig)


def first_top1(track: dict) -> int | None:
    """The first layer from which the token stays the most likely one (rank 1) up to the output."""
    ranks, first = track["rank"], None
    for layer in range(len(ranks) - 1, -1, -1):
        if ranks[layer] != 1:
            break
        first = layer
    return first


def _line(fig: go.Figure, track: dict, name: str, colour: str, names: list[str], lang: str) -> None:
    label = tr(lang, name, token=plain(shown(track["token"])))
    fig.add_scatter(x=list(range(len(track["prob"]))), y=track["prob"], mode="lines+markers+text", name=label,
                    line=dict(color=colour, width=3), text=[f"#{r}" for r in track["rank"]],
                    textposition="top center", textfont=dict(color=colour, size=11),
                    customdata=[[n, r] for n, r in zip(names, track["rank"])],
                    hovertemplate="%{customdata[0]}: %{y:.2%} · " + tr(lang, "ll_rank") +
                    " %{customdata[1]}<extra>" + label + "</extra>")


def trajectory_figure(data: dict, position: int, lang: str = "en") -> go.Figure:
    """The probability (and, as marker labels, the rank) of the model's final prediction at `position` and of
    the token that really comes next, read at every layer."""
    tracked, names = data["tracked"][position], layer_names(data["layers"], lang)
    fig = go.Figure()
    same = tracked["next"] and tracked["next"]["id"] == tracked["final"]["id"]
    _line(fig, tracked["final"], "ll_final_is_next" if same else "ll_final", FINAL, names, lang)
    if tracked["next"] and not same:
        _line(fig, tracked["next"], "ll_next", NEXT, names, lang)
    if tracked.get("chosen"):  # the token the learner asked to follow (named once, in data["track"])
        _line(fig, {**data["track"], **tracked["chosen"]}, "ll_chosen", CHOSEN, names, lang)
    token = plain(shown(data["tokens"][position]))
    fig.update_layout(title=tr(lang, "ll_trajectory_title", position=position, token=token),
                      template="plotly_white", height=360, margin=dict(l=20, r=20, t=60, b=20),
                      xaxis=dict(tickmode="array", tickvals=list(range(len(names))), ticktext=names, automargin=True),
                      yaxis=dict(title=tr(lang, "ll_prob_axis"), range=[0, 1.08], tickformat=".0%"),
                      showlegend=True, legend=dict(orientation="h", y=-0.22))
    return fig
