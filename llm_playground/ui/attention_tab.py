"""Attention tab: one forward pass per text, then any layer, head or view re-plotted from the cache."""

from __future__ import annotations

import gradio as gr
from gradio.components.plot import PlotData

from .. import codegen
from ..catalog import ATTENTION
from ..devices import dtype_name
from ..plots.attention import heatmap_figure, model_view_figure, token_view_figure
from ..tasks.attention import HEAD_MAX, HEAD_MEAN, AttentionResult
from ..tasks.attention_cache import attention_cache
from ..tasks.attention_views import HEATMAP, MODEL_VIEW, TOKEN_VIEW, VIEWS, ViewData, export_json, view_data
from . import exports, share
from .common import progress_callback, user_errors
from .i18n import t
from .share import Field, TabLink

EXAMPLES = [
    ["The bank raised the interest rate.", "", "bert-base-uncased"],
    ["The animal didn't cross the street because it was too tired.", "", "bert-base-uncased"],
    ["The bank raised the interest rate.", "The river bank was flooded.", "bert-base-uncased"],
    ["Once upon a time, there was a little girl named Lily.", "", "stories260K"],
]


def figure(result: AttentionResult, data: ViewData):
    if data.view == MODEL_VIEW:
        return model_view_figure(data.weights, result.labels, data.title, data.block)
    if data.view == TOKEN_VIEW:
        return token_view_figure(data.weights, result.labels, data.token, data.title, data.layer)
    return heatmap_figure(data.weights, result.labels, data.title, result.causal, result.pair_start)


def file_name(result: AttentionResult, data: ViewData) -> str:
    """e.g. attention-stories260K-heatmap-layer3-head5 (no extension; safe on every file system)."""
    head = data.head if data.head in (HEAD_MEAN, HEAD_MAX) else f"head{data.head}"
    return exports.safe_name(f"attention-{result.model}-{data.view}-layer{data.layer}-{head}")


def plot_payload(result: AttentionResult, data: ViewData) -> PlotData:
    """The figure, plus a plotly config naming the PNG that the toolbar's camera button downloads."""
    return exports.png_plot(figure(result, data), file_name(result, data))


def python(manager, result: AttentionResult, key: dict, data: ViewData) -> str:
    """Copy as Python for the shown layer and head (the code prints that one matrix, whatever the view)."""
    src, local = exports.source_of(manager, key["model"], ATTENTION)
    return exports.python_code(codegen.attention, key["model"], key["text"], data.layer, data.head, key["pair"] or "",
                             source=src, causal=result.causal, dtype=dtype_name(manager.default_dtype),
                             local_sources=[src] if local else [])


def summary(result: AttentionResult) -> str:
    kv = (f" (grouped KV: {result.kv_heads} key/value heads shared by {result.num_heads} query heads; "
          "shown per query head)" if result.kv_heads and result.kv_heads < result.num_heads else "")
    kind = "causal: each token sees only earlier tokens" if result.causal else "bidirectional"
    return (f"**{len(result.ids)} tokens** · {result.num_layers} layers × {result.num_heads} heads{kv} · {kind} · "
            f"{result.model}")


def head_choices(result: AttentionResult) -> list[tuple[str, str]]:
    return [(t("att_mean"), HEAD_MEAN), (t("att_max"), HEAD_MAX)] + [
        (t("att_head_n") + f" {h}", str(h)) for h in range(result.num_heads)]


