"""Text-generation tab: streamed output, per-token probabilities, decoding controls."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from ..plots.generation import probability_figure, table_headers, token_html, token_table
from ..plots.text import md
from ..plots.words import tr
from ..service import GenerationRun, Outcome
from ..specs import DTYPES
from . import controls, exports, share
from .common import bind, human_bytes, progress_callback
from .i18n import t
from .share import Field, Panel, TabLink

TAB = "generate"
EXAMPLES = [
    ["Once upon a time", "stories260K"],
    ["Lily wanted to play in the park, but", "stories260K"],
    ["Once upon a time, in a land far away", "gpt2"],
    ["羽田空港に到着、東京の街は", "rinna/japanese-gpt2-xsmall"],
]


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
        return tr(lang, "gen_stats_engine", engine=md(info.engine), **common)
    return tr(lang, "gen_stats", device=info.device, dtype=info.dtype, weights=weights_note(info, lang), **common)


def sequences(state) -> list[list[dict]]:
    return [[t_.to_dict() for t_ in list(s.tokens)] for s in state.sequences]  # list(): an atomic snapshot


def engines_note(status: list[dict], lang: str = "en") -> str:
    """Which engines serve which models, and which engine is down (shown above the Generate controls)."""
    lines = []
    for e in status:
        where = f"**{md(e['engine'])}** ({code(e['url'])})"
        if e["up"]:
            names = ", ".join(code(m["model"]) for m in e["models"]) or tr(lang, "engine_no_models")
            lines.append(tr(lang, "engine_up", where=where, names=names))
        else:
            lines.append(tr(lang, "engine_down", where=where))
    return (tr(lang, "engine_intro") + "\n" + "\n".join(lines)) if lines else ""


def code(text) -> str:
    """Model ids come from the engine: a code span shows them as text."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def refresh_engines(ui: GenerationUI, service, lang: str = "en") -> dict:
    """On page load: the engines' models (an engine down at start-up may be up now) and their state."""
    return {ui.model: gr.update(choices=service.tab_model_names(TAB)),
            ui.engines: gr.update(value=engines_note(service.engine_status(), lang))}


def streaming(ui: GenerationUI, run: GenerationRun, state, lang: str) -> dict:
    texts = "\n\n---\n\n".join(state.prompt + s.completion for s in state.sequences)
    return {ui.output: texts, ui.tokens: token_html(state.prompt, sequences(state), lang),
            ui.stats: stats(state, run, lang), ui.used_seed: state.params.seed}


def finished(ui: GenerationUI, service, run: GenerationRun, state, lang: str) -> dict:
    info, tokens = run.model, sequences(state)[0]
    twin = service.local_model_for(info.name, service.specs["attention"].model_task)  # an engine model: its local twin
    result = {**state.to_dict(info.name, info.device), "dtype": info.dtype}
    stem = exports.safe_name(TAB, info.name, f"seed{state.params.seed}")
    chart = exports.png_plot(probability_figure(tokens, lang), exports.safe_name(TAB, info.name, "probabilities"))
    return {**streaming(ui, run, state, lang), ui.chart: chart,
            ui.table: pd.DataFrame(token_table(tokens), columns=table_headers(lang)),
            ui.panel.json: exports.json_download(service, stem, result),
            ui.panel.code: service.python(TAB, Outcome(state, info, run.values)),
            ui.last: {"model": twin, "prompt": state.prompt, "text": result["text"]},
            ui.show_attention: gr.update(visible=twin is not None)}


def run_generation(ui: GenerationUI, service, model, prompt, mode, max_new, temperature, top_k, top_p, rep, ngram,
                   seed, nseq, dtype, lang="en", progress=gr.Progress()):
    run = service.generate_stream(
        model, prompt, progress=progress_callback(progress), fit_context=True, max_new_tokens=max_new,
        do_sample=mode == "sampling", temperature=temperature, top_k=top_k, top_p=top_p, repetition_penalty=rep,
        no_repeat_ngram_size=ngram, seed=seed, num_sequences=nseq, dtype=dtype)
    hide = {ui.panel.json: gr.update(value=None, visible=False)}  # no stale export while a new text streams
    state = None
    for state in run.states:
        if state.done:
            break  # the finished update below shows it, with the chart and table in the same update
        yield streaming(ui, run, state, lang) | hide
        hide = {}
    yield finished(ui, service, run, state, lang)


