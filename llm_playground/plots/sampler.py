"""What the sampler did at one step of a generation (plain data in, plotly/Markdown out; no torch).

For the chosen step: the model's own probabilities (softmax at temperature 1) beside those of the
distribution actually drawn from after repetition penalty, temperature, top-k and top-p; tokens a
filter removed are greyed and say which filter; the token taken is starred.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..i18n.words import W, tr
from .text import md, plain

RAW, AFTER, REMOVED, REMOVED_TEXT = "#4c6ef5", "#f08c00", "#ced4da", "#868e96"
FILTER_VALUE = {"top_k": "top_k", "top_p": "top_p", "no_repeat_ngram": "no_repeat_ngram_size"}


def candidates(token: dict) -> list[dict]:
    """The step's top alternatives, plus the token taken when it was not among them."""
    rows = [dict(a) for a in token["top"]]
    if all(a["id"] != token["id"] for a in rows):
        rows.append({"token": token["token"], "id": token["id"], "prob": token["prob"],
                     "prob_after_filters": token.get("prob_after_filters"), "removed_by": None})
    return rows


def pct(p: float) -> str:
    return f"{p:.1%}" if p >= 0.001 or p == 0 else f"{p:.3%}"


def _label(row: dict, taken: int) -> str:
    text = ("★ " if row["id"] == taken else "") + plain(repr(row["token"])) + f"  #{row['id']}"
    return f"<span style='color:{REMOVED_TEXT}'>{text}</span>" if row.get("removed_by") else text


def step_figure(token: dict, step: int, greedy: bool, lang: str = "en") -> go.Figure:
    rows = candidates(token)
    labels = [_label(r, token["id"]) for r in rows]
    fig = go.Figure()
    fig.add_bar(y=labels, x=[r["prob"] for r in rows], orientation="h", name=tr(lang, "smp_raw"), marker_color=RAW,
                text=[pct(r["prob"]) for r in rows], textposition="outside", cliponaxis=False)
    if token.get("prob_after_filters") is not None:
        removed = [r.get("removed_by") for r in rows]
        fig.add_bar(y=labels, x=[0.0 if by else r["prob_after_filters"] for r, by in zip(rows, removed)],
                    orientation="h", name=tr(lang, "smp_after_greedy" if greedy else "smp_after"),
                    marker_color=[REMOVED if by else AFTER for by in removed], cliponaxis=False, textposition="outside",
                    text=[removed_text(by, lang) if by else pct(r["prob_after_filters"])
                          for r, by in zip(rows, removed)])
    fig.update_layout(title=dict(text=tr(lang, "smp_title", n=step + 1), font=dict(size=14)), barmode="group",
                      height=max(300, 60 + 44 * len(rows)), template="plotly_white",
                      xaxis=dict(title=tr(lang, "smp_x"), range=[0, 1.25], tickformat=".0%",
                                 tickvals=[0, 0.25, 0.5, 0.75, 1]),
                      yaxis=dict(autorange="reversed", automargin=True), margin=dict(l=10, r=20, t=50, b=40),
                      legend=dict(orientation="h", y=-0.18))
    return fig


def removed_text(by: str, lang: str) -> str:
    key = f"pop_removed_{by}"
    return tr(lang, key) if key in W else tr(lang, "smp_removed")


def summary(token: dict, step: int, settings: dict, lang: str = "en", chosen: bool = False) -> str:
    """One line: what each filter did at this step, how many tokens were left, and what was taken (`chosen`: the
    token the user picked there, a branch's last forced token)."""
    if token.get("prob_after_filters") is None:
        return tr(lang, "smp_engine")
    vocab = (token.get("kept") or 0) + sum((token.get("removed") or {}).values())  # kept + each filter's removals
    sampling = bool(settings.get("do_sample"))
    chain = []
    if settings.get("repetition_penalty", 1.0) != 1.0:
        chain.append(tr(lang, "smp_rep", r=settings["repetition_penalty"]))
    if sampling and settings.get("temperature", 1.0) != 1.0:
        chain.append(tr(lang, "smp_temperature", t=settings["temperature"]))
    for name, count in (token.get("removed") or {}).items():
        value = settings.get(FILTER_VALUE.get(name, name))
        chain.append(tr(lang, "smp_removed_by", name=tr(lang, f"smp_name_{name}", v=value), n=count))
    if vocab:
        chain.append(tr(lang, "smp_kept", kept=token.get("kept") or vocab, vocab=vocab))
    text = md(repr(token["token"]))
    if token.get("forced"):
        picked = tr(lang, "smp_forced" if chosen else "smp_kept_forced", token=text, raw=token["prob"])
    elif sampling:
        picked = tr(lang, "smp_picked", token=text, raw=token["prob"], after=token["prob_after_filters"])
    else:
        picked = tr(lang, "smp_greedy", token=text, raw=token["prob"])
    return tr(lang, "smp_summary", n=step + 1, chain=" → ".join(chain) or tr(lang, "smp_none"), picked=picked)
