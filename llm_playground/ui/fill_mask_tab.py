"""Fill-mask tab: top-k predictions for every [MASK], as a chart, completed texts and the tokens seen."""

from __future__ import annotations

import gradio as gr

from .. import codegen
from ..catalog import FILL_MASK
from ..devices import dtype_name
from ..plots.fill_mask import (PREDICTION_HEADERS, TOKEN_HEADERS, mask_label, percent, prediction_figure,
                               prediction_rows, token_chips, token_rows)
from ..tasks.fill_mask import MAX_TOP_K, fill_mask, validated_top_k
from ..tasks.validation import clean_text
from . import exports, share
from .common import progress_callback, user_errors
from .i18n import t
from .share import Field, TabLink

EXAMPLES = [
    ["I played [MASK] with my friends at school yesterday"],
    ["The [MASK] raised the interest rate, and the river [MASK] was flooded after the rain."],
    ["What is baseball? It is a game of hitting the ball with the [MASK]."],
]


def _summary(result, loaded) -> str:
    lines = [f"{mask_label(i, m.position)}: **{m.predictions[0].token}** ({percent(m.predictions[0].score)}) "
             f"→ “{m.predictions[0].sequence}”" for i, m in enumerate(result.masks)]
    lines.append(f"{loaded.name} on `{loaded.device}` · the model saw {len(result.tokens)} tokens")
    return "\n\n".join(lines)


def build(manager) -> TabLink:
    share.guide("guide_fill_mask", "fm-guide")
    with gr.Row():
        with gr.Column(scale=3):
            model = share.model_picker(manager, FILL_MASK, elem_id="fm-model")
            text = gr.Textbox(label=t("fm_text"), lines=2, value=EXAMPLES[0][0], max_length=5000,
                              elem_id="fm-text")
            run = gr.Button(t("fm_run"), variant="primary", elem_id="fm-run")
            summary = gr.Markdown(elem_id="fm-summary")
        with gr.Column(scale=1):
            top_k = gr.Slider(1, MAX_TOP_K, value=5, step=1, label=t("fm_top_k"), elem_id="fm-top-k")
            gr.Markdown(t("fm_help"))
    with gr.Row():
        with gr.Column(scale=3):
            chart = gr.Plot(elem_id="fm-chart", show_label=False)
        with gr.Column(scale=2):
            chips = gr.HTML(label=t("fm_chips"), elem_id="fm-chips")
            tokens = gr.Dataframe(headers=TOKEN_HEADERS, label=t("fm_tokens"), elem_id="fm-tokens", max_height=420)
    predictions = gr.Dataframe(headers=PREDICTION_HEADERS, label=t("fm_predictions"), wrap=True,
                               elem_id="fm-predictions")
    panel = share.panel("fm")
    share.examples(EXAMPLES, [text], t("examples_course"), ["Text"])

    @user_errors
    def predict(model_name, text_, k, progress=gr.Progress()):
        clean_text(text_)  # fail on bad input before any model loads
        validated_top_k(k)
        loaded = manager.get(model_name, FILL_MASK, progress=progress_callback(progress))
        result = fill_mask(loaded, text_, k)
        data = result.to_dict(loaded.name)
        masks = data["masks"]
        positions = [m["position"] for m in masks]
        src, local = exports.source_of(manager, model_name, FILL_MASK)
        code = exports.python_code(codegen.fill_mask, model_name, text_, k, source=src, dtype=dtype_name(loaded.dtype),
                                 local_sources=[src] if local else [])
        return (_summary(result, loaded),
                exports.png_plot(prediction_figure(masks), exports.safe_name("fill-mask", loaded.name, "predictions")),
                token_chips(result.tokens, positions), token_rows(result.tokens, result.input_ids, positions),
                prediction_rows(masks), exports.json_download(exports.safe_name("fill-mask", loaded.name), data), code)

    outputs = [summary, chart, chips, tokens, predictions, panel.json, panel.code]
    events = [trigger(predict, [model, text, top_k], outputs, concurrency_id="fill_mask", api_visibility="private")
              for trigger in (run.click, text.submit)]
    link = TabLink("fill-mask", [Field("model", model), Field("text", text), Field("top_k", top_k)], panel,
                   run_button="fm-run")
    share.wire(link, share.defaults_of(manager, "fill-mask"), events)
    return link
