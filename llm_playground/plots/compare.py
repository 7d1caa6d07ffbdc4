"""Two generations side by side (plain data in, HTML/plotly out; no torch).

Each side's tokens are chips coloured and underlined by the probability its own model gave them (as in the
Generate tab); with a shared vocabulary a chip also says what the other model gives that token, and the
chart follows both probabilities of A's tokens and the KL divergence along both texts.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n.words import tr
from .axes import plain_numbers
from .generation import _attr, prob_color, underline, visible_piece
from .text import md, plain

COLORS = {"a": "#4c6ef5", "b": "#f08c00"}


def side_label(side: dict, lang: str) -> str:
    mode = (tr(lang, "cmp_sampling", t=side["temperature"]) if side["do_sample"] else tr(lang, "cmp_greedy"))
    return f"{side['model']} · {side['dtype']} · {mode}"


def _lines(tok: dict, other: str, lang: str) -> list[str]:
    lines = [tr(lang, "cmp_chip_own", p=tok["prob"])]
    if tok.get("other_prob") is not None:
        lines += [tr(lang, "cmp_chip_other", other=other, p=tok["other_prob"]),
                  tr(lang, "cmp_chip_kl", kl=tok["kl_bits"])]
    return lines


def _chip(tok: dict, step: int, other: str, first_diff: bool, lang: str) -> str:
    """A focusable token: a hover, click, tap or Enter opens the page's token popover (generation_popover.HEAD)
    with its scores under both models, from data-lines (drawn as text, never parsed as HTML)."""
    piece = visible_piece(tok["token"])
    mark = " cmp-first" if first_diff else ""
    title = f"{tr(lang, 'pop_step', n=step + 1)} · {tok['token']!r}"
    lines = _lines(tok, other, lang)
    label = html.escape(f"{tok['token']!r}: " + "; ".join(lines), quote=True)
    return (f'<span class="tok{mark}" tabindex="0" role="button" aria-haspopup="dialog" aria-label="{label}" '
            f'data-title="{html.escape(title, quote=True)}" data-lines=\'{_attr(lines)}\' '
            f'data-prob="{tok["prob"]:.4f}" data-id="{tok["id"]}" style="background:{prob_color(tok["prob"])};'
            f'border-bottom:{underline(tok["prob"])}px solid #333">{piece}</span>')


def side_html(prompt: str, side: dict, other: str, first_difference: int | None, lang: str = "en") -> str:
    chips = "".join(_chip(t, i, other, i == first_difference, lang) for i, t in enumerate(side["tokens"]))
    words = _attr({"pop_close": tr(lang, "pop_close")})
    return (f"<div class='tok-root' data-words='{words}'><div class=\"tok-view\"><span class=\"prompt\">"
            f'{html.escape(prompt).replace(chr(10), "<br>")}</span>{chips}</div></div>')


def summary(data: dict, lang: str) -> str:
    a, b, first = data["a"], data["b"], data["first_difference"]
    same_start = tr(lang, "cmp_same", n=len(a["tokens"])) if first is None else (
        tr(lang, "cmp_first_diff", step=first + 1, a=md(repr(a["tokens"][first]["token"])),
           b=md(repr(b["tokens"][first]["token"]))))
    if not data["shared_vocabulary"]:
        return same_start + " " + tr(lang, "cmp_no_shared")
    return same_start + " " + tr(lang, "cmp_kl", a=a["mean_kl_bits"] or 0.0, b=b["mean_kl_bits"] or 0.0)


def figure(data: dict, lang: str = "en") -> go.Figure | None:
    """Top: the probability each model gives A's tokens; bottom: KL(this ‖ other) along each text."""
    if not data["shared_vocabulary"] or not data["a"]["tokens"]:
        return None
    a, b = data["a"], data["b"]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=False, vertical_spacing=0.16,
                        subplot_titles=(tr(lang, "cmp_fig_probs"), tr(lang, "cmp_fig_kl")))
    steps = list(range(1, len(a["tokens"]) + 1))
    text = [plain(repr(t["token"])) for t in a["tokens"]]
    fig.add_scatter(x=steps, y=[t["prob"] for t in a["tokens"]], name=f"A: {plain(a['model'])}", mode="lines+markers",
                    line_color=COLORS["a"], hovertext=text, row=1, col=1)
    fig.add_scatter(x=steps, y=[t["other_prob"] for t in a["tokens"]], name=f"B: {plain(b['model'])}",
                    mode="lines+markers", line_color=COLORS["b"], hovertext=text, row=1, col=1)
    for key, side in (("a", a), ("b", b)):
        fig.add_bar(x=list(range(1, len(side["tokens"]) + 1)), y=[t["kl_bits"] for t in side["tokens"]],
                    name=tr(lang, f"cmp_kl_{key}"), marker_color=COLORS[key], opacity=0.75,
                    hovertext=[plain(repr(t["token"])) for t in side["tokens"]], row=2, col=1)
    if data["first_difference"] is not None:
        fig.add_vline(x=data["first_difference"] + 1, line_dash="dot", line_color="#e03131")
    fig.update_yaxes(range=[0, 1.05], title_text=tr(lang, "smp_x"), row=1, col=1)
    fig.update_yaxes(title_text=tr(lang, "cmp_bits"), row=2, col=1)
    fig.update_xaxes(title_text=tr(lang, "gen_chart_x"), row=2, col=1)
    fig.update_layout(height=520, template="plotly_white", barmode="group", margin=dict(l=50, r=20, t=40, b=40),
                      legend=dict(orientation="h", y=-0.15))
    return plain_numbers(fig)
