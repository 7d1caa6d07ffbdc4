"""Attention tab: one forward pass per text, then any layer, head or view re-plotted from the cache."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from gradio.components.plot import PlotData

from ...errors import InvalidInput
from ...i18n.labels import t
from ...i18n.words import tr
from ...plots.attention import heatmap_figure, model_view_figure, token_view_figure, view_title
from ...plots.text import md
from ...specs import ATTENTION_VIEWS, HEAD_MAX, HEAD_MEAN, HEATMAP, MODEL_VIEW, TOKEN_VIEW
from .. import controls, share
from .. import export_panel as exports
from ..common import bind, client_key, progress_callback
from ..share import Field, TabLink

TAB = "attention"
EXAMPLES = [
    ["Once upon a time, there was a little girl named Lily.", "", "stories260K"],
    ["Lily saw a big dog. She was scared of it.", "", "stories260K"],
    ["The bank raised the interest rate.", "", "bert-base-uncased"],
    ["The animal didn't cross the street because it was too tired.", "", "bert-base-uncased"],
    ["The bank raised the interest rate.", "The river bank was flooded.", "bert-base-uncased"],
]


@dataclass
class AttentionUI:
    key: gr.JSON  # what to look up in the cache (model, text, pair) — never the weights themselves
    layer: gr.Slider
    head: gr.Dropdown
    token: gr.Dropdown
    plot: gr.Plot
    info: gr.Markdown
    exported: gr.File
    code: gr.Code
    error: gr.Markdown


def figure(result, data, lang: str = "en", generated_only: bool = False):
    title, start = view_title(data, result.labels, lang), result.generated_start
    if data.view == MODEL_VIEW:
        return model_view_figure(data.weights, result.labels, title, data.block, lang, start)
    if data.view == TOKEN_VIEW:
        return token_view_figure(data.weights, result.labels, data.token, title, data.layer, lang, start)
    return heatmap_figure(data.weights, result.labels, title, result.causal, result.pair_start, lang, start,
                          start if generated_only and start else 0)


def file_name(result, data) -> str:
    """e.g. attention-stories260K-heatmap-layer3-head5 (no extension; safe on every file system)."""
    head = data.head if data.head in (HEAD_MEAN, HEAD_MAX) else f"head{data.head}"
    return exports.safe_name(f"attention-{result.model}-{data.view}-layer{data.layer}-{head}")


def plot_payload(result, data, lang: str = "en", generated_only: bool = False) -> PlotData:
    """The figure, plus a plotly config naming the PNG that the toolbar's camera button downloads."""
    return exports.png_plot(figure(result, data, lang, generated_only), file_name(result, data))


def summary(result, lang: str = "en") -> str:
    grouped = result.kv_heads and result.kv_heads < result.num_heads
    kv = tr(lang, "att_kv", kv=result.kv_heads, heads=result.num_heads) if grouped else ""
    kind = tr(lang, "att_causal" if result.causal else "att_bidirectional")
    return tr(lang, "att_summary", n=len(result.ids), layers=result.num_layers, heads=result.num_heads, kv=kv,
              kind=kind, name=md(result.model))


def head_choices(num_heads: int) -> list[tuple]:
    return [(t("att_mean"), HEAD_MEAN), (t("att_max"), HEAD_MAX)] + [
        (t("att_head_n") + f" {h}", str(h)) for h in range(num_heads)]


def slider_index(value) -> int:
    """A slider's value as an index; a hand-made event's NaN or infinity is the first (it was a generic error)."""
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError, OverflowError):
        return 0


def selection(result, layer, head, token) -> tuple[int, str, int]:
    """The layer, head and token a run keeps from the controls, where the new result has them."""
    layer = min(slider_index(layer), result.num_layers - 1)
    head = head if head in [value for _, value in head_choices(result.num_heads)] else HEAD_MEAN
    # a causal model's last token sees the whole text; for BERT any token does, the middle one will do
    default_token = len(result.ids) - 1 if result.causal else len(result.ids) // 2
    return layer, head, token if isinstance(token, int) and token < len(result.ids) else default_token


