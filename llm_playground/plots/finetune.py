"""Fine-tune views: the loss curve, the progress line, and the before/after panel (plain dicts in; no torch).

Every text from the learner's file or the model passes through html.escape / md before it is shown.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from ..i18n.words import tr
from .generation import LEGEND_STEPS, prob_color, underline
from .text import md


def loss_figure(snapshot: dict, lang: str = "en") -> go.Figure:
    """Training loss (logged every few steps) and held-out loss (every tenth of the run) against the step."""
    fig = go.Figure()
    for key, name, dash in (("train_loss", "ft_train_loss", "solid"), ("eval_loss", "ft_eval_loss", "dot")):
        points = snapshot.get(key) or []
        fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], name=tr(lang, name),
                                 mode="lines+markers", line={"dash": dash}, marker={"size": 5}))
    fig.update_layout(title=tr(lang, "ft_loss_title"), xaxis_title=tr(lang, "ft_step"), yaxis_title="loss",
                      yaxis_type="log", height=320, margin={"l": 50, "r": 10, "t": 40, "b": 40},
                      legend={"orientation": "h", "y": -0.25})
    # While training, the whole run's width (the curve grows into it); once ended, the steps it really ran.
    end = snapshot.get("step", 0) if snapshot.get("reason") else snapshot.get("max_steps", 1)
    fig.update_xaxes(range=[0, max(1, end)])
    return fig


def _seconds(s: float | None) -> str:
    if s is None:
        return "–"
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"


def progress_line(snapshot: dict, lang: str = "en") -> str:
    """Markdown: step n/N · losses · steps/s · elapsed · ETA, or what the run is doing before/after training."""
    phase = snapshot.get("phase", "")
    if snapshot.get("status") == "running" and phase != "training":
        return tr(lang, f"ft_phase_{phase}") if phase in ("preparing", "measuring", "saving") else ""
    train, evals = snapshot.get("train_loss") or [], snapshot.get("eval_loss") or []
    key = "ft_progress_end" if snapshot.get("reason") else "ft_progress"  # an ended run has nothing left
    return tr(lang, key, step=snapshot["step"], total=snapshot["max_steps"],
              loss=f"{train[-1][1]:.4f}" if train else "–", eval=f"{evals[-1][1]:.4f}" if evals else "–",
              rate=snapshot.get("steps_per_second", 0.0), elapsed=_seconds(snapshot.get("elapsed")),
              eta=_seconds(snapshot.get("eta")))


def result_summary(result: dict, lang: str = "en") -> str:
    """Markdown: how the run ended, the registered name, the losses and the held-out perplexity before/after."""
    steps = tr(lang, "ft_steps_n", n=result["steps"]) if result["steps"] != 1 else tr(lang, "ft_steps_one")
    lines = [tr(lang, f"ft_end_{result['reason'].replace(' ', '_')}", steps=steps, s=result["seconds"]),
             tr(lang, "ft_registered", name=md(result["model"])),
             tr(lang, "ft_losses", mean=result["training_loss"],
                last="–" if result["last_loss"] is None else f"{result['last_loss']:.4f}")]
    if result.get("perplexity_before") is not None:
        lines.append(tr(lang, "ft_perplexity", before=result["perplexity_before"], after=result["perplexity_after"],
                        n=result["eval_tokens"]))
    else:
        lines.append(tr(lang, "ft_no_eval"))
    return "\n\n".join(lines)


def _chips(pieces: list[str], probs: list[float]) -> str:
    out = []
    for piece, p in zip(pieces, probs):
        text = html.escape(piece).replace("\n", "↵") or "·"
        out.append(f'<span class="tok" style="background:{prob_color(p)};border-bottom:{underline(p)}px solid #333" '
                   f'title="p = {p:.2%}" data-prob="{p:.4f}">{text}</span>')
    return "".join(out)


def comparison_html(comparisons: list[dict], lang: str = "en") -> str:
    """Per prompt: the true next tokens coloured by each model's probability, and each greedy continuation."""
    if not comparisons:
        return f"<p>{html.escape(tr(lang, 'ft_no_prompts'))}</p>"
    rows = []
    for c in comparisons:
        prompt = html.escape(c["prompt"])
        rows.append(
            f'<div class="ft-compare"><div class="ft-prompt">{html.escape(tr(lang, "ft_prompt"))} '
            f'<b>{prompt}</b></div>'
            + "".join(f'<div class="ft-row"><span class="ft-who">{html.escape(tr(lang, key))}</span>'
                      f'<span class="tok-view"><span class="prompt">{prompt}</span>'
                      f'{_chips(c["truth_tokens"], c[who]["probs"])}</span>'
                      f'<div class="ft-cont">{html.escape(tr(lang, "ft_greedy"))} '
                      f'<code>{html.escape(c[who]["continuation"])}</code></div></div>'
                      for who, key in (("base", "ft_base"), ("tuned", "ft_tuned")))
            + "</div>")
    samples = _chips([f"{p:.0%}" for p in LEGEND_STEPS], list(LEGEND_STEPS))
    legend = f'<div class="tok-legend">{html.escape(tr(lang, "ft_legend"))} {samples}</div>'
    return f'<p>{html.escape(tr(lang, "ft_compare_intro"))}</p>' + "".join(rows) + legend
