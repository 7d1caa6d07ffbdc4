"""Views of generated tokens and their probabilities (plain data in, HTML/plotly out; no torch)."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from .text import plain


def prob_color(p: float) -> str:
    """Red (unlikely) -> amber -> green (likely), light enough to read text on."""
    hue = int(120 * max(0.0, min(1.0, p)))
    return f"hsl({hue}, 75%, 80%)"


def _visible(piece: str) -> str:
    return html.escape(piece).replace("\n", "↵<br>") if piece else "·"


def _tooltip(tok: dict) -> str:
    lines = [f"p = {tok['prob']:.2%} (id {tok['id']})", "top alternatives:"]
    lines += [f"  {alt['token']!r}: {alt['prob']:.2%}" for alt in tok["top"]]
    return html.escape("\n".join(lines), quote=True)


def token_html(prompt: str, tokens: list[dict]) -> str:
    """The prompt, then each generated token as a chip coloured by its probability.

    Hover a chip for its probability and top alternatives (a native tooltip: works everywhere,
    costs no JavaScript).
    """
    chips = "".join(
        f'<span class="tok" style="background:{prob_color(t["prob"])}" title="{_tooltip(t)}" '
        f'data-prob="{t["prob"]:.4f}">{_visible(t["token"])}</span>'
        for t in tokens
    )
    legend = ('<div class="tok-legend">token colour = its probability: '
              + "".join(f'<span class="tok" style="background:{prob_color(p)}">{p:.0%}</span>'
                        for p in (0.05, 0.25, 0.5, 0.75, 0.95))
              + " — hover a token for its top alternatives</div>")
    prompt_html = html.escape(prompt).replace("\n", "<br>")
    return f'<div class="tok-view"><span class="prompt">{prompt_html}</span>{chips}</div>{legend}'


def token_table(tokens: list[dict]) -> list[list]:
    """Rows: step, chosen token, its probability, then the top-5 alternatives as 'token (p)'."""
    rows = []
    for i, t in enumerate(tokens, 1):
        alts = ", ".join(f"{a['token']!r} {a['prob']:.1%}" for a in t["top"])
        rows.append([i, repr(t["token"]), t["id"], round(t["prob"], 4), alts])
    return rows


TABLE_HEADERS = ["step", "token", "id", "probability", "top-5 alternatives (probability)"]


def probability_figure(tokens: list[dict]) -> go.Figure:
    """Chosen-token probability per step, with the top-5 alternatives on hover."""
    steps = list(range(1, len(tokens) + 1))
    hover = ["<br>".join([f"<b>{plain(repr(t['token']))}</b> p={t['prob']:.2%}"]
                         + [f"{plain(repr(a['token']))}: {a['prob']:.2%}" for a in t["top"]]) for t in tokens]
    fig = go.Figure(go.Bar(
        x=steps, y=[t["prob"] for t in tokens], marker_color=[prob_color(t["prob"]) for t in tokens],
        marker_line_color="#555", marker_line_width=0.5, hovertext=hover, hoverinfo="text",
        text=[plain(t["token"]) for t in tokens], textposition="outside", cliponaxis=False,
    ))
    fig.update_layout(
        title="Probability of each generated token (model's own distribution, before sampling)",
        xaxis_title="generation step", yaxis_title="probability", yaxis_range=[0, 1.1],
        height=320, margin=dict(l=50, r=20, t=50, b=40), template="plotly_white",
    )
    return fig
