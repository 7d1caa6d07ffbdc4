"""Attention figures from numpy weights and token labels (no torch, no model: like bertviz's views).

Payload: a heatmap's weights travel as uint16 in units of 1/10000 (plotly's binary arrays), half the
bytes of float32: a 512x512 matrix is ~0.7 MB of JSON instead of 1.4 MB (3.3 MB as a float list).
Hover shows them as "0." + four zero-padded digits, i.e. the weight to 4 decimals.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from ..i18n.words import tr
from .text import plain  # Plotly reads labels as HTML: a token such as <s> would otherwise strike through

SCALE = 10_000
# White = no attention, so masked (causal) cells and unattended keys recede; dark = strong attention.
COLORS = [[0.0, "#ffffff"], [0.15, "#c6dbef"], [0.4, "#6baed6"], [0.7, "#2171b5"], [1.0, "#08306b"]]
GENERATED = "#f08c00"  # the prompt | generated-text boundary, on every view
MAX_TICKS = 32  # labels per axis: ~20 px each on a 640 px matrix
HOVER_WEIGHT = "weight 0.%{z:04d}"


def quantize(weights: np.ndarray) -> np.ndarray:
    # 9999 is the largest "0.dddd" can show: a weight of 1 reads 0.9999, 1e-4 below the truth.
    return np.clip(np.rint(weights * SCALE), 0, SCALE - 1).astype(np.uint16)


def axis_names(labels: list[str]) -> list[str]:
    """Unique category names ("3: bank"): repeated tokens must not merge into one row."""
    return [f"{i}: {plain(label)}" for i, label in enumerate(labels)]


def _ticks(names: list[str], labels: list[str]) -> dict:
    """Every token's label on short inputs; every k-th on long ones, so that labels never overlap."""
    step = max(1, math.ceil(len(names) / MAX_TICKS))
    return dict(tickmode="array", tickvals=names[::step], ticktext=[plain(t) for t in labels[::step]],
                tickfont_size=11 if step == 1 else 10)


def _colorbar(zmax: int, lang: str = "en") -> dict:
    """Round weight ticks (0, 0.2, 0.4 …) up to the colour range's top."""
    top = zmax / SCALE
    magnitude = 10 ** math.floor(math.log10(top / 4))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= top / 4)
    ticks = np.arange(0, top + 1e-12, step)
    # Across the top, not beside the matrix: on a phone a full-height bar took a third of the width.
    return dict(title=dict(text=tr(lang, "att_weight"), side="top"), tickvals=(ticks * SCALE).tolist(),
                ticktext=[f"{t:.4g}" for t in ticks], orientation="h", x=1, xanchor="right", y=1.01,
                yanchor="bottom", len=0.45, thickness=12)


def _colour_top(z: np.ndarray) -> tuple[int, bool]:
    """(colour range top, whether it is below the max).

    Long inputs spread weights thin (~1/T) while a few "sink" tokens take half of each row; a linear
    scale up to the max would leave everything else white. When the 99.5th percentile is below half
    the max, colours saturate there instead.
    """
    top = max(int(z.max()), 1)
    if top >= SCALE - 1:
        top = SCALE  # a weight of 1 (clamped to 9999) still reads 1 on the colour bar
    high = int(np.quantile(z, 0.995))
    if 0 < high < top / 2:
        return high, True
    return top, False


def _causal_mask_shape(t: int) -> dict:
    """A grey staircase over the cells above the diagonal: keys a causal model cannot attend to."""
    points = [(0.5, -0.5), (t - 0.5, -0.5), (t - 0.5, t - 1.5)]
    for i in range(t - 2, -1, -1):
        points += [(i + 1.5, i + 0.5), (i + 0.5, i + 0.5), (i + 0.5, i - 0.5)]
    path = "M " + " L ".join(f"{x:g},{y:g}" for x, y in points) + " Z"
    return dict(type="path", path=path, fillcolor="rgba(110,110,110,0.22)", line_width=0, layer="above")


def _split_lines(at: int, t: int) -> list[dict]:
    """Dashed lines between sentence A and sentence B."""
    line = dict(color="#d62728", width=1.5, dash="dash")
    return [dict(type="line", x0=at - 0.5, x1=at - 0.5, y0=-0.5, y1=t - 0.5, line=line),
            dict(type="line", x0=-0.5, x1=t - 0.5, y0=at - 0.5, y1=at - 0.5, line=line)]