def run_attention(ui: AttentionUI, service, model, text, pair, view, layer, head, token, prompt_chars=0,
                  generated_only=False, lang="en", progress=gr.Progress()):
    result = service.attention(model, text, pair, progress=progress_callback(progress)).result
    layer, head, token = selection(result, layer, head, token)
    out = service.attention_view(model, text, pair, view, layer, head, token, prompt_chars=prompt_chars)
    return {ui.key: {k: out.values[k] for k in ("model", "text", "text_pair", "prompt_chars")},
            # one layer: a slider from 0 to 0 is refused (with the whole update) by Gradio: 0 to 1, locked
            ui.layer: gr.update(maximum=max(1, result.num_layers - 1), value=layer, interactive=result.num_layers > 1),
            ui.head: gr.update(choices=head_choices(result.num_heads), value=head),
            ui.token: gr.update(choices=[(f"{i}: {label}", i) for i, label in enumerate(result.labels)], value=token),
            ui.plot: plot_payload(*out.result, lang, generated_only), ui.info: summary(out.result[0], lang),
            ui.exported: gr.update(visible=False),
            ui.code: python(service, out)}


def python(service, outcome) -> str:
    """Copy as Python for the shown layer and head (the code prints that one matrix, whatever the view)."""
    result, data = outcome.result
    return service.python(TAB, outcome, layer=data.layer, head=data.head, causal=result.causal)


def stored_view(service, key: dict, view, layer, head, token):
    """The view from stored weights; when they were evicted the model runs again, and that counts as a run
    against the client's rate limit (re-plots are free only while they are free)."""
    if not key:
        raise InvalidInput("attention.show_first")
    if not service.attention_stored(key["model"], key["text"], key["text_pair"]):
        service.limiter.check(client_key(service.settings.proxy_hops))
    return service.attention_view(key["model"], key["text"], key["text_pair"], view, layer, head, token or 0,
                                  prompt_chars=key.get("prompt_chars", 0))


def replot(ui: AttentionUI, service, key, view, layer, head, token, generated_only=False, lang="en") -> dict:
    if not key:
        return {}
    out = stored_view(service, key, view, layer, head, token)
    return {ui.plot: plot_payload(*out.result, lang, generated_only), ui.code: python(service, out)}


def relabel(ui: AttentionUI, service, key, view, layer, head, token, generated_only=False, lang="en") -> dict:
    """The shown view in the page's new language (share.on_language), from the stored weights only: when they
    were evicted the chart stays as it is rather than run the model for a language."""
    if not key or not service.attention_stored(key["model"], key["text"], key["text_pair"]):
        return {}
    out = stored_view(service, key, view, layer, head, token)
    return {ui.plot: plot_payload(*out.result, lang, generated_only), ui.info: summary(out.result[0], lang)}


def export_view(ui: AttentionUI, service, key, view, layer, head, token, generated_only=False, lang="en") -> dict:
    out = stored_view(service, key, view, layer, head, token)
    return {ui.exported: exports.json_download(service, file_name(*out.result), service.attention_json(out), None)}


def restore_layer(layer: int) -> dict:
    """A link's layer, before its model has run: reachable, and movable (a one-layer result locks it)."""
    return gr.update(maximum=max(1, layer), value=layer, interactive=True)


