"""Inside one prediction, drawn: vectors as colour strips, the head's matrices as heatmaps, shares as bars (the
result's plain dict in, plotly figures out; no torch). Every number is on hover; colours diverge around 0."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n.words import tr
from .axes import plain_numbers
from .next_token import shown
from .text import plain

DIVERGING, SEQUENTIAL = "RdBu_r", "Blues"
BAR = "#4c6ef5"


def token_labels(pieces: list[str]) -> list[str]:
    """Each token once on an axis: its index and how it reads, spaces shown (plotly merges equal labels)."""
    return [f"{i}: {plain(shown(t))}" for i, t in enumerate(pieces)]


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title=dict(text=title, y=0.98, yanchor="top"), template="plotly_white", height=height,
                      margin=dict(l=20, r=20, t=70, b=40))
    return plain_numbers(fig)


def vectors(rows: dict[str, list[float]], title: str, lang: str) -> go.Figure:
    """Named vectors of one length, one colour strip each, every dimension shown (zoom to read them)."""
    names = list(rows)
    fig = go.Figure(go.Heatmap(z=[rows[n] for n in names], y=names, colorscale=DIVERGING, zmid=0,
                               hovertemplate=f"%{{y}}, {tr(lang, 'fp_vector_axis')} %{{x}}: %{{z:.4g}}<extra></extra>",
                               colorbar=dict(thickness=12)))
    fig.update_xaxes(title=tr(lang, "fp_vector_axis"))
    fig.update_yaxes(automargin=True, autorange="reversed")
    return _layout(fig, title, 140 + 40 * len(names))


def qkv(d: dict, lang: str) -> go.Figure:
    labels = token_labels(d["pieces"])
    fig = make_subplots(rows=1, cols=3, subplot_titles=("q", "k", "v"), shared_yaxes=True, horizontal_spacing=0.04)
    for col, name in enumerate(("q", "k", "v"), start=1):
        fig.add_trace(go.Heatmap(z=d[name], y=labels, colorscale=DIVERGING, zmid=0, coloraxis="coloraxis",
                                 hovertemplate=f"{name}[%{{y}}][%{{x}}] = %{{z:.4g}}<extra></extra>"), 1, col)
    fig.update_layout(coloraxis=dict(colorscale=DIVERGING, cmid=0, colorbar=dict(thickness=12)))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=tr(lang, "fp_vector_axis"))
    return _layout(fig, tr(lang, "fp_fig_qkv", head=d["head"]), _matrix_height(len(labels)))


def scores(d: dict, lang: str) -> go.Figure:
    """q·k × scale for every query and key; cells the causal mask hides are left blank (the model never adds them)."""
    labels = token_labels(d["pieces"])
    hover = f"q %{{y}} · k %{{x}} × {tr(lang, 'fp_scale')} = %{{z:.4g}}<extra></extra>"
    fig = go.Figure(go.Heatmap(z=d["scores"], x=labels, y=labels, colorscale=DIVERGING, zmid=0, hoverongaps=False,
                               colorbar=dict(thickness=12), hovertemplate=hover))
    return _square(fig, labels, tr(lang, "fp_fig_scores"), lang)


def weights(d: dict, lang: str) -> go.Figure:
    labels = token_labels(d["pieces"])
    fig = go.Figure(go.Heatmap(z=d["weights"], x=labels, y=labels, colorscale=SEQUENTIAL, zmin=0, zmax=1,
                               colorbar=dict(thickness=12), hovertemplate="%{y} → %{x}: %{z:.4f}<extra></extra>"))
    return _square(fig, labels, tr(lang, "fp_fig_weights"), lang)


def _square(fig: go.Figure, labels: list[str], title: str, lang: str) -> go.Figure:
    fig.update_yaxes(autorange="reversed", automargin=True, title=tr(lang, "fp_query_axis"))
    fig.update_xaxes(title=tr(lang, "fp_key_axis"), tickangle=-45, automargin=True)
    return _layout(fig, title, _matrix_height(len(labels)) + 60)


def head_output(d: dict, lang: str) -> go.Figure:
    """The chosen head's weights · v at every position."""
    labels = token_labels(d["pieces"])
    fig = go.Figure(go.Heatmap(z=d["head_output"], y=labels, colorscale=DIVERGING, zmid=0, colorbar=dict(thickness=12),
                               hovertemplate="%{y}, %{x}: %{z:.4g}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=tr(lang, "fp_vector_axis"))
    return _layout(fig, tr(lang, "fp_fig_head_output", head=d["head"]), _matrix_height(len(labels)))


def head_shares(d: dict, lang: str) -> go.Figure:
    """How long each head's part of the attention output is at the chosen position (the chosen head in orange)."""
    names = [str(h) for h in range(len(d["head_norms"]))]
    colours = [BAR if h != d["head"] else "#e8590c" for h in range(len(names))]
    fig = go.Figure(go.Bar(x=names, y=d["head_norms"], marker_color=colours,
                           hovertemplate=f"{tr(lang, 'fp_head_axis')} %{{x}}: %{{y:.4g}}<extra></extra>"))
    fig.update_xaxes(title=tr(lang, "fp_head_axis"), type="category")
    fig.update_yaxes(title=tr(lang, "fp_norm_axis"))
    return _layout(fig, tr(lang, "fp_fig_shares", position=d["position"]), 360)


def bars(labels: list[str], values: list[float], title: str, axis: str, lang: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker_color=BAR,
                           hovertemplate="%{y}: %{x:.4g}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=axis)
    return _layout(fig, title, 120 + 28 * len(labels))


def neurons(d: dict, lang: str) -> go.Figure:
    labels = [tr(lang, "fp_neuron", i=n["index"]) for n in d["neurons"]]
    return bars(labels, [n["value"] for n in d["neurons"]], tr(lang, "fp_fig_mlp", position=d["position"]),
                tr(lang, "fp_value"), lang)


def residual(d: dict, lang: str) -> go.Figure:
    names = ("resid_in", "attn_out", "mlp_out", "resid_out")
    return bars([tr(lang, f"fp_{n}") for n in names], [d["norms"][n] for n in names],
                tr(lang, "fp_fig_residual", position=d["position"]), tr(lang, "fp_norm_axis"), lang)


def prediction(d: dict, lang: str) -> go.Figure:
    labels = [f"{i + 1}. {plain(repr(t['token'])[1:-1])}" for i, t in enumerate(d["top"])]
    return bars(labels, [t["prob"] for t in d["top"]], tr(lang, "fp_fig_prediction", k=len(labels)),
                tr(lang, "fp_prob_axis"), lang)


def embeddings(d: dict, lang: str) -> go.Figure:
    rows = {tr(lang, "fp_token_emb"): d["token_embedding"]}
    if d.get("position_embedding") is not None:
        rows[tr(lang, "fp_position_emb")] = d["position_embedding"]
    return vectors(rows, tr(lang, "fp_fig_embeddings", position=d["position"]), lang)


def block_input(d: dict, lang: str) -> go.Figure:
    rows = {tr(lang, "fp_resid_in"): d["resid_in"], tr(lang, "fp_normed"): d["normed"]}
    return vectors(rows, tr(lang, "fp_fig_input", layer=d["layer"], position=d["position"]), lang)


def _matrix_height(n: int) -> int:
    return max(320, min(900, 140 + 16 * n))