def fit_slider(service, model) -> dict:
    """The Max new tokens slider goes as far as the model's context (and the app's cap) allows."""
    cap = service.specs[TAB].param("max_new_tokens").high
    context = service.context_length(model) if isinstance(model, str) else None
    return gr.update(maximum=min(cap, context - 1) if context and context > 1 else cap)


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_generate", "gen-guide")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):  # results under the prompt: first on a phone, in view on a desktop
            model = controls.model(service, spec, "gen-model")
            engines = gr.Markdown(engines_note(service.engine_status()), visible=bool(service.engines),
                                  elem_id="gen-engines")
            prompt = controls.textbox(spec, "prompt", "gen-prompt", EXAMPLES[0][0], lines=2)
            with gr.Row():
                run = gr.Button(t("gen_run"), variant="primary", elem_id="gen-run")
                stop = gr.Button(t("gen_stop"), variant="stop", elem_id="gen-stop")
            error = share.error_box("gen-error")
            with gr.Tabs(elem_id="gen-views"):
                with gr.Tab(t("gen_view_tokens")):
                    tokens_view = gr.HTML(elem_id="gen-tokens")
                with gr.Tab(t("gen_view_chart")):
                    chart = gr.Plot(elem_id="gen-chart", show_label=False)
                with gr.Tab(t("gen_view_table")):
                    table = gr.Dataframe(headers=table_headers(), elem_id="gen-table", wrap=True)
            stats_ = gr.Markdown(elem_id="gen-stats")
            output = gr.Textbox(label=t("gen_output"), lines=3, interactive=False, buttons=["copy"],
                                elem_id="gen-output")
            show_attention = gr.Button(t("gen_show_attention"), size="sm", elem_id="gen-attention",
                                       visible=False)  # shown once a text is finished
        with gr.Column(scale=2):
            mode = gr.Radio([(t("gen_greedy"), "greedy"), (t("gen_sampling"), "sampling")], value="greedy",
                            label=t("gen_decoding"), info=t("gen_decoding_info"), elem_id="gen-mode")
            max_new = controls.slider(spec, "max_new_tokens", "gen-max-new")
            temperature = controls.slider(spec, "temperature", "gen-temperature", info="gen_temperature_info")
            top_k = controls.slider(spec, "top_k", "gen-top-k")
            top_p = controls.slider(spec, "top_p", "gen-top-p")
            rep = controls.slider(spec, "repetition_penalty", "gen-rep", info="gen_rep_info")
            ngram = controls.slider(spec, "no_repeat_ngram_size", "gen-ngram")
            with gr.Row():
                seed = gr.Number(value=spec.param("seed").default, precision=0, label=t("gen_seed"), minimum=-1,
                                 elem_id="gen-seed")
                nseq = controls.slider(spec, "num_sequences", "gen-nseq")
            dtype = gr.Dropdown(list(DTYPES), value="auto", label=t("gen_dtype"), info=t("gen_dtype_info"),
                                elem_id="gen-dtype")
    panel = share.panel("gen")
    used_seed = gr.Number(visible=False, elem_id="gen-used-seed")  # the seed drawn for seed = -1, for links
    share.examples(service, EXAMPLES, [prompt, model], t("examples_course"), ["ex_prompt", "ex_model"], model_column=1)

    ui = GenerationUI(output, tokens_view, stats_, chart, table, panel, used_seed, error, gr.State(None),
                      show_attention, model, engines)
    handler = bind(service, run_generation, ui, service, error=error, clear=[tokens_view, stats_, chart, table, output])
    inputs = [model, prompt, mode, max_new, temperature, top_k, top_p, rep, ngram, seed, nseq, dtype]
    outputs = [output, tokens_view, stats_, chart, table, panel.json, panel.code, used_seed, error, ui.last,
               show_attention]
    limits = {"concurrency_id": spec.concurrency_id, "concurrency_limit": service.concurrency_limit(spec.concurrency_id)}
    # The button's event is callable (undocumented) so the benchmark can time the real UI stream.
    events = [run.click(handler, inputs + [lang], outputs, api_name="generate_ui", api_visibility="undocumented",
                        **limits),
              prompt.submit(handler, inputs + [lang], outputs, api_visibility="private", **limits)]
    # Cancelling stops gradio from pulling the next step, so the model really stops computing.
    stop.click(None, cancels=events)
    model.change(bind(service, fit_slider, service, rate_limited=False), model, max_new, api_visibility="private",
                 queue=False)

    names = ["model", "prompt", "do_sample", "max_new_tokens", "temperature", "top_k", "top_p", "repetition_penalty",
             "no_repeat_ngram_size", "seed", "num_sequences", "dtype"]
    fields = share.fields(spec, dict(zip(names, inputs)), do_sample=Field(
        "do_sample", mode, update=lambda v: gr.update(value="sampling" if v else "greedy"),
        js={"map": {"greedy": "false", "sampling": "true"}}),
        seed=Field("seed", seed, js={"random": -1, "from": len(spec.link_params())}))  # -1: the seed drawn last

    def engines_on_load(restored):  # after the link is restored: choices only, the value stays
        if service.engines:
            restored.then(bind(service, refresh_engines, ui, service, rate_limited=False), [lang], [model, engines],
                          api_visibility="private", show_progress="hidden")

    link = TabLink(TAB, fields, panel, run_button="gen-run", extra_js=[used_seed], on_load=engines_on_load, ui=ui)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
