"""#32's silent surprises and plain numbers, said in words: Unload with nothing chosen, a --models-dir one level too
high, "1 steps", a stale JSON download after an error, SI prefixes on probability and KL axes."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from llm_playground.errors import InvalidInput
from llm_playground.i18n.messages import Word
from llm_playground.models.catalog import models_dir_note
from llm_playground.plots import compare, generation, logit_lens, next_token
from llm_playground.plots.finetune import result_summary
from llm_playground.ui.binding import bind
from llm_playground.ui.tabs import models as models_tab


@pytest.mark.parametrize("lang,words", [("en", "choose a loaded model"), ("ja", "モデルを選び")])
def test_unload_with_nothing_chosen_says_what_to_do(shared_service, monkeypatch, lang, words):
    said = []
    monkeypatch.setattr(gr, "Warning", lambda message, **kw: said.append(message))
    ui = SimpleNamespace(info="info", loaded="loaded", cache="cache", cache_empty="empty", unload_name="name",
                         repo="repo")
    models_tab.unload(ui, shared_service, None, lang)
    assert len(said) == 1 and words in said[0] and "None" not in said[0]


def model_folder(folder):
    folder.mkdir(parents=True)
    (folder / "tokenizer.json").write_text("{}")


def test_a_models_dir_one_level_too_high_is_a_warning_that_names_the_right_one(tmp_path):
    model_folder(tmp_path / "models" / "my-gpt")
    note, warning = models_dir_note(tmp_path)
    assert warning and "holds no model folder" in note and f"--models-dir {tmp_path / 'models'}" in note
    note, warning = models_dir_note(tmp_path / "models" / "my-gpt")  # a model folder itself: no hint to give
    assert warning and "did you mean" not in note


def test_the_start_up_log_lists_what_a_models_dir_added(tmp_path):
    model_folder(tmp_path / "a-tokenizer")
    note, warning = models_dir_note(tmp_path)
    assert not warning and note == f"--models-dir {tmp_path} added 1 model(s): a-tokenizer (tokenizer)"


@pytest.mark.parametrize("steps,en,ja", [(1, "**Finished** 1 step in", "1 ステップ（"),
                                         (2, "**Finished** 2 steps in", "2 ステップ（")])
def test_one_step_is_singular(steps, en, ja):
    result = {"reason": "finished", "steps": steps, "seconds": 1.0, "model": "m", "training_loss": 1.0,
              "last_loss": None, "perplexity_before": None}
    assert en in result_summary(result, "en") and ja in result_summary(result, "ja")


def test_an_error_hides_the_previous_results_download(shared_service):
    """The JSON download still offered the last good result after a run failed."""
    with gr.Blocks():
        download, box, text = gr.DownloadButton(visible=True), gr.Markdown(), gr.Markdown()

    def failing(ui, service, text, lang="en"):
        raise InvalidInput("text.empty", what=Word("prompt"))

    out = bind(shared_service, failing, None, shared_service, error=box, clear=[text, download])("", "en")
    assert out[download] == gr.update(value=None, visible=False) and out[text] is None
    assert out[box]["visible"] is True


def axes(fig) -> list:
    layout = fig.layout
    return [layout[name] for name in layout if name.startswith(("xaxis", "yaxis"))]


@pytest.mark.parametrize("name", ["compare", "generation", "next_token", "logit_lens"])
def test_probability_and_kl_axes_use_no_si_prefixes(name):
    """Plotly's default ("B") writes 2e-12 bits as "2p" and 0.0005 as "500µ": every axis and colour bar says powers
    of ten instead."""
    tokens = [{"token": " a", "id": 1, "prob": 0.0005, "other_prob": 0.0004, "kl_bits": 2e-12, "kept": True,
               "prob_after_filters": 0.0005, "top": [{"token": " a", "id": 1, "prob": 0.0005}]}] * 3
    lens = {"tokens": [" a", " b"], "layers": 2, "grid": [[{"top": [{"token": " a", "prob": 0.0005}], "entropy": 1.0}]
                                                          * 2] * 2}
    side = {"model": "m", "dtype": "float32", "do_sample": False, "temperature": 1.0, "tokens": tokens}
    fig = {"compare": lambda: compare.figure({"a": side, "b": side, "first_difference": None,
                                              "shared_vocabulary": True}),
           "generation": lambda: generation.probability_figure(tokens),
           "next_token": lambda: next_token.candidates_figure(tokens),
           "logit_lens": lambda: logit_lens.grid_figure(lens)}[name]()
    assert axes(fig) and all(axis.exponentformat == "power" for axis in axes(fig))
    assert all(t.colorbar.exponentformat == "power" for t in fig.data if t.type == "heatmap")


def test_compares_chart_in_japanese_has_no_english_axis_title():
    """The KL axis read "bits" in the Japanese page (#32: no text in the other language after the switch)."""
    import re

    tokens = [{"token": " a", "id": 1, "prob": 0.5, "other_prob": 0.4, "kl_bits": 0.1}] * 3
    side = {"model": "m", "dtype": "float32", "do_sample": False, "temperature": 1.0, "tokens": tokens}
    fig = compare.figure({"a": side, "b": side, "first_difference": None, "shared_vocabulary": True}, "ja")
    titles = [axis.title.text or "" for axis in axes(fig)] + [a.text for a in fig.layout.annotations]
    assert titles and not [t for t in titles if re.search(r"[A-Za-z]{3,}", t.replace("KL", ""))], titles
