"""Text-generation tab: streamed output, per-token probabilities, decoding controls."""

from __future__ import annotations

from dataclasses import asdict

import gradio as gr

from ..catalog import GENERATION
from ..devices import dtype_name
from ..plots.generation import TABLE_HEADERS, probability_figure, token_html, token_table
from ..tasks.generation import GenerationParams, stream_generate
from ..tasks.streaming import latest_in_background
from .common import human_bytes, model_picker, progress_callback, user_errors

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


def build(manager) -> None:
    with gr.Row():
        with gr.Column(scale=3):
            model = model_picker(manager, GENERATION, elem_id="gen-model")
            prompt = gr.Textbox(label="Prompt", lines=3, value=EXAMPLES[0][0], max_length=5000,
                                elem_id="gen-prompt")
            with gr.Row():
                run = gr.Button("Generate", variant="primary", elem_id="gen-run")
                stop = gr.Button("Stop", variant="stop", elem_id="gen-stop")
            output = gr.Textbox(label="Generated text (streams token by token)", lines=5, interactive=False,
                                buttons=["copy"], elem_id="gen-output")
            stats = gr.Markdown(elem_id="gen-stats")
        with gr.Column(scale=2):
            mode = gr.Radio(["greedy", "sampling"], value="greedy", label="Decoding",
                            info="greedy always picks the most likely token; sampling draws from the distribution")
            max_new = gr.Slider(1, manager.settings.max_new_tokens_cap, value=40, step=1, label="Max new tokens")
            temperature = gr.Slider(0.05, 2.0, value=1.0, step=0.05, label="Temperature (sampling)",
                                    info="<1 sharpens, >1 flattens the distribution")
            top_k = gr.Slider(0, 200, value=50, step=1, label="Top-k (sampling, 0 = off)")
            top_p = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label="Top-p / nucleus (sampling)")
            rep = gr.Slider(1.0, 2.0, value=1.0, step=0.05, label="Repetition penalty",
                            info=">1 discourages repeating tokens (fixes loops)")
            ngram = gr.Slider(0, 10, value=0, step=1, label="No-repeat n-gram size (0 = off)")
            with gr.Row():
                seed = gr.Number(value=0, precision=0, label="Seed (-1 = random)", minimum=-1)
                nseq = gr.Slider(1, 4, value=1, step=1, label="Sequences")
            dtype = gr.Dropdown(["auto", "float32", "bfloat16", "float16"], value="auto", label="Weights dtype",
                                info="16-bit halves the memory; bfloat16 is also faster on recent CPUs")
    with gr.Tabs():
        with gr.Tab("Token probabilities"):
            tokens_view = gr.HTML(elem_id="gen-tokens")
        with gr.Tab("Chart"):
            chart = gr.Plot(elem_id="gen-chart")
        with gr.Tab("Table"):
            table = gr.Dataframe(headers=TABLE_HEADERS, elem_id="gen-table", wrap=True)
    gr.Examples(EXAMPLES, inputs=[prompt, model], label="Examples from the course notes")

    @user_errors
    def run_generation(model_name, text, mode_, max_new_, temp, k, p, rep_, ngram_, seed_, nseq_, dtype_,
                       progress=gr.Progress()):
        params = GenerationParams(max_new_, mode_ == "sampling", temp, k, p, rep_, ngram_, seed_, nseq_)
        params.validated(manager.settings.max_new_tokens_cap)
        loaded = manager.get(model_name, GENERATION, None if dtype_ == "auto" else dtype_,
                             progress=progress_callback(progress))
        cap = manager.settings.max_new_tokens_cap
        states = latest_in_background(lambda stop: stream_generate(loaded, text, params, cap, stop=stop))
        for state in states:
            tokens = [asdict(t) for t in list(state.sequences[0].tokens)]  # list(): an atomic snapshot
            texts = "\n\n---\n\n".join(text + s.completion for s in state.sequences)
            yield texts, token_html(text, tokens), _stats(state, loaded), gr.skip(), gr.skip()
        yield (gr.skip(), gr.skip(), _stats(state, loaded), probability_figure(tokens), token_table(tokens))

    inputs = [model, prompt, mode, max_new, temperature, top_k, top_p, rep, ngram, seed, nseq, dtype]
    outputs = [output, tokens_view, stats, chart, table]
    # The button's event is callable (undocumented) so the benchmark can time the real UI stream.
    events = [run.click(run_generation, inputs, outputs, concurrency_id="generate", api_name="generate_ui",
                        api_visibility="undocumented"),
              prompt.submit(run_generation, inputs, outputs, concurrency_id="generate", api_visibility="private")]
    # Cancelling stops gradio from pulling the next step, so the model really stops computing.
    stop.click(None, cancels=events)
