"""Views of generated tokens and their probabilities (plain data in, HTML/plotly out; no torch)."""

from __future__ import annotations

import html
import json

import plotly.graph_objects as go

from ..i18n.words import tr
from .axes import plain_numbers
from .text import plain

LEGEND_STEPS = (0.05, 0.25, 0.5, 0.75, 0.95)


def prob_color(p: float) -> str:
    """Red (unlikely) -> amber -> green (likely), light enough to read text on."""
    hue = int(120 * max(0.0, min(1.0, p)))
    return f"hsl({hue}, 75%, 80%)"


def underline(p: float) -> int:
    """The second cue beside colour, for readers who cannot tell the hues apart: 1 px (unlikely) to 4 px."""
    return 1 + round(3 * max(0.0, min(1.0, p)))


def visible_piece(piece: str) -> str:
    return html.escape(piece).replace("\n", "↵<br>") if piece else "·"


POPOVER_WORDS = ("pop_step", "pop_model", "pop_after", "pop_chosen", "pop_forced", "pop_kept", "pop_greedy",
                 "pop_no_filters", "pop_continue", "pop_hint", "pop_close", "pop_removed_top_k", "pop_removed_top_p",
                 "pop_removed_no_repeat_ngram")


def _attr(data) -> str:
    """Data for the page's popover script, as a single-quoted attribute value (escaped: token texts are
    anybody's; double quotes stay as they are, which keeps a 200-token page ~40 % smaller)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return html.escape(text, quote=False).replace("'", "&#x27;")


def _p(x: float | None) -> float | None:
    return None if x is None else round(x, 5)


def _label(t: dict) -> str:
    return html.escape(f"{t['token']!r} {t['prob']:.1%}", quote=True)


def _chip(t: dict, seq: int, step: int, chosen: bool = False) -> str:
    """A focusable token: Enter, a click or a tap opens its popover (assets.POPOVER_JS) with the alternatives
    and, where known, their probabilities after the sampling filters."""
    alts = [[a["token"], a["id"], _p(a["prob"]), _p(a.get("prob_after_filters")), a.get("removed_by")]
            for a in t["top"]]
    forced = " forced" if chosen else ""  # the branch point: the last token of prefix_ids
    after = t.get("prob_after_filters")
    return (f'<span class="tok{forced}" tabindex="0" role="button" aria-haspopup="dialog" aria-label="{_label(t)}" '
            f'style="background:{prob_color(t["prob"])};border-bottom:{underline(t["prob"])}px solid #333" '
            f'data-seq="{seq}" data-step="{step}" data-id="{t["id"]}" data-prob="{t["prob"]:.4f}" '
            f'data-after="{"" if after is None else f"{after:.6f}"}" data-kept="{t.get("kept") or ""}" '
            f"data-alts='{_attr(alts)}'>{visible_piece(t['token'])}</span>")


def legend_html(lang: str = "en") -> str:
    samples = "".join(f'<span class="tok" style="background:{prob_color(p)};border-bottom:{underline(p)}px solid '
                      f'#333">{p:.0%}</span>' for p in LEGEND_STEPS)
    return f'<div class="tok-legend">{tr(lang, "gen_legend")} {samples} {tr(lang, "gen_legend_open")}</div>'


def token_html(prompt: str, sequences: list[list[dict]], lang: str = "en", greedy: bool = False,
               stopped: bool = False) -> str:
    """The prompt, then each generated token as a chip coloured (and underlined) by its probability; with
    several sequences, one labelled block each. A chip opens a popover with its top alternatives."""
    prompt_html = html.escape(prompt).replace("\n", "<br>")
    blocks = []
    for i, tokens in enumerate(sequences):
        label = f'<div class="tok-seq">{tr(lang, "gen_sequence", i=i + 1)}</div>' if len(sequences) > 1 else ""
        forced = sum(1 for t in tokens if t.get("forced"))
        chips = "".join(_chip(t, i, step, step == forced - 1) for step, t in enumerate(tokens))
        chips += f'<span class="tok-stopped">{tr(lang, "gen_stopped_mark")}</span>' if stopped else ""
        blocks.append(f'{label}<div class="tok-view"><span class="prompt">{prompt_html}</span>{chips}</div>')
    words = {key: tr(lang, key) for key in POPOVER_WORDS} | {"greedy": greedy}
    return f"<div class='tok-root' data-words='{_attr(words)}'>{''.join(blocks)}{legend_html(lang)}</div>"


def token_table(tokens: list[dict]) -> list[list]:
    """Rows: step, chosen token, its probability, then the top-5 alternatives as 'token (p)'."""
    rows = []
    for i, t in enumerate(tokens, 1):
        alts = ", ".join(f"{a['token']!r} {a['prob']:.1%}" for a in t["top"])
        rows.append([i, repr(t["token"]), t["id"], round(t["prob"], 4), alts])
    return rows


def table_headers(lang: str = "en") -> list[str]:
    return tr(lang, "gen_table")


TABLE_HEADERS = table_headers()


def probability_figure(tokens: list[dict], lang: str = "en") -> go.Figure:
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
        title=tr(lang, "gen_chart_title"), xaxis_title=tr(lang, "gen_chart_x"), yaxis_title=tr(lang, "gen_chart_y"),
        yaxis_range=[0, 1.1], height=320, margin=dict(l=50, r=20, t=50, b=40), template="plotly_white",
    )
    return plain_numbers(fig)