def build(manager) -> TabLink:
    cache = attention_cache(manager)
    share.guide("guide_attention", "att-guide")
    with gr.Row():
        with gr.Column(scale=2, min_width=340):  # controls beside the chart: switch layers without scrolling
            model = share.model_picker(manager, ATTENTION, elem_id="att-model")
            text = gr.Textbox(label=t("text"), lines=3, max_lines=8, value=EXAMPLES[0][0],
                              max_length=manager.settings.max_input_chars, elem_id="att-text")
            pair = gr.Textbox(label=t("att_pair"),
                              max_length=manager.settings.max_input_chars, elem_id="att-text-b")
            run = gr.Button(t("att_run"), variant="primary", elem_id="att-run")
            info = gr.Markdown(elem_id="att-info")
            view = gr.Radio([(t("att_" + v.replace(" ", "_")), v) for v in VIEWS], value=HEATMAP, label=t("att_view"),
                            elem_id="att-view", info=t("att_view_info"))
            layer = gr.Slider(0, 1, value=0, step=1, label=t("att_layer"), elem_id="att-layer")
            head = gr.Dropdown([(t("att_mean"), HEAD_MEAN), (t("att_max"), HEAD_MAX)], value=HEAD_MEAN,
                               label=t("att_head"), elem_id="att-head", info=t("att_head_info"))
            token = gr.Dropdown([], label=t("att_token"), elem_id="att-token", filterable=True)
            export = gr.Button(t("att_export"), elem_id="att-export")
            exported = gr.File(label=t("att_exported"), elem_id="att-json", interactive=False, visible=False)
        with gr.Column(scale=5):
            plot = gr.Plot(elem_id="att-plot", show_label=False)
            gr.Markdown(t("att_help"))
    panel = share.panel("att", with_json=False)  # the JSON export is per view, above
    share.examples(EXAMPLES, [text, pair, model], t("examples"), ["Text", "Sentence B", "Model"])
    key = gr.State(None)  # what to look up in the cache (model, text, pair) — never the weights themselves

    def cached(key_: dict) -> AttentionResult:
        if not key_:
            raise gr.Error("Press “Show attention” first.")
        return cache.get(manager, key_["model"], key_["text"], key_["pair"])

    @user_errors
    def run_attention(model_, text_, pair_, view_, layer_, head_, token_, progress=gr.Progress()):
        result = cache.get(manager, model_, text_, pair_, progress_callback(progress))
        layer_ = min(int(layer_ or 0), result.num_layers - 1)
        head_ = head_ if head_ in [value for _, value in head_choices(result)] else HEAD_MEAN
        # a causal model's last token sees the whole text; for BERT any token does, the middle one will do
        default_token = len(result.ids) - 1 if result.causal else len(result.ids) // 2
        token_ = token_ if isinstance(token_, int) and token_ < len(result.ids) else default_token
        tokens = [(f"{i}: {label}", i) for i, label in enumerate(result.labels)]
        data = view_data(result, view_, layer_, head_, token_)
        key_ = {"model": model_, "text": text_, "pair": pair_}
        return (key_, gr.update(maximum=result.num_layers - 1, value=layer_),
                gr.update(choices=head_choices(result), value=head_), gr.update(choices=tokens, value=token_),
                plot_payload(result, data), summary(result), gr.update(value=None, visible=False),
                python(manager, result, key_, data))

    @user_errors(rate_limited=False)  # re-plots cached weights: no model run
    def replot(key_, view_, layer_, head_, token_):
        if not key_:
            return gr.skip(), gr.skip()
        result = cached(key_)
        data = view_data(result, view_, layer_, head_, token_ or 0)
        return plot_payload(result, data), python(manager, result, key_, data)

    @user_errors(rate_limited=False)
    def export_view(key_, view_, layer_, head_, token_):
        result = cached(key_)
        data = view_data(result, view_, layer_, head_, token_ or 0)
        return exports.json_download(file_name(result, data), export_json(result, data), indent=None)

    inputs = [model, text, pair, view, layer, head, token]
    outputs = [key, layer, head, token, plot, info, exported, panel.code]
    events = [trigger(run_attention, inputs, outputs, concurrency_id="attention", api_visibility="private")
              for trigger in (run.click, text.submit)]
    selection = [key, view, layer, head, token]
    # .input: user changes only (typing, dragging, arrow keys), not the values a run sets; always_last
    # skips the intermediate positions of a drag.
    replots = gr.on([view.input, layer.input, head.input, token.input], replot, selection, [plot, panel.code],
                    trigger_mode="always_last", api_visibility="private", show_progress="minimal")
    export.click(export_view, selection, exported, api_visibility="private")

    def restore_head(v):  # the head list is filled by a run: offer the linked head until then
        numbered = v not in (HEAD_MEAN, HEAD_MAX)
        heads = [(t("att_head_n") + f" {h}", str(h)) for h in range(int(v) + 1)] if numbered else []
        return gr.update(choices=[(t("att_mean"), HEAD_MEAN), (t("att_max"), HEAD_MAX), *heads], value=str(v))

    fields = [Field("model", model), Field("text", text), Field("text_pair", pair), Field("view", view),
              Field("layer", layer, update=lambda v: gr.update(maximum=max(1, v), value=v)),
              Field("head", head, update=restore_head),
              Field("token", token, update=lambda v: gr.update(choices=[(str(i), i) for i in range(v + 1)], value=v),
                    js={"when": [3, TOKEN_VIEW]})]
    link = TabLink("attention", fields, panel, run_button="att-run")
    share.wire(link, share.defaults_of(manager, "attention"), [*events, replots])
    return link