def _generated_lines(at: int, t: int, rows: int, first_row: int) -> list[dict]:
    """Solid lines where the generated tokens start: before that key column and that query row."""
    line = dict(color=GENERATED, width=2)
    lines = [dict(type="line", x0=at - 0.5, x1=at - 0.5, y0=-0.5, y1=rows - 0.5, line=line)]
    if at > first_row:  # the row boundary is in view (not when only generated rows are shown)
        lines.append(dict(type="line", x0=-0.5, x1=t - 0.5, y0=at - first_row - 0.5, y1=at - first_row - 0.5,
                          line=line))
    return lines


def heatmap_figure(weights: np.ndarray, labels: list[str], title: str, causal: bool = False,
                   pair_start: int | None = None, lang: str = "en", generated_start: int | None = None,
                   first_row: int = 0) -> go.Figure:
    """Query tokens (rows, top to bottom) x key tokens (columns); hover for the exact weight. first_row: the
    query rows shown start there (the generated tokens only)."""
    t = len(labels)
    names = axis_names(labels)
    z = quantize(weights[first_row:])
    zmax, clipped = _colour_top(z)
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=names[first_row:], zmin=0, zmax=zmax, colorscale=COLORS, colorbar=_colorbar(zmax, lang),
        hovertemplate=tr(lang, "att_hover", q="%{y}", k="%{x}") + HOVER_WEIGHT + "<extra></extra>"))
    shapes = ([_causal_mask_shape(t)] if causal and t > 1 and not first_row else [])
    shapes += (_split_lines(pair_start, t) if pair_start else [])
    shapes += _generated_lines(generated_start, t, t - first_row, first_row) if generated_start else []
    notes = [tr(lang, "att_note_saturated", top=f"{zmax / SCALE:.3g}")] if clipped else []
    if causal:
        notes.append(tr(lang, "att_note_causal"))
    if pair_start:
        notes.append(tr(lang, "att_note_pair"))
    if generated_start:
        notes.append(tr(lang, "att_note_generated_rows" if first_row else "att_note_generated"))
    fig.update_layout(
        title=dict(text="<br>".join([plain(title)] + [f"<sup>{plain(note)}</sup>" for note in notes])), shapes=shapes,
        xaxis=dict(title=tr(lang, "att_key"), tickangle=-60, **_ticks(names, labels)),
        yaxis=dict(title=tr(lang, "att_query"), autorange="reversed", scaleanchor="x", constrain="domain",
                   **_ticks(names[first_row:], labels[first_row:])),
        height=820, margin=dict(l=40, r=10, t=90 + 18 * len(notes), b=90), template="plotly_white")
    return fig


def model_view_figure(pooled: np.ndarray, labels: list[str], title: str, block: int = 1,
                      lang: str = "en", generated_start: int | None = None) -> go.Figure:
    """Every layer (rows) x head (columns) as small attention matrices, tiled into one heatmap."""
    layers, heads, side, _ = pooled.shape
    mosaic = pooled.transpose(0, 2, 1, 3).reshape(layers * side, heads * side)

    def name(i: int) -> str:
        first = i * block
        return f"{first}: {plain(labels[first])}" if block == 1 else f"{first}–{min(first + block, len(labels)) - 1}"

    cols = [f"head {h}, key {name(k)}" for h in range(heads) for k in range(side)]
    rows = [f"layer {layer}, query {name(q)}" for layer in range(layers) for q in range(side)]
    hover = "%{y}<br>%{x}<br>" + ("max " if block > 1 else "") + HOVER_WEIGHT + "<extra></extra>"
    fig = go.Figure(go.Heatmap(z=quantize(mosaic), x=cols, y=rows, zmin=0, zmax=SCALE, colorscale=COLORS,
                               colorbar=_colorbar(SCALE, lang), hovertemplate=hover))
    sep = dict(color="#888", width=1)
    shapes = ([dict(type="line", x0=h * side - 0.5, x1=h * side - 0.5, y0=-0.5, y1=layers * side - 0.5, line=sep)
               for h in range(1, heads)]
              + [dict(type="line", y0=k * side - 0.5, y1=k * side - 0.5, x0=-0.5, x1=heads * side - 0.5, line=sep)
                 for k in range(1, layers)])
    if generated_start:  # in every tile: before the first generated key (columns) and query (rows)
        at, line = generated_start / block - 0.5, dict(color=GENERATED, width=1.2)
        shapes += ([dict(type="line", x0=h * side + at, x1=h * side + at, y0=-0.5, y1=layers * side - 0.5, line=line)
                    for h in range(heads)]
                   + [dict(type="line", y0=k * side + at, y1=k * side + at, x0=-0.5, x1=heads * side - 0.5, line=line)
                      for k in range(layers)])
    mid = side // 2
    fig.update_layout(
        title=dict(text=plain(title) + f"<br><sup>{tr(lang, 'att_model_sub')}</sup>"),
        shapes=shapes, template="plotly_white", height=max(420, min(1400, 110 + 90 * layers)),
        margin=dict(l=70, r=20, t=90, b=80),
        xaxis=dict(tickmode="array", tickvals=cols[mid::side], side="top", showgrid=False,
                   ticktext=[tr(lang, "att_head_n", h=h) for h in range(heads)]),
        yaxis=dict(tickmode="array", tickvals=rows[mid::side],
                   ticktext=[tr(lang, "att_layer_n", k=k) for k in range(layers)],
                   autorange="reversed", showgrid=False))
    # below the tiles: the head labels are on top here, and a bar across the top covered them
    fig.update_traces(colorbar=dict(y=-0.01, yanchor="top", title_side="bottom"))
    return fig


