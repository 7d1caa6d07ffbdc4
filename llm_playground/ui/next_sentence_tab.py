"""Next-sentence tab: P(B follows A) from BERT's NSP head, and the encoding the model saw."""

from __future__ import annotations

import gradio as gr

from ..catalog import NEXT_SENTENCE
from ..plots.next_sentence import TOKEN_HEADERS, encoding_text, nsp_figure, percent, token_rows
from ..tasks.next_sentence import next_sentence
from ..tasks.validation import clean_text
from .common import model_picker, progress_callback, user_errors

EXAMPLES = [
    ["What is baseball ?", "It is a game of hitting the ball with the bat."],
    ["What is baseball ?", "This food is made with flour and milk."],
]

HELP = ("BERT reads `[CLS] A [SEP] B [SEP]`: `token_type_ids` mark segment A (0) and B (1). Its NSP head gives "
        "two logits (IsNext, NotNext); their softmax is the probability that B really follows A.")


def _summary(r, loaded) -> str:
    verdict = "B follows A" if r.is_next >= 0.5 else "B does not follow A"
    return (f"### {verdict}\n**P(IsNext) = {percent(r.is_next)}** · P(NotNext) = {percent(r.not_next)}\n\n"
            f"Raw NSP logits: IsNext {r.logits[0]:.4f}, NotNext {r.logits[1]:.4f} · "
            f"{loaded.name} on `{loaded.device}` · {len(r.tokens)} tokens")


def build(manager) -> None:
    with gr.Row():
        with gr.Column(scale=3):
            model = model_picker(manager, NEXT_SENTENCE, elem_id="nsp-model")
            sentence_a = gr.Textbox(label="Sentence A", value=EXAMPLES[0][0], max_length=5000, elem_id="nsp-a")
            sentence_b = gr.Textbox(label="Sentence B (does it follow A?)", value=EXAMPLES[0][1], max_length=5000,
                                    elem_id="nsp-b")
            with gr.Row():
                run = gr.Button("Predict", variant="primary", elem_id="nsp-run")
                swap = gr.Button("Swap A ⇄ B", elem_id="nsp-swap")
            gr.Markdown(HELP)
            summary = gr.Markdown(elem_id="nsp-summary")
        with gr.Column(scale=2):
            chart = gr.Plot(elem_id="nsp-chart", show_label=False)
    tokens = gr.Dataframe(headers=TOKEN_HEADERS, label="What the model sees, per token", elem_id="nsp-tokens",
                          max_height=420)
    with gr.Accordion("Encoding as the seed notebook prints it", open=False):
        encoding = gr.Code(language="python", elem_id="nsp-encoding", interactive=False)
    gr.Examples(EXAMPLES, inputs=[sentence_a, sentence_b], label="Examples from the course notes")

    @user_errors
    def predict(model_name, a, b, progress=gr.Progress()):
        clean_text(a, "sentence A")  # fail on bad input before any model loads
        clean_text(b, "sentence B")
        loaded = manager.get(model_name, NEXT_SENTENCE, progress=progress_callback(progress))
        r = next_sentence(loaded, a, b)
        return (_summary(r, loaded), nsp_figure(r.is_next, r.not_next),
                token_rows(r.tokens, r.input_ids, r.token_type_ids, r.attention_mask),
                encoding_text(r.input_ids, r.token_type_ids, r.attention_mask))

    for trigger in (run.click, sentence_a.submit, sentence_b.submit):
        trigger(predict, [model, sentence_a, sentence_b], [summary, chart, tokens, encoding],
                concurrency_id="next_sentence", api_visibility="private")
    # Swapping happens in the browser: no server round trip for a trivial change.
    swap.click(None, [sentence_a, sentence_b], [sentence_a, sentence_b], js="(a, b) => [b, a]",
               api_visibility="private")
