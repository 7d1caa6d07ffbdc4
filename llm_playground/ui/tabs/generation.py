"""Text-generation tab: streamed output, per-token probabilities, decoding controls."""

from __future__ import annotations

import gradio as gr

from ...i18n.labels import t
from ...i18n.words import tr
from ...plots.generation import table_headers
from ...plots.text import code_span, md
from ...specs import DTYPES
from .. import controls, share
from ..common import bind
from ..share import Field, TabLink
from .generation_run import KEPT, GenerationUI, choose_branch, relabel, run_generation, show_branch, show_step

TAB = "generate"
BRANCH_PICK_JS = "(pick, seed, used, made) => [window.playgroundBranchPick || '', seed, used, made]"
EXAMPLES = [
    ["Once upon a time", "stories260K"],
    ["Lily wanted to play in the park, but", "stories260K"],
    ["Once upon a time, in a land far away", "gpt2"],
    ["羽田空港に到着、東京の街は", "rinna/japanese-gpt2-xsmall"],
]


def engines_note(status: list[dict], lang: str = "en") -> str:
    """Which engines serve which models, and which engine is down (shown above the Generate controls)."""
    lines = []
    for e in status:
        where = f"**{md(e['engine'])}** ({code_span(e['url'])})"
        if e["up"]:
            names = ", ".join(code_span(m["model"]) for m in e["models"]) or tr(lang, "engine_no_models")
            lines.append(tr(lang, "engine_up", where=where, names=names))
        else:
            lines.append(tr(lang, "engine_down", where=where))
    return (tr(lang, "engine_intro") + "\n" + "\n".join(lines)) if lines else ""


def refresh_engines(ui: GenerationUI, service, lang: str = "en") -> dict:
    """On page load: the engines' models (an engine down at start-up may be up now) and their state."""
    return {ui.model: gr.update(choices=service.tab_model_names(TAB)),
            ui.engines: gr.update(value=engines_note(service.engine_status(), lang))}


def fit_slider(service, model) -> dict:
    """The Max new tokens slider goes as far as the model's context (and the app's cap) allows."""
    cap = service.specs[TAB].param("max_new_tokens").high
    context = service.context_length(model) if isinstance(model, str) else None
    return gr.update(maximum=min(cap, context - 1) if context and context > 2 else cap)  # Gradio refuses 1 to 1


def wire_events(service, ui: GenerationUI, spec, run: gr.Button, stop: gr.Button, prompt: gr.Textbox, inputs: list,
                lang) -> list:
    """Generate (button, Enter), a popover's branch, a branch chosen from the list, the sampler's step, Stop.
    Returns the events after which the address bar follows the inputs."""
    handler = bind(service, run_generation, ui, service, error=ui.error,
                   clear=[ui.tokens, ui.stats, ui.chart, ui.table, ui.output, ui.made, ui.panel.json])
    outputs = [ui.output, ui.tokens, ui.stats, ui.chart, ui.table, ui.panel.json, ui.panel.code, ui.used_seed,
               ui.error, ui.last, ui.show_attention, ui.tree, ui.branches, ui.smp_step, ui.smp_chart, ui.smp_summary,
               ui.made]
    limits = {"concurrency_id": spec.concurrency_id,
              "concurrency_limit": service.concurrency_limit(spec.concurrency_id)}
    args = inputs + [ui.tree, lang]
    # The button's event is callable (undocumented) so the benchmark can time the real UI stream.
    runs = [run.click(handler, args, outputs, api_name="generate_ui", api_visibility="undocumented", **limits),
            prompt.submit(handler, args, outputs, api_visibility="private", **limits)]
    # A popover's choice: the page script leaves it in window.playgroundBranchPick and presses this button.
    go = gr.Button("branch", visible="hidden", elem_id="gen-branch-go")
    pick = gr.Textbox(visible="hidden", elem_id="gen-branch-pick")
    chosen = go.click(bind(service, choose_branch, ui, service, rate_limited=False),
                      [pick, ui.seed, ui.used_seed, ui.made],
                      [ui.prefix, ui.seed, *(c for name, c in ui.controls.items() if name not in KEPT)],
                      js=BRANCH_PICK_JS, api_visibility="private", queue=False)
    runs.append(chosen.success(handler, args, outputs, api_visibility="private", **limits))
    shown = ui.branches.input(bind(service, show_branch, ui, service, rate_limited=False),
                              [ui.branches, ui.tree, lang], outputs + [ui.prefix], api_visibility="private")
    # dragging sends many inputs: only the last one waiting is drawn
    ui.smp_step.input(bind(service, show_step, ui, rate_limited=False), [ui.tree, ui.smp_step, lang],
                      [ui.smp_chart, ui.smp_summary, ui.smp_step], api_visibility="private", show_progress="hidden",
                      trigger_mode="always_last")

    wire_stop(service, stop, runs, [run.click, prompt.submit, go.click])
    share.on_language(service, lang, relabel, (ui, service), [ui.tree, ui.made, ui.smp_step], outputs)
    return runs + [shown]


# Stop with nothing streaming cancels the Generate events still queued, but only those pressed before it: it used
# to fail (an HTTP 500 nobody saw) and its failure cancelled a Generate pressed just after it too (#32).
MARK_JS = "() => { window.playgroundGenerateAt = Date.now(); }"
STOP_JS = "() => { window.playgroundStopAt = Date.now(); return []; }"
CANCEL_JS = """(streaming) => { if (streaming === "idle" && !(window.playgroundGenerateAt > window.playgroundStopAt))
  document.getElementById("gen-cancel")?.click(); }"""


