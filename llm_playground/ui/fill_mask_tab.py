"""Fill-mask tab: top-k predictions for every [MASK], as a chart, completed texts and the tokens seen."""

from __future__ import annotations

import gradio as gr

from ..catalog import FILL_MASK
from ..plots.fill_mask import (PREDICTION_HEADERS, TOKEN_HEADERS, mask_label, percent, prediction_figure,
                               prediction_rows, token_chips, token_rows)
from ..tasks.fill_mask import MAX_MASKS, MAX_TOP_K, fill_mask, validated_top_k
from ..tasks.validation import clean_text
from .common import model_picker, progress_callback, user_errors

EXAMPLES = [
    ["I played [MASK] with my friends at school yesterday"],
    ["The [MASK] raised the interest rate, and the river [MASK] was flooded after the rain."],
    ["What is baseball? It is a game of hitting the ball with the [MASK]."],
]

HELP = (f"Write **[MASK]** where a word is missing (up to {MAX_MASKS}). It is mapped to the model's own mask "
        "token, e.g. `<mask>` for RoBERTa. With several masks, each one is predicted on its own, with the "
        "others still masked.")


def _summary(result, loaded) -> str:
    lines = [f"{mask_label(i, m.position)}: **{m.predictions[0].token}** ({percent(m.predictions[0].score)}) "
             f"→ “{m.predictions[0].sequence}”" for i, m in enumerate(result.masks)]
    lines.append(f"{loaded.name} on `{loaded.device}` · the model saw {len(result.tokens)} tokens")
    return "\n\n".join(lines)


def build(manager) -> None:
    with gr.Row():
        with gr.Column(scale=3):
            model = model_picker(manager, FILL_MASK, elem_id="fm-model")
            text = gr.Textbox(label="Text with [MASK]", lines=2, value=EXAMPLES[0][0], max_length=5000,
                              elem_id="fm-text")
            run = gr.Button("Predict masked words", variant="primary", elem_id="fm-run")
            summary = gr.Markdown(elem_id="fm-summary")
        with gr.Column(scale=1):
            top_k = gr.Slider(1, MAX_TOP_K, value=5, step=1, label="Top-k predictions per mask", elem_id="fm-top-k")
            gr.Markdown(HELP)
    with gr.Row():
        with gr.Column(scale=3):
            chart = gr.Plot(elem_id="fm-chart", show_label=False)
        with gr.Column(scale=2):
            chips = gr.HTML(label="Tokens the model saw", elem_id="fm-chips")
            tokens = gr.Dataframe(headers=TOKEN_HEADERS, label="Tokens, ids and mask positions", elem_id="fm-tokens",
                                  max_height=420)
    predictions = gr.Dataframe(headers=PREDICTION_HEADERS, label="Predictions and completed texts", wrap=True,
                               elem_id="fm-predictions")
    gr.Examples(EXAMPLES, inputs=[text], label="Examples from the course notes")

    @user_errors
    def predict(model_name, text_, k, progress=gr.Progress()):
        clean_text(text_)  # fail on bad input before any model loads
        validated_top_k(k)
        loaded = manager.get(model_name, FILL_MASK, progress=progress_callback(progress))
        result = fill_mask(loaded, text_, k)
        masks = result.to_dict(loaded.name)["masks"]
        positions = [m["position"] for m in masks]
        return (_summary(result, loaded), prediction_figure(masks), token_chips(result.tokens, positions),
                token_rows(result.tokens, result.input_ids, positions), prediction_rows(masks))

    outputs = [summary, chart, chips, tokens, predictions]
    for trigger in (run.click, text.submit):
        trigger(predict, [model, text, top_k], outputs, concurrency_id="fill_mask", api_visibility="private")
