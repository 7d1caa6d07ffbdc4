"""Text-generation tab: streamed output, per-token probabilities, decoding controls."""

from __future__ import annotations

import html
from dataclasses import dataclass

import gradio as gr

from ..plots.generation import TABLE_HEADERS, probability_figure, token_html, token_table
from ..service import GenerationRun, Outcome
from ..specs import DTYPES
from . import controls, exports, share
from .common import bind, human_bytes, progress_callback
from .i18n import t
from .share import Field, Panel, TabLink

TAB = "generate"
EXAMPLES = [
    ["Once upon a time, in a land far away", "gpt2"],
    ["羽田空港に到着、東京の街は", "rinna/japanese-gpt2-xsmall"],
    ["Once upon a time", "stories260K"],
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
    model: gr.Dropdown | None = None
    engines: gr.Markdown | None = None


def weights_note(info) -> str:
    if info.nbytes is None:
        return "served by an engine"
    note = f"{human_bytes(info.nbytes)} of weights"
    if info.float32_bytes and info.nbytes < info.float32_bytes:
        note += f", vs {human_bytes(info.float32_bytes)} in float32"
    return note


def stats(state, info) -> str:
    flag = " — stopped" if state.stopped else ("" if state.done else " — generating…")
    where = (f"served by the engine at `{info.engine}`" if info.remote else
             f"on `{info.device}` in {info.dtype} ({weights_note(info)})")
    return (f"**{state.new_tokens} tokens** in {state.seconds:.2f} s ({state.tokens_per_second:.1f} tokens/s) · "
            f"{info.name} {where} · seed {state.params.seed}{flag}")


def engines_note(status: list[dict]) -> str:
    """Which engines serve which models, and which engine is down (shown above the Generate controls)."""
    def code(text: str) -> str:  # model ids come from the engine: a code span shows them as text
        return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"

    lines = []
    for e in status:
        where = f"**{html.escape(e['engine'])}** ({code(e['url'])})"
        if e["up"]:
            names = ", ".join(code(m["model"]) for m in e["models"]) or "no models"
            lines.append(f"- engine {where}: {names}")
        else:
            lines.append(f"- ⚠ engine {where} is not answering: its models appear once it does (asked again on "
                         "page loads, at most every 15 s)")
    return ("Models named `model@engine` run on an inference engine: **generation only** (the other tabs need "
            "a local model's internals).\n" + "\n".join(lines)) if lines else ""


def refresh_engines(ui: GenerationUI, service) -> dict:
    """On page load: the engines' models (an engine down at start-up may be up now) and their state."""
    return {ui.model: gr.update(choices=service.tab_model_names(TAB)),
            ui.engines: gr.update(value=engines_note(service.engine_status()))}


def streaming(ui: GenerationUI, run: GenerationRun, state) -> dict:
    tokens = [t_.to_dict() for t_ in list(state.sequences[0].tokens)]  # list(): an atomic snapshot
    texts = "\n\n---\n\n".join(state.prompt + s.completion for s in state.sequences)
    return {ui.output: texts, ui.tokens: token_html(state.prompt, tokens), ui.stats: stats(state, run.model),
            ui.used_seed: state.params.seed}


def finished(ui: GenerationUI, service, run: GenerationRun, state) -> dict:
    info, tokens = run.model, [t_.to_dict() for t_ in state.sequences[0].tokens]
    result = {**state.to_dict(info.name, info.device), "dtype": info.dtype}
    stem = exports.safe_name(TAB, info.name, f"seed{state.params.seed}")
    chart = exports.png_plot(probability_figure(tokens), exports.safe_name(TAB, info.name, "probabilities"))
    return {ui.stats: stats(state, info), ui.chart: chart, ui.table: token_table(tokens),
            ui.panel.json: exports.json_download(service, stem, result),
            ui.panel.code: service.python(TAB, Outcome(state, info, run.values))}


def run_generation(ui: GenerationUI, service, model, prompt, mode, max_new, temperature, top_k, top_p, rep, ngram,
                   seed, nseq, dtype, progress=gr.Progress()):
    run = service.generate_stream(
        model, prompt, progress=progress_callback(progress), max_new_tokens=max_new, do_sample=mode == "sampling",
        temperature=temperature, top_k=top_k, top_p=top_p, repetition_penalty=rep, no_repeat_ngram_size=ngram,
        seed=seed, num_sequences=nseq, dtype=dtype)
    hide = {ui.panel.json: gr.update(value=None, visible=False)}  # no stale export while a new text streams
    state = None
    for state in run.states:
        yield streaming(ui, run, state) | hide
        hide = {}
    yield finished(ui, service, run, state)


def build(service) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_generate", "gen-guide")
    with gr.Row():
        with gr.Column(scale=3):
            model = controls.model(service, spec, "gen-model")
            engines = gr.Markdown(engines_note(service.engine_status()), visible=bool(service.engines),
                                  elem_id="gen-engines")
            prompt = controls.textbox(spec, "prompt", "gen-prompt", EXAMPLES[0][0], lines=3)
            with gr.Row():
                run = gr.Button(t("gen_run"), variant="primary", elem_id="gen-run")
                stop = gr.Button(t("gen_stop"), variant="stop", elem_id="gen-stop")
            output = gr.Textbox(label=t("gen_output"), lines=5, interactive=False, buttons=["copy"],
                                elem_id="gen-output")
            stats_ = gr.Markdown(elem_id="gen-stats")
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
    with gr.Tabs():
        with gr.Tab(t("gen_view_tokens")):
            tokens_view = gr.HTML(elem_id="gen-tokens")
        with gr.Tab(t("gen_view_chart")):
            chart = gr.Plot(elem_id="gen-chart")
        with gr.Tab(t("gen_view_table")):
            table = gr.Dataframe(headers=TABLE_HEADERS, elem_id="gen-table", wrap=True)
    panel = share.panel("gen")
    used_seed = gr.Number(visible=False, elem_id="gen-used-seed")  # the seed drawn for seed = -1, for links
    share.examples(EXAMPLES, [prompt, model], t("examples_course"), ["Prompt", "Model"])

    ui = GenerationUI(output, tokens_view, stats_, chart, table, panel, used_seed, model, engines)
    handler = bind(service, run_generation, ui, service)
    inputs = [model, prompt, mode, max_new, temperature, top_k, top_p, rep, ngram, seed, nseq, dtype]
    outputs = [output, tokens_view, stats_, chart, table, panel.json, panel.code, used_seed]
    limits = {"concurrency_id": spec.concurrency_id, "concurrency_limit": service.concurrency_limit(spec.concurrency_id)}
    # The button's event is callable (undocumented) so the benchmark can time the real UI stream.
    events = [run.click(handler, inputs, outputs, api_name="generate_ui", api_visibility="undocumented", **limits),
              prompt.submit(handler, inputs, outputs, api_visibility="private", **limits)]
    # Cancelling stops gradio from pulling the next step, so the model really stops computing.
    stop.click(None, cancels=events)

    names = ["model", "prompt", "do_sample", "max_new_tokens", "temperature", "top_k", "top_p", "repetition_penalty",
             "no_repeat_ngram_size", "seed", "num_sequences", "dtype"]
    fields = share.fields(spec, dict(zip(names, inputs)), do_sample=Field(
        "do_sample", mode, update=lambda v: gr.update(value="sampling" if v else "greedy"),
        js={"map": {"greedy": "false", "sampling": "true"}}),
        seed=Field("seed", seed, js={"random": -1, "from": len(spec.link_params())}))  # -1: the seed drawn last
    def engines_on_load(restored):  # after the link is restored: choices only, the value stays
        if service.engines:
            restored.then(bind(service, refresh_engines, ui, service, rate_limited=False), None, [model, engines],
                          api_visibility="private", show_progress="hidden")

    link = TabLink(TAB, fields, panel, run_button="gen-run", extra_js=[used_seed], on_load=engines_on_load, ui=ui)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
