"""Text-generation tab: streamed output, per-token probabilities, decoding controls."""

from __future__ import annotations

from dataclasses import asdict

import gradio as gr

from .. import codegen
from ..catalog import GENERATION
from ..devices import dtype_name
from ..plots.generation import TABLE_HEADERS, probability_figure, token_html, token_table
from ..tasks.generation import GenerationParams, stream_generate
from ..tasks.streaming import latest_in_background
from . import exports, share
from .common import human_bytes, progress_callback, user_errors
from .i18n import t
from .share import Field, TabLink

EXAMPLES = [
    ["Once upon a time, in a land far away", "gpt2"],
    ["羽田空港に到着、東京の街は", "rinna/japanese-gpt2-xsmall"],
    ["Once upon a time", "stories260K"],
]


def weights_note(loaded) -> str:
    note = f"{human_bytes(loaded.nbytes)} of weights"
    if loaded.nbytes < loaded.float32_bytes:
        note += f", vs {human_bytes(loaded.float32_bytes)} in float32"
    return note


def _stats(state, loaded) -> str:
    flag = " — stopped" if state.stopped else ("" if state.done else " — generating…")
    return (f"**{state.new_tokens} tokens** in {state.seconds:.2f} s ({state.tokens_per_second:.1f} tokens/s) · "
            f"{loaded.name} on `{loaded.device}` in {dtype_name(loaded.dtype)} "
            f"({weights_note(loaded)}) · seed {state.params.seed}{flag}")


def _code(manager, model_name, text, state, loaded) -> str:
    p = state.params
    src, local = exports.source_of(manager, model_name, GENERATION)
    return exports.python_code(codegen.generate, model_name, text, p.max_new_tokens, p.do_sample, p.temperature,
                             p.top_k, p.top_p, p.repetition_penalty, p.seed, p.no_repeat_ngram_size,
                             p.num_sequences, dtype_name(loaded.dtype), source=src,
                             local_sources=[src] if local else [])


def build(manager) -> TabLink:
    share.guide("guide_generate", "gen-guide")
    with gr.Row():
        with gr.Column(scale=3):
            model = share.model_picker(manager, GENERATION, elem_id="gen-model")
            prompt = gr.Textbox(label=t("gen_prompt"), lines=3, value=EXAMPLES[0][0], max_length=5000,
                                elem_id="gen-prompt")
            with gr.Row():
                run = gr.Button(t("gen_run"), variant="primary", elem_id="gen-run")
                stop = gr.Button(t("gen_stop"), variant="stop", elem_id="gen-stop")
            output = gr.Textbox(label=t("gen_output"), lines=5, interactive=False, buttons=["copy"],
                                elem_id="gen-output")
            stats = gr.Markdown(elem_id="gen-stats")
        with gr.Column(scale=2):
            mode = gr.Radio([(t("gen_greedy"), "greedy"), (t("gen_sampling"), "sampling")], value="greedy",
                            label=t("gen_decoding"), info=t("gen_decoding_info"), elem_id="gen-mode")
            max_new = gr.Slider(1, manager.settings.max_new_tokens_cap, value=40, step=1, label=t("gen_max_new"),
                                elem_id="gen-max-new")
            temperature = gr.Slider(0.05, 2.0, value=1.0, step=0.05, label=t("gen_temperature"),
                                    info=t("gen_temperature_info"), elem_id="gen-temperature")
            top_k = gr.Slider(0, 200, value=50, step=1, label=t("gen_top_k"), elem_id="gen-top-k")
            top_p = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label=t("gen_top_p"), elem_id="gen-top-p")
            rep = gr.Slider(1.0, 2.0, value=1.0, step=0.05, label=t("gen_rep"), info=t("gen_rep_info"),
                            elem_id="gen-rep")
            ngram = gr.Slider(0, 10, value=0, step=1, label=t("gen_ngram"), elem_id="gen-ngram")
            with gr.Row():
                seed = gr.Number(value=0, precision=0, label=t("gen_seed"), minimum=-1, elem_id="gen-seed")
                nseq = gr.Slider(1, 4, value=1, step=1, label=t("gen_nseq"), elem_id="gen-nseq")
            dtype = gr.Dropdown(["auto", "float32", "bfloat16", "float16"], value="auto", label=t("gen_dtype"),
                                info=t("gen_dtype_info"), elem_id="gen-dtype")
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

    @user_errors
    def run_generation(model_name, text, mode_, max_new_, temp, k, p, rep_, ngram_, seed_, nseq_, dtype_,
                       progress=gr.Progress()):
        params = GenerationParams(max_new_, mode_ == "sampling", temp, k, p, rep_, ngram_, seed_, nseq_)
        params.validated(manager.settings.max_new_tokens_cap)
        loaded = manager.get(model_name, GENERATION, None if dtype_ == "auto" else dtype_,
                             progress=progress_callback(progress))
        cap = manager.settings.max_new_tokens_cap
        states = latest_in_background(lambda stop: stream_generate(loaded, text, params, cap, stop=stop))
        hide = gr.update(value=None, visible=False)  # no stale export while a new text streams
        for state in states:
            tokens = [asdict(t_) for t_ in list(state.sequences[0].tokens)]  # list(): an atomic snapshot
            texts = "\n\n---\n\n".join(text + s.completion for s in state.sequences)
            yield texts, token_html(text, tokens), _stats(state, loaded), gr.skip(), gr.skip(), hide, gr.skip(), \
                state.params.seed
            hide = gr.skip()
        result = {**state.to_dict(loaded.name, loaded.device), "dtype": dtype_name(loaded.dtype)}
        stem = exports.safe_name("generate", loaded.name, f"seed{state.params.seed}")
        png_name = exports.safe_name("generate", loaded.name, "probabilities")
        chart_ = exports.png_plot(probability_figure(tokens), png_name)
        yield (gr.skip(), gr.skip(), _stats(state, loaded), chart_, token_table(tokens),
               exports.json_download(stem, result), _code(manager, model_name, text, state, loaded), state.params.seed)

    inputs = [model, prompt, mode, max_new, temperature, top_k, top_p, rep, ngram, seed, nseq, dtype]
    outputs = [output, tokens_view, stats, chart, table, panel.json, panel.code, used_seed]
    # The button's event is callable (undocumented) so the benchmark can time the real UI stream.
    events = [run.click(run_generation, inputs, outputs, concurrency_id="generate", api_name="generate_ui",
                        api_visibility="undocumented"),
              prompt.submit(run_generation, inputs, outputs, concurrency_id="generate", api_visibility="private")]
    # Cancelling stops gradio from pulling the next step, so the model really stops computing.
    stop.click(None, cancels=events)

    names = ["model", "prompt", "do_sample", "max_new_tokens", "temperature", "top_k", "top_p", "repetition_penalty",
             "no_repeat_ngram_size", "seed", "num_sequences", "dtype"]
    fields = [Field(n, c) for n, c in zip(names, inputs)]
    fields[2] = Field("do_sample", mode, update=lambda v: gr.update(value="sampling" if v else "greedy"),
                      js={"map": {"greedy": "false", "sampling": "true"}})
    fields[9] = Field("seed", seed, js={"random": -1, "from": len(fields)})  # -1: the seed drawn last time
    link = TabLink("generate", fields, panel, run_button="gen-run", extra_js=[used_seed])
    share.wire(link, share.defaults_of(manager, "generate"), events)
    return link
