"""Next-sentence tab: P(B follows A) from BERT's NSP head, and the encoding the model saw."""

from __future__ import annotations

import gradio as gr

from .. import codegen
from ..catalog import NEXT_SENTENCE
from ..devices import dtype_name
from ..plots.next_sentence import TOKEN_HEADERS, encoding_text, nsp_figure, percent, token_rows
from ..tasks.next_sentence import next_sentence
from ..tasks.validation import clean_text
from . import exports, share
from .common import progress_callback, user_errors
from .i18n import t
from .share import Field, TabLink

EXAMPLES = [
    ["What is baseball ?", "It is a game of hitting the ball with the bat."],
    ["What is baseball ?", "This food is made with flour and milk."],
]


def _summary(r, loaded) -> str:
    verdict = "B follows A" if r.is_next >= 0.5 else "B does not follow A"
    return (f"### {verdict}\n**P(IsNext) = {percent(r.is_next)}** · P(NotNext) = {percent(r.not_next)}\n\n"
            f"Raw NSP logits: IsNext {r.logits[0]:.4f}, NotNext {r.logits[1]:.4f} · "
            f"{loaded.name} on `{loaded.device}` · {len(r.tokens)} tokens")


def build(manager) -> TabLink:
    share.guide("guide_next_sentence", "nsp-guide")
    with gr.Row():
        with gr.Column(scale=3):
            model = share.model_picker(manager, NEXT_SENTENCE, elem_id="nsp-model")
            sentence_a = gr.Textbox(label=t("nsp_a"), value=EXAMPLES[0][0], max_length=5000, elem_id="nsp-a")
            sentence_b = gr.Textbox(label=t("nsp_b"), value=EXAMPLES[0][1], max_length=5000, elem_id="nsp-b")
            with gr.Row():
                run = gr.Button(t("nsp_run"), variant="primary", elem_id="nsp-run")
                swap = gr.Button(t("nsp_swap"), elem_id="nsp-swap")
            gr.Markdown(t("nsp_help"))
            summary = gr.Markdown(elem_id="nsp-summary")
        with gr.Column(scale=2):
            chart = gr.Plot(elem_id="nsp-chart", show_label=False)
    tokens = gr.Dataframe(headers=TOKEN_HEADERS, label=t("nsp_tokens"), elem_id="nsp-tokens", max_height=420)
    with gr.Accordion(t("nsp_encoding"), open=False):
        encoding = gr.Code(language="python", elem_id="nsp-encoding", interactive=False)
    panel = share.panel("nsp")
    share.examples(EXAMPLES, [sentence_a, sentence_b], t("examples_course"), ["Sentence A", "Sentence B"])

    @user_errors
    def predict(model_name, a, b, progress=gr.Progress()):
        clean_text(a, "sentence A")  # fail on bad input before any model loads
        clean_text(b, "sentence B")
        loaded = manager.get(model_name, NEXT_SENTENCE, progress=progress_callback(progress))
        r = next_sentence(loaded, a, b)
        src, local = exports.source_of(manager, model_name, NEXT_SENTENCE)
        code = exports.python_code(codegen.next_sentence, model_name, a, b, source=src, dtype=dtype_name(loaded.dtype),
                                 local_sources=[src] if local else [])
        return (_summary(r, loaded),
                exports.png_plot(nsp_figure(r.is_next, r.not_next), exports.safe_name("next-sentence", loaded.name)),
                token_rows(r.tokens, r.input_ids, r.token_type_ids, r.attention_mask),
                encoding_text(r.input_ids, r.token_type_ids, r.attention_mask),
                exports.json_download(exports.safe_name("next-sentence", loaded.name), r.to_dict(loaded.name)), code)

    outputs = [summary, chart, tokens, encoding, panel.json, panel.code]
    events = [trigger(predict, [model, sentence_a, sentence_b], outputs, concurrency_id="next_sentence",
                      api_visibility="private") for trigger in (run.click, sentence_a.submit, sentence_b.submit)]
    # Swapping happens in the browser: no server round trip for a trivial change.
    swap.click(None, [sentence_a, sentence_b], [sentence_a, sentence_b], js="(a, b) => [b, a]",
               api_visibility="private")
    link = TabLink("next-sentence", [Field("model", model), Field("sentence_a", sentence_a),
                                     Field("sentence_b", sentence_b)], panel, run_button="nsp-run")
    share.wire(link, share.defaults_of(manager, "next-sentence"), events)
    return link
