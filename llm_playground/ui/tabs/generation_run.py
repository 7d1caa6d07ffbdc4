"""The Generate tab's output components and handlers: stream a generation into every panel, branch from a
chosen token, show a branch again, and the sampler view's step (bound to the components in generation.py)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ...i18n.words import tr
from ...plots import sampler
from ...plots.generation import probability_figure, table_headers, token_html, token_table
from ...plots.text import code_span, md
from ...service.outcome import GenerationRun, Outcome
from .. import export_panel as exports
from ..common import human_bytes, page_session, progress_callback
from ..tab_link import Panel
from . import generation_branches as branches

TAB = "generate"


@dataclass
class GenerationUI:
    output: gr.Textbox
    tokens: gr.HTML
    stats: gr.Markdown
    chart: gr.Plot
    table: gr.Dataframe
    panel: Panel
    used_seed: gr.Number
    error: gr.Markdown
    last: gr.State  # the finished text's model, prompt and text (prompt + first completion): ui/handoff.py
    show_attention: gr.Button
    model: gr.Dropdown | None = None
    engines: gr.Markdown | None = None
    prefix: gr.Textbox | None = None  # the branch's forced token ids (prefix_ids)
    seed: gr.Number | None = None
    branches: gr.Radio | None = None  # the page's branches: choose one to show it again
    tree: gr.State | None = None  # branches.Tree
    smp_step: gr.Slider | None = None  # the sampler view: a step, its figure and its summary line
    smp_chart: gr.Plot | None = None
    smp_summary: gr.Markdown | None = None
    # the checked values the text on the page was made with (model, prompt, settings): a hidden gr.JSON that
    # links read (TabLink.shown) and a branch sets the controls back to
    made: gr.JSON | None = None
    controls: dict | None = None  # the tab's inputs by parameter name: a branch sets them back to `made`


def weights_note(info, lang: str) -> str:
    if info.nbytes is None:
        return tr(lang, "gen_engine")
    if info.float32_bytes and info.nbytes < info.float32_bytes:
        return tr(lang, "gen_weights_vs", size=human_bytes(info.nbytes), full=human_bytes(info.float32_bytes))
    return tr(lang, "gen_weights", size=human_bytes(info.nbytes))


def stats(state, run: GenerationRun, lang: str) -> str:
    info, p = run.model, state.params
    flag = tr(lang, "gen_stopped") if state.stopped else ("" if state.done else tr(lang, "gen_generating"))
    if run.fitted:
        flag += tr(lang, "gen_fitted", n=run.fitted, limit=run.context)
    seed = tr(lang, "gen_seed", seed=p.seed) if p.do_sample else tr(lang, "gen_greedy_seed")
    common = dict(n=state.new_tokens, s=state.seconds, tps=state.tokens_per_second, name=md(info.name), seed=seed,
                  flag=flag)
    if info.remote:
        return tr(lang, "gen_stats_engine", engine=code_span(info.engine), **common)
    return tr(lang, "gen_stats", device=info.device, dtype=info.dtype, weights=weights_note(info, lang), **common)


def sequences(state) -> list[list[dict]]:
    return [[t_.to_dict() for t_ in list(s.tokens)] for s in state.sequences]  # list(): an atomic snapshot


def streaming(ui: GenerationUI, run: GenerationRun, state, lang: str) -> dict:
    texts = "\n\n---\n\n".join(state.prompt + s.completion for s in state.sequences)
    greedy, stopped = not state.params.do_sample, state.stopped and state.done
    return {ui.output: texts, ui.tokens: token_html(state.prompt, sequences(state), lang, greedy, stopped),
            ui.stats: stats(state, run, lang), ui.used_seed: state.params.seed}


def sampler_view(ui: GenerationUI, state, run: GenerationRun, step: int, lang: str) -> dict:
    """The sampler view at `step` (0-based) of the first sequence."""
    tokens = sequences(state)[0]
    if not tokens:
        return {ui.smp_step: gr.update(visible=False), ui.smp_chart: None, ui.smp_summary: tr(lang, "smp_empty")}
    step = max(0, min(step, len(tokens) - 1))
    greedy = not state.params.do_sample
    # one token: hidden, and still a valid slider (Gradio refuses a whole update holding one from 1 to 1)
    return {ui.smp_step: gr.update(maximum=max(2, len(tokens)), value=step + 1, visible=len(tokens) > 1),
            ui.smp_chart: sampler.step_figure(tokens[step], step, greedy, lang),
            ui.smp_summary: sampler.summary(tokens[step], step, run.values, lang,
                                            chosen=step == len(run.values.get("prefix_ids") or []) - 1)}


def finished(ui: GenerationUI, service, run: GenerationRun, state, lang: str, tree: branches.Tree | None = None,
             export: bool = True) -> dict:
    info, tokens = run.model, sequences(state)[0]
    twin = service.local_model_for(info.name, service.specs["attention"].model_task)  # an engine model: its local twin
    result = {**state.to_dict(info.name, info.device), "dtype": info.dtype}
    stem = exports.safe_name(TAB, info.name, f"seed{state.params.seed}")
    chart = exports.png_plot(probability_figure(tokens, lang), exports.safe_name(TAB, info.name, "probabilities"))
    code = service.python(TAB, Outcome(state, info, run.values))
    if state.stopped:
        code = tr(lang, "gen_code_stopped", n=state.new_tokens) + code
    listed = branches.worth_listing(tree)
    panel = {ui.panel.code: code}
    if export:  # a new result: its JSON file (a re-render in another language keeps the one offered)
        panel[ui.panel.json] = exports.json_download(service, stem, result)
    return {**streaming(ui, run, state, lang), ui.chart: chart, **panel, ui.made: run.values,
            ui.table: pd.DataFrame(token_table(tokens), columns=table_headers(lang)),
            ui.last: {"model": twin, "prompt": state.prompt, "text": result["text"]},
            ui.show_attention: gr.update(visible=twin is not None),
            ui.tree: tree, ui.branches: gr.update(choices=branches.choices(tree, lang), visible=listed,
                                                  value=tree.current if tree else None),
            **sampler_view(ui, state, run, 0, lang)}


def run_generation(ui: GenerationUI, service, model, prompt, mode, max_new, temperature, top_k, top_p, rep, ngram,
                   seed, nseq, dtype, prefix="", tree=None, lang="en", progress=gr.Progress()):
    run = service.generate_stream(
        model, prompt, progress=progress_callback(progress), fit_context=True, owner=page_session(),
        max_new_tokens=max_new, do_sample=mode == "sampling", temperature=temperature, top_k=top_k, top_p=top_p,
        repetition_penalty=rep, no_repeat_ngram_size=ngram, seed=seed, num_sequences=nseq, dtype=dtype,
        prefix_ids=prefix)
    # no stale export while a new text streams; what the shown text is made with, once (links read it)
    hide = {ui.panel.json: gr.update(value=None, visible=False), ui.made: run.values}
    state = None
    for state in run.states:
        if state.done:
            break  # the finished update below shows it, with the chart and table in the same update
        yield streaming(ui, run, state, lang) | hide
        first, hide = bool(hide), {}
        if first:
            continue  # asking for the next state now lets the producer go on (workers.latest's first hand-over)
        # Rendering and sending an update takes the CPU the model needs (2 cores here): measured, a fast model
        # streamed 4x slower to the page than through the API. Between updates the model runs alone, and
        # the next state asked for is the newest (workers.latest); a longer text costs more per update.
        run.finished.wait(update_interval(state.new_tokens))  # returns at once when the model is done
    if state is None:  # stopped before the first step
        yield {ui.stats: tr(lang, "gen_stopped").strip(" —")}
        return
    yield finished(ui, service, run, state, lang, branches.add(tree, state, run))


def update_interval(tokens: int) -> float:
    """Seconds between two streamed updates: about 6 a second for a short text, down to 3 for a long one."""
    return min(0.3, 0.15 + tokens / 3000)


def choose_branch(ui: GenerationUI, service, pick, seed, used_seed, made=None) -> dict:
    """A popover's alternative was chosen: stop this page's running generation and set the branch to run, with
    the model, prompt and settings that made the shown text (controls changed since would continue it with
    another model, silently: #32) and the seed it used (seed -1 would draw another)."""
    prefix = branches.picked_prefix(pick)
    service.stop_generations(page_session())
    seed = made.get("seed", seed) if made else seed
    keep_seed = used_seed if seed == -1 and used_seed is not None else seed
    return {**controls_of(ui, made), ui.prefix: ",".join(map(str, prefix)), ui.seed: keep_seed}


KEPT = ("prefix_ids", "seed", "max_new_tokens")  # set by the branch itself, or free to differ (branches.NOT_KEY)


def controls_of(ui: GenerationUI, made: dict | None) -> dict:
    """The tab's controls set to the values the shown text was made with (nothing when no text is shown)."""
    if not made or not ui.controls:
        return {}
    shown = {**made, "do_sample": "sampling" if made.get("do_sample") else "greedy"}  # the Radio's values
    return {component: shown[name] for name, component in ui.controls.items() if name in shown and name not in KEPT}


def show_branch(ui: GenerationUI, service, index, tree, lang="en") -> dict:
    """Show a branch the page made before (no model run): every panel, and its prefix for the link."""
    if tree is None or not isinstance(index, int) or not 0 <= index < len(tree.branches):
        return {}
    tree = branches.Tree(tree.key, tree.branches, index)
    branch = tree.shown
    return finished(ui, service, branch.run, branch.state, lang, tree) | {
        ui.prefix: ",".join(map(str, branch.prefix)), ui.error: gr.update(value="", visible=False)}


def relabel(ui: GenerationUI, service, tree, made, step, lang="en") -> dict:
    """The text on the page in the page's new language (share.on_language), at the sampler step shown; nothing
    when no finished text is shown (none yet, or a run failed and cleared it)."""
    if tree is None or made is None or made != tree.shown.run.values:
        return {}
    branch = tree.shown
    return finished(ui, service, branch.run, branch.state, lang, tree, export=False) | sampler_view(
        ui, branch.state, branch.run, int(step or 1) - 1, lang)


def show_step(ui: GenerationUI, tree, step, lang="en") -> dict:
    if tree is None:
        return {}
    return sampler_view(ui, tree.shown.state, tree.shown.run, int(step or 1) - 1, lang)


