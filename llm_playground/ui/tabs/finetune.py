"""Fine-tune tab: train a copy of a causal LM on the learner's text with the Trainer, watch the loss fall, and
compare before and after. The run lives on the service (service/finetune.py); this tab starts it, polls its
state twice a second, and renders it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ...errors import PlaygroundError
from ...i18n.labels import t
from ...i18n.words import tr
from ...plots.finetune import comparison_html, loss_figure, progress_line, result_summary
from ...service.finetune_jobs import DONE, wait
from ...serving.uploads import remove
from ...tasks.text_upload import read_upload
from .. import controls, share
from ..common import bind, client_key
from ..share import Panel, TabLink

TAB = "fine-tune"
EXAMPLE_TEXT = ("Pip the blue robot loved to paint clouds on the kitchen wall.\n"
                "Every morning Pip the blue robot painted a new cloud and sang a little song.\n") * 4
EXAMPLE_EVAL = "Pip the blue robot sang a little song to the clouds on the wall.\n"  # new, in the same style


@dataclass
class FineTuneUI:
    status: gr.Markdown
    chart: gr.Plot
    summary: gr.Markdown
    compare: gr.HTML
    download: gr.DownloadButton
    panel: Panel
    error: gr.Markdown
    train_text: gr.Textbox
    shown: gr.State | None = None  # the ended run's last snapshot and result: the language switch re-renders them


def _client(service) -> str:
    return client_key(service.settings.proxy_hops)


def load_file(ui: FineTuneUI, service, file, lang="en") -> dict:
    """An uploaded .txt/.jsonl file fills the training text (bad files are refused with a reason). The file is
    deleted once read, whatever it held: it was uploaded for this only (serving/uploads.py)."""
    if not file:
        return {}
    try:
        text = read_upload(file)
    finally:
        remove(str(file))
    return {ui.train_text: uploaded_text(text, Path(file).name[-60:], int(service.specs[TAB].param("train_text").high))}


SURROGATE = re.compile("[\ud800-\udfff]")


def uploaded_text(text: str, name: str, limit: int) -> str:
    """A file's text within the training text's limits, refused with messages naming the file: a lone surrogate
    (a .jsonl line can escape one) reached the page and cut its update stream."""
    text = text.replace("\x00", "")
    if SURROGATE.search(text):
        raise PlaygroundError("upload.lone_surrogate", name=name)
    if len(text) > limit:
        raise PlaygroundError("upload.too_long", name=name, n=len(text), limit=limit)
    return text


def live(ui: FineTuneUI, snapshot: dict, lang: str) -> dict:
    return {ui.status: progress_line(snapshot, lang), ui.chart: loss_figure(snapshot, lang)}


def finished(ui: FineTuneUI, service, job, snapshot: dict, lang: str) -> dict:
    shown = {"snapshot": snapshot, "result": job.result.to_dict()}
    zip_path = service.fine_tuner.download(job, owner=_client(service))
    return {**relabel(ui, shown, lang), ui.shown: shown, ui.download: gr.update(value=str(zip_path), visible=True),
            ui.panel.code: service.fine_tuner.python(job)}


def relabel(ui: FineTuneUI, shown, lang="en") -> dict:
    """An ended run's progress, curve, summary and before/after in `lang` (after it, and after the language
    switch); a run under way redraws itself in the language it started in."""
    if not shown:
        return {}
    result = shown["result"]
    return {**live(ui, shown["snapshot"], lang), ui.summary: result_summary(result, lang),
            ui.compare: comparison_html(result["comparisons"], lang)}


def train(ui: FineTuneUI, service, model, train_text, eval_text, max_steps, learning_rate, batch_size, max_seq_len,
          max_seconds, seed, lang="en"):
    job = service.fine_tuner.start(model, train_text, eval_text, client=_client(service), max_steps=max_steps,
                                   learning_rate=learning_rate, batch_size=batch_size, max_seq_len=max_seq_len,
                                   max_seconds=max_seconds, seed=seed)
    yield {ui.summary: "", ui.compare: "", ui.download: gr.update(value=None, visible=False), ui.shown: None}
    snapshot = {}
    for snapshot in wait(job):  # closing this generator (page left) stops the run
        yield live(ui, snapshot, lang)
    if job.status != DONE:
        raise PlaygroundError(job.error)
    yield finished(ui, service, job, snapshot, lang)


def stop(ui: FineTuneUI, service, lang="en") -> dict:
    stopping = service.fine_tuner.stop(_client(service))
    return {ui.status: tr(lang, "ft_stopping" if stopping else "ft_nothing_to_stop")}


def build(service, lang) -> TabLink:
    spec, enabled = service.specs[TAB], service.settings.fine_tune
    share.guide("guide_fine_tune", "ft-guide")
    if not enabled:
        gr.Markdown(t("ft_off"), elem_id="ft-off", elem_classes=["run-error"])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            model = controls.model(service, spec, "ft-model")
            train_text = gr.Textbox(label=t("ft_train_text"), value=EXAMPLE_TEXT, lines=6, max_lines=14,
                                    max_length=int(spec.param("train_text").high), elem_id="ft-train-text")
            # interactive only where fine-tuning is on: otherwise the app takes no uploads at all (serving/gate.py)
            upload = gr.UploadButton(t("ft_upload"), file_types=[".txt", ".jsonl"], type="filepath", size="sm",
                                     variant="secondary", elem_id="ft-upload", interactive=enabled)
            eval_text = gr.Textbox(label=t("ft_eval_text"), value=EXAMPLE_EVAL, lines=2, max_lines=8,
                                   max_length=int(spec.param("eval_text").high), elem_id="ft-eval-text")
            with gr.Row():
                run = gr.Button(t("ft_run"), variant="primary", elem_id="ft-run", interactive=enabled)
                halt = gr.Button(t("ft_stop"), variant="stop", elem_id="ft-stop", interactive=enabled)
            error = share.error_box("ft-error")
            status = gr.Markdown(elem_id="ft-status")
            chart = gr.Plot(elem_id="ft-chart", show_label=False)
            summary = gr.Markdown(elem_id="ft-summary")
            compare = gr.HTML(elem_id="ft-compare")
            download = gr.DownloadButton(t("ft_download"), visible=False, size="sm", elem_id="ft-download")
        with gr.Column(scale=2):
            steps = controls.slider(spec, "max_steps", "ft-steps")
            lr = gr.Number(value=spec.param("learning_rate").default, label=t("ft_lr"), info=t("ft_lr_info"),
                           minimum=spec.param("learning_rate").low, maximum=spec.param("learning_rate").high,
                           elem_id="ft-lr")
            batch = controls.slider(spec, "batch_size", "ft-batch")
            seq_len = controls.slider(spec, "max_seq_len", "ft-seq-len", info="ft_seq_len_info")
            seconds = controls.slider(spec, "max_seconds", "ft-seconds")
            seed = gr.Number(value=spec.param("seed").default, precision=0, label=t("ft_seed"), minimum=0,
                             elem_id="ft-seed")
    panel = share.panel("ft", with_json=False)
    ui = FineTuneUI(status, chart, summary, compare, download, panel, error, train_text, gr.State(None))
    inputs = [model, train_text, eval_text, steps, lr, batch, seq_len, seconds, seed]
    handler = bind(service, train, ui, service, error=error, clear=[status, summary, compare, download, ui.shown])
    events = [run.click(handler, inputs + [lang], [status, chart, summary, compare, download, panel.code, error,
                                                   ui.shown], concurrency_id=spec.concurrency_id,
                        api_visibility="private")]
    share.on_language(service, lang, relabel, (ui,), [ui.shown], [status, chart, summary, compare])
    # Stop only sets the run's flag: it must not wait behind the training event's queue.
    halt.click(bind(service, stop, ui, service, rate_limited=False), [lang], [status], queue=False,
               api_visibility="private")
    upload.upload(bind(service, load_file, ui, service, error=error), [upload, lang], [train_text, error],
                  api_visibility="private")
    names = ["model", "max_steps", "learning_rate", "batch_size", "max_seq_len", "max_seconds", "seed"]
    link = TabLink(TAB, share.fields(spec, dict(zip(names, [model, steps, lr, batch, seq_len, seconds, seed]))),
                   panel, ui=ui)  # no run_button: a link or a reload never starts training (specs: link_runs)
    share.wire(link, share.defaults_of(service, TAB), events)
    return link
