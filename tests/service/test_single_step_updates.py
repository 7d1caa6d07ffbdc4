"""Updates with a single choice: a slider from 1 to 1 (one generated token) or from 0 to 0 (a one-layer
model). Gradio builds each updated component anew and refuses such a slider, and with it the whole update:
the page showed 'Error' and nothing of the result. Seen in the Generate tab when Stop landed right after an
engine's first token."""

from __future__ import annotations

import gradio as gr
import pytest

from llm_playground.config import Settings
from llm_playground.service.playground import PlaygroundService
from llm_playground.ui.app import build_tabs
from llm_playground.ui.tabs import attention as attention_tab
from llm_playground.ui.tabs import generation_run

from ..fixtures import save_tiny_gpt2


def as_gradio_applies(outputs: dict) -> None:
    """Rebuild every component that an update dict changes, the way gradio's postprocess_data does."""
    for component, update in outputs.items():
        if isinstance(update, dict) and update.get("__type__") == "update":
            kwargs = component.constructor_args | update
            kwargs.pop("value", None), kwargs.pop("__type__")
            type(component)(**kwargs | {"render": False})


@pytest.fixture(scope="module")
def one_layer(tmp_path_factory):
    root = tmp_path_factory.mktemp("one-layer")
    save_tiny_gpt2(root / "one-layer-gpt2", layers=1)
    service = PlaygroundService(Settings(models_dir=root))
    with gr.Blocks():
        with gr.Tabs() as tabs:
            links = {link.tab: link for link in build_tabs(service, tabs)}
    yield service, links
    service.close()


def test_a_one_layer_model_in_the_attention_tab(one_layer):
    service, links = one_layer
    ui = links["attention"].ui
    out = attention_tab.run_attention(ui, service, "one-layer-gpt2", "Hello there", "", "heatmap", 0, "mean", None)
    assert out[ui.layer]["value"] == 0
    as_gradio_applies(out)


def test_one_generated_token_in_the_generate_tab(one_layer):
    service, links = one_layer
    ui = links["generate"].ui
    updates = list(generation_run.run_generation(ui, service, "one-layer-gpt2", "Hello", "greedy", 1, 1.0, 50, 1.0,
                                                 1.0, 0, 0, 1, "auto"))
    final = updates[-1]
    assert "1 tokens" in final[ui.stats] and final[ui.smp_step]["visible"] is False
    as_gradio_applies(final)