def wire_stop(service, stop: gr.Button, runs: list, presses: list) -> None:
    def stop_this_page(request: gr.Request) -> str:  # the stream ends itself and shows what it made, marked stopped
        return "stopping" if service.stop_generations(request.session_hash) else "idle"

    for press in presses:  # when Generate was last pressed, in the page's clock
        press(None, None, None, js=MARK_JS, api_visibility="private", queue=False)
    answer = gr.Textbox(visible="hidden", elem_id="gen-stop-answer")
    cancel = gr.Button("cancel", visible="hidden", elem_id="gen-cancel")
    cancel.click(None, None, None, cancels=runs, api_visibility="private", queue=False)
    stop.click(stop_this_page, None, answer, js=STOP_JS, queue=False, api_visibility="private").then(
        None, answer, None, js=CANCEL_JS, api_visibility="private", queue=False)


def build(service, lang) -> TabLink:
    spec = service.specs[TAB]
    share.guide("guide_generate", "gen-guide")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):  # results under the prompt: first on a phone, in view on a desktop
            model = controls.model(service, spec, "gen-model")
            engines = gr.Markdown(engines_note(service.engine_status()), visible=bool(service.engines),
                                  elem_id="gen-engines")
            prompt = controls.textbox(spec, "prompt", "gen-prompt", EXAMPLES[0][0], lines=2)
            with gr.Row():
                run = gr.Button(t("gen_run"), variant="primary", elem_id="gen-run")
                stop = gr.Button(t("gen_stop"), variant="stop", elem_id="gen-stop")
            error = share.error_box("gen-error")
            with gr.Tabs(elem_id="gen-views", overflow_behavior="wrap"):
                with gr.Tab(t("gen_view_tokens")):
                    tokens_view = gr.HTML(elem_id="gen-tokens")
                with gr.Tab(t("gen_view_chart")):
                    chart = gr.Plot(elem_id="gen-chart", show_label=False)
                with gr.Tab(t("gen_view_table")):
                    table = gr.Dataframe(headers=table_headers(), elem_id="gen-table", wrap=True)
                with gr.Tab(t("gen_view_sampler"), elem_id="gen-sampler-tab"):
                    smp_summary = gr.Markdown(t("gen_sampler_empty"), elem_id="gen-sampler-summary")
                    smp_step = gr.Slider(1, 2, value=1, step=1, label=t("gen_sampler_step"), visible=False,
                                         elem_id="gen-sampler-step")
                    smp_chart = gr.Plot(elem_id="gen-sampler-chart", show_label=False)
            branch_list = gr.Radio(choices=[], label=t("gen_branches"), info=t("gen_branches_info"), visible=False,
                                   elem_id="gen-branches")
            stats_ = gr.Markdown(elem_id="gen-stats")
            output = gr.Textbox(label=t("gen_output"), lines=3, interactive=False, buttons=["copy"],
                                elem_id="gen-output")
            show_attention = gr.Button(t("gen_show_attention"), size="sm", elem_id="gen-attention",
                                       visible=False)  # shown once a text is finished
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
            prefix = gr.Textbox(label=t("gen_prefix"), info=t("gen_prefix_info"), max_lines=1, elem_id="gen-prefix")
    panel = share.panel("gen")
    used_seed = gr.Number(visible=False, elem_id="gen-used-seed")  # the seed drawn for seed = -1, for links
    share.examples(service, EXAMPLES, [prompt, model], t("examples_course"), ["ex_prompt", "ex_model"], model_column=1)

    ui = GenerationUI(output, tokens_view, stats_, chart, table, panel, used_seed, error, gr.State(None),
                      show_attention, model, engines, prefix, seed, branch_list, gr.State(None), smp_step, smp_chart,
                      smp_summary, gr.JSON(None, visible="hidden", elem_id="gen-made"))
    inputs = [model, prompt, mode, max_new, temperature, top_k, top_p, rep, ngram, seed, nseq, dtype, prefix]
    names = ["model", "prompt", "do_sample", "max_new_tokens", "temperature", "top_k", "top_p", "repetition_penalty",
             "no_repeat_ngram_size", "seed", "num_sequences", "dtype", "prefix_ids"]
    ui.controls = dict(zip(names, inputs))
    events = wire_events(service, ui, spec, run, stop, prompt, inputs, lang)
    model.change(bind(service, fit_slider, service, rate_limited=False), model, max_new, api_visibility="private",
                 queue=False)
    for edited in (prompt, model):  # a branch belongs to its prompt and model: a new one starts from the prompt
        edited.input(None, None, prefix, js="() => ''", api_visibility="private")

    fields = share.fields(spec, dict(zip(names, inputs)), do_sample=Field(
        "do_sample", mode, update=lambda v: gr.update(value="sampling" if v else "greedy"),
        js={"map": {"greedy": "false", "sampling": "true"}}),
        seed=Field("seed", seed, js={"random": -1, "from": len(spec.link_params())}),  # -1: the seed drawn last
        prefix_ids=Field("prefix_ids", prefix, update=lambda v: gr.update(value=",".join(map(str, v)))))

    def engines_on_load(restored):  # after the link is restored: choices only, the value stays
        if service.engines:
            restored.then(bind(service, refresh_engines, ui, service, rate_limited=False), [lang], [model, engines],
                          api_visibility="private", show_progress="hidden")

    link = TabLink(TAB, fields, panel, run_button="gen-run", extra_js=[used_seed], on_load=engines_on_load, ui=ui,
                   shown=ui.made)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
