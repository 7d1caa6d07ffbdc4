"""Views of a next-sentence prediction (plain numbers and lists in, plotly/table rows out; no torch)."""

from __future__ import annotations

import plotly.graph_objects as go

from ..i18n.words import tr

TOKEN_HEADERS = tr("en", "nsp_tokens")
GREEN, RED = "#16a34a", "#dc2626"


def percent(p: float) -> str:
    """Four decimals, as the seed notebook prints them: 99.9996 % and 0.0013 % both stay readable."""
    return f"{p * 100:.4f} %"


def nsp_figure(is_next: float, not_next: float, lang: str = "en") -> go.Figure:
    """A gauge of P(IsNext) over a 100 % bar split into IsNext / NotNext."""
    fig = go.Figure(go.Indicator(
        mode="gauge+number", value=is_next * 100, domain={"x": [0, 1], "y": [0.3, 1]},
        number={"suffix": " %", "valueformat": ".4f"},
        title={"text": tr(lang, "nsp_gauge")},
        gauge={"axis": {"range": [0, 100], "ticksuffix": "%"}, "bar": {"color": GREEN if is_next >= 0.5 else RED},
               "steps": [{"range": [0, 50], "color": "#fee2e2"}, {"range": [50, 100], "color": "#dcfce7"}],
               "threshold": {"line": {"color": "#111", "width": 2}, "value": 50}},
    ))
    for name, p, color, side in (("IsNext", is_next, GREEN, 0), ("NotNext", not_next, RED, 1)):
        fig.add_trace(go.Bar(x=[p], y=[""], orientation="h", name=name, marker_color=color, showlegend=False,
                             hovertemplate=f"{name}: {percent(p)}<extra></extra>"))
        # Labels above the bar ends: a 0.0013 % segment is too thin to hold its own text.
        fig.add_annotation(x=side, y=0.2, xref="paper", yref="paper", xanchor="left" if side == 0 else "right",
                           text=f"<b>{name}</b> {percent(p)}", showarrow=False, font=dict(size=14, color=color))
    fig.update_layout(
        barmode="stack", height=380, template="plotly_white", margin=dict(l=30, r=30, t=60, b=30),
        xaxis=dict(range=[0, 1], tickformat=".0%", domain=[0, 1]), yaxis=dict(domain=[0, 0.12], visible=False),
    )
    return fig


def token_rows(tokens: list[str], input_ids: list[int], token_type_ids: list[int],
               attention_mask: list[int]) -> list[list]:
    """One row per token, aligned as the model sees them."""
    return [[i, t, tid, seg, "A" if seg == 0 else "B", m]
            for i, (t, tid, seg, m) in enumerate(zip(tokens, input_ids, token_type_ids, attention_mask))]


def encoding_text(input_ids: list[int], token_type_ids: list[int], attention_mask: list[int]) -> str:
    """The encoding as the seed notebook prints tokenizer(a, b)."""
    return (f"{{'input_ids': {input_ids},\n 'token_type_ids': {token_type_ids},\n"
            f" 'attention_mask': {attention_mask}}}")