def restore_head(v):
    """The head list is filled by a run: offer the linked head until then."""
    numbered = v not in (HEAD_MEAN, HEAD_MAX)
    heads = [(t("att_head_n") + f" {h}", str(h)) for h in range(int(v) + 1)] if numbered else []
    return gr.update(choices=[(t("att_mean"), HEAD_MEAN), (t("att_max"), HEAD_MAX), *heads], value=str(v))


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_attention", "att-guide")
    with gr.Row():
        with gr.Column(scale=2, min_width=340):  # controls beside the chart: switch layers without scrolling
            model = controls.model(service, spec, "att-model")
            text = controls.textbox(spec, "text", "att-text", EXAMPLES[0][0], lines=3, max_lines=8)
            pair = controls.textbox(spec, "text_pair", "att-text-b")
            run = gr.Button(t("att_run"), variant="primary", elem_id="att-run")
            error = share.error_box("att-error")
            info = gr.Markdown(elem_id="att-info")
            view = gr.Radio([(t("att_" + v.replace(" ", "_")), v) for v in ATTENTION_VIEWS], value=HEATMAP,
                            label=t("att_view"), elem_id="att-view", info=t("att_view_info"))
            layer = gr.Slider(0, 1, value=0, step=1, label=t("att_layer"), elem_id="att-layer")
            head = gr.Dropdown(head_choices(0), value=HEAD_MEAN, label=t("att_head"), elem_id="att-head",
                               info=t("att_head_info"))
            token = gr.Dropdown([], label=t("att_token"), elem_id="att-token", filterable=True)
            generated_only = gr.Checkbox(False, label=t("att_generated_only"), info=t("att_generated_only_info"),
                                         elem_id="att-generated-only")
            prompt_chars = gr.Number(0, precision=0, label=t("att_prompt_chars"), visible=False,
                                     elem_id="att-prompt-chars")  # set by the Generate tab's "Show attention"
            export = gr.Button(t("att_export"), elem_id="att-export")
            exported = gr.File(label=t("att_exported"), elem_id="att-json", interactive=False, visible=False)
        with gr.Column(scale=5):
            plot = gr.Plot(elem_id="att-plot", show_label=False)
            gr.Markdown(t("att_help"))
    panel = share.panel("att", with_json=False)  # the JSON export is per view, above
    share.examples(service, EXAMPLES, [text, pair, model], t("examples"), ["ex_text", "ex_sentence_b", "ex_model"],
                   model_column=2)
    # the key is also the shown result's link values (model, text, sentence B, prompt_chars): links read it
    ui = AttentionUI(share.shown_link("att-shown"), layer, head, token, plot, info, exported, panel.code, error)

    inputs = [model, text, pair, view, layer, head, token, prompt_chars, generated_only]
    outputs = [ui.key, layer, head, token, plot, info, exported, panel.code, error]
    handler = bind(service, run_attention, ui, service, error=error, clear=[plot, info, ui.key, exported])
    events = [trigger(handler, inputs + [lang], outputs, concurrency_id=spec.concurrency_id,
                      api_visibility="private") for trigger in (run.click, text.submit)]
    chosen = [ui.key, view, layer, head, token, generated_only, lang]
    # .input: user changes only (typing, dragging, arrow keys), not the values a run sets; always_last
    # skips the intermediate positions of a drag. Re-plots read stored weights: not rate limited.
    replots = gr.on([view.input, layer.input, head.input, token.input, generated_only.input],
                    bind(service, replot, ui, service, rate_limited=False), chosen, [plot, panel.code],
                    trigger_mode="always_last", api_visibility="private", show_progress="minimal")
    share.on_language(service, lang, relabel, (ui, service), chosen[:-1], [plot, info])
    # An export writes a file: it counts against the rate limit, unlike a re-plot (#33).
    export.click(bind(service, export_view, ui, service), chosen, exported,
                 api_visibility="private")
    # A text the learner edits is no longer the generated one: its prompt | generated boundary goes.
    text.input(lambda: 0, None, prompt_chars, queue=False, api_visibility="private", show_progress="hidden")

    names = ["model", "text", "text_pair", "view", "layer", "head", "token", "prompt_chars", "generated_only"]
    fields = share.fields(spec, dict(zip(names, inputs)),
                          layer=Field("layer", layer, update=restore_layer),
                          head=Field("head", head, update=restore_head),
                          token=Field("token", token, js={"when": [3, TOKEN_VIEW]},
                                      update=lambda v: gr.update(choices=[(str(i), i) for i in range(v + 1)], value=v)))
    link = TabLink(TAB, fields, panel, run_button="att-run", ui=ui, shown=ui.key)
    share.wire(link, share.defaults_of(service, TAB), [*events, replots])
    return link
