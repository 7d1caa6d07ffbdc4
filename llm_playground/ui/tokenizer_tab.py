"""Tokenizer tab: how several tokenizers cut the same text, ids -> text, and a short explainer."""

from __future__ import annotations

import gradio as gr

from ..catalog import TOKENIZER
from ..plots.tokens import CSS, comparison_html, ids_html, summary_html
from ..tasks.baselines import BASELINES, CHARACTERS, WORDS
from ..tasks.token_compare import cut_votes, disagreements
from ..tasks.detokenize import decode_ids
from ..tasks.tokenize import MAX_TOKENIZERS, resolve, tokenize_all
from ..tasks.validation import MAX_TEXT_CHARS
from .common import user_errors

EXAMPLE = "Unbelievable! 東京で寿司を食べた🍣 👩‍💻 café naïve 🇯🇵"
EXAMPLES = [
    [EXAMPLE],
    ["The unbelievably rare word 'tokenization' splits into pieces."],
    ["羽田空港に到着、東京の街は雨でした。"],
    ["e\u0301 (e + combining accent) vs é · 👍🏽 · 👨‍👩‍👧 · 🇫🇷🇯🇵"],
    ["def square(x):\n    return x ** 2  # code has lots of spaces"],
]

# One per family, best first: a local folder works offline, the Hub id needs the Hub.
FAMILIES = [
    ["gpt2-tokenizer", "gpt2"],  # byte-level BPE
    ["minilm", "bert-base-uncased"],  # WordPiece
    ["rinna/japanese-gpt2-xsmall", "stories260K"],  # sentencepiece
]

EXPLAINER = """
**Why subwords?** A word-level vocabulary needs every word of the language and still meets words it has
never seen (they become one *unknown* token); a character-level one never fails but makes sequences long
and leaves the model to learn spelling. Subword tokenizers sit in between: common words are one token,
rare words are split into known pieces ("Unbelievable" → "Un", "believ", "able"), all from a fixed
vocabulary of a few tens of thousands of entries.

- **BPE (byte-pair encoding, GPT-2)** starts from single symbols and repeatedly *merges* the most frequent
  adjacent pair in its training text; the merges, replayed in order, tokenize new text. GPT-2's
  **byte-level** BPE works on UTF-8 bytes, so nothing is ever unknown: a kanji or an emoji that is not
  in the vocabulary falls apart into 2–4 byte pieces, shown here as one chip with the bytes underneath.
  Every byte has a printable stand-in in its vocabulary: a space is **Ġ** (glued to the start of the
  next word), a newline **Ċ**, and é, two bytes in UTF-8, is written **Ã©**.
- **WordPiece (BERT)** splits text into words first, then each word into the longest vocabulary pieces from
  the left; a piece that continues a word is written **##piece**. A character missing from its vocabulary
  turns the whole word into **[UNK]**. BERT adds **[CLS]** at the start and **[SEP]** at the end.
- **sentencepiece** treats the text as one stream and writes spaces as **▁**, so decoding is exact and no
  language needs spaces between words (Japanese has none). Its *unigram* model keeps the split with the
  highest probability; its *BPE* model merges like GPT-2, and with *byte fallback* spells unknown
  characters as bytes (<0xE7>) instead of an unknown token.

Counts matter: a model's context window and its price are in tokens, and the same sentence costs very
different numbers of tokens in different tokenizers and languages.
"""

NOTHING_CHOSEN = "<p><i>Choose one or more tokenizers above.</i></p>"


def default_tokenizers(manager) -> list[str]:
    """One tokenizer per family: a local folder if there is one, else a Hub id if the Hub is reachable."""
    names = manager.catalog.names(TOKENIZER)
    local = {e.name for e in manager.catalog.entries.values() if e.local}
    hub_ok = None
    chosen, baselines = [], iter(BASELINES)  # a family nobody can load is stood in for by a baseline
    for family in FAMILIES:
        pick = next((n for n in family if n in local), None)
        if pick is None and any(n in names for n in family):
            hub_ok = manager.hub_probe() if hub_ok is None else hub_ok
            pick = next((n for n in family if n in names), None) if hub_ok else None
        chosen.append(pick or next(baselines, WORDS))
    return list(dict.fromkeys(chosen))


def _loader(manager):
    return lambda name: manager.tokenizer(name)[1]


def build(manager) -> None:
    choices = [*BASELINES, *manager.catalog.names(TOKENIZER)]
    defaults = default_tokenizers(manager)
    custom = manager.settings.allow_custom_models
    with gr.Row():
        with gr.Column(scale=3):
            tokenizers = gr.Dropdown(choices, value=defaults, multiselect=True, max_choices=MAX_TOKENIZERS,
                                     allow_custom_value=custom, label="Tokenizers to compare",
                                     info="Only the tokenizer loads (no model weights)", elem_id="tok-tokenizers")
            text = gr.Textbox(label="Text", lines=3, value=EXAMPLE, max_length=MAX_TEXT_CHARS, elem_id="tok-text")
            with gr.Row():
                specials = gr.Checkbox(True, label="Add the model's special tokens ([CLS]/[SEP], BOS/EOS)",
                                       elem_id="tok-specials")
                run = gr.Button("Tokenize", variant="primary", elem_id="tok-run", scale=0)
        with gr.Column(scale=2):
            examples = gr.Examples(EXAMPLES, inputs=[text], label="Try")
            with gr.Accordion("How tokenizers work", open=False, elem_id="tok-explainer"):
                gr.Markdown(EXPLAINER)
    view = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-view")
    summary = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-summary")
    with gr.Accordion("Ids → text", open=False, elem_id="tok-decode-box"):
        with gr.Row():
            decode_with = gr.Dropdown([CHARACTERS, *manager.catalog.names(TOKENIZER)],
                                      value=next((n for n in defaults if n != WORDS), CHARACTERS),
                                      allow_custom_value=custom, label="Tokenizer", elem_id="tok-decode-model")
            ids = gr.Textbox(label="Token ids", placeholder="15496, 995", elem_id="tok-ids", scale=3)
            decode_run = gr.Button("Decode", elem_id="tok-decode", scale=0)
        decoded = gr.Textbox(label="Decoded text", interactive=False, buttons=["copy"], elem_id="tok-decoded")
        decoded_tokens = gr.HTML(css_template=CSS, js_on_load=None, elem_id="tok-decoded-tokens")

    @user_errors
    def show(names, text_, add_special):
        if not names:  # mid-edit of the multiselect: a hint, not an error toast
            return NOTHING_CHOSEN, ""
        results = tokenize_all(names, text_, _loader(manager), bool(add_special))
        return comparison_html(results, disagreements(results), cut_votes(results)), summary_html(results)

    @user_errors
    def decode(name, raw_ids):
        text_, tokens = decode_ids(resolve(name, _loader(manager)), raw_ids)
        return text_, ids_html(tokens)

    # Not on every keystroke: with a public rate limit, live typing would spend a client's budget.
    inputs, outputs = [tokenizers, text, specials], [view, summary]
    for event in (run.click, text.submit, tokenizers.change, specials.change, examples.load_input_event.then):
        event(show, inputs, outputs, trigger_mode="always_last", api_visibility="private")
    # No triggers and no inputs = once on page load, with the components' initial values.
    gr.on(None, lambda: show(defaults, EXAMPLE, True), None, outputs, api_visibility="private")
    gr.on([decode_run.click, ids.submit], decode, [decode_with, ids], [decoded, decoded_tokens],
          api_visibility="private")
