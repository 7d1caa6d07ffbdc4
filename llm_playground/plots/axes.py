"""Plain numbers on every axis and colour bar (plotly figures in, the same figures out; no torch).

Plotly's default tick format writes small numbers with SI prefixes: a KL of 2e-12 bits reads "2p" and a
probability of 0.0005 "500µ", which a learner takes for a unit. Powers of ten (2×10⁻¹²) say what they are.
"""

from __future__ import annotations

import plotly.graph_objects as go

PLAIN = "power"


def plain_numbers(fig: go.Figure) -> go.Figure:
    fig.update_xaxes(exponentformat=PLAIN)
    fig.update_yaxes(exponentformat=PLAIN)
    fig.update_traces(colorbar_exponentformat=PLAIN, selector=dict(type="heatmap"))
    fig.update_coloraxes(colorbar_exponentformat=PLAIN)  # heatmaps sharing one colour bar (a layout coloraxis)
    return fig