def token_view_figure(per_layer: np.ndarray, labels: list[str], token: int, title: str,
                      selected_layer: int | None = None, lang: str = "en",
                      generated_start: int | None = None) -> go.Figure:
    """One line per layer over the key tokens; the selected layer drawn bold."""
    names = axis_names(labels)
    layers = per_layer.shape[0]
    colors = sample_colorscale("Viridis", [0.9 * i / max(1, layers - 1) for i in range(layers)])  # early → late
    fig = go.Figure()
    for layer in range(layers):
        bold = layer == selected_layer
        fig.add_trace(go.Scatter(
            x=names, y=per_layer[layer].round(4), mode="lines+markers" if bold else "lines",
            name=tr(lang, "att_layer_n", k=layer), line=dict(width=3.5 if bold else 1.3, color=colors[layer]),
            opacity=1.0 if bold or selected_layer is None else 0.75,
            hovertemplate=f"layer {layer}<br>key %{{x}}<br>weight %{{y:.4f}}<extra></extra>"))
    fig.add_vline(x=token, line=dict(color="#d62728", dash="dot"),
                  annotation_text=tr(lang, "att_query_label", label=plain(labels[token])), annotation_position="top")
    if generated_start:
        fig.add_vline(x=generated_start - 0.5, line=dict(color=GENERATED, width=2),
                      annotation_text=tr(lang, "att_generated_from"), annotation_position="bottom right")
    fig.update_layout(title=plain(title), xaxis=dict(title=tr(lang, "att_key_token"), tickangle=-60,
                                                     **_ticks(names, labels)),
                      yaxis=dict(title=tr(lang, "att_weight_axis"), rangemode="tozero"), height=520,
                      margin=dict(l=60, r=20, t=70, b=90), template="plotly_white", hovermode="closest")
    return fig



def view_title(data, labels: list[str], lang: str = "en") -> str:
    """The title of a view (tasks.attention_views.ViewData) in `lang`."""
    named = {"mean": tr(lang, "att_mean"), "max": tr(lang, "att_max")}
    head = named.get(data.head) or tr(lang, "att_head", head=data.head)
    if data.view == "heatmap":
        return tr(lang, "att_heatmap_title", layer=data.layer, head=head)
    if data.view == "rollout":
        through = tr(lang, "att_layers_range", layer=data.layer) if data.layer else tr(lang, "att_layer_zero")
        return tr(lang, "att_rollout_title", through=through, head=head)
    if data.view == "token view":
        return tr(lang, "att_token_title", token=data.token, label=labels[data.token], head=head)
    layers, heads = data.weights.shape[:2]
    note = tr(lang, "att_pooled", block=data.block) if data.block > 1 else ""
    return tr(lang, "att_model_title", layers=layers, heads=heads, note=note)
