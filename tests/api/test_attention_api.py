"""/attention through gradio_client against the launched app."""

from __future__ import annotations

import numpy as np
import pytest
from gradio_client.exceptions import AppError
from transformers import AutoModel, AutoModelForCausalLM

from ..tolerance import assert_allclose
from ..unit.test_attention import BANK, plain_attentions


def test_attention_endpoint_mean_and_single_head(client, app_server, models_dir):
    text = "Once upon a time, there was a little girl"
    mean = client.predict(model="stories260K", text=text, layer=2, head=-1, api_name="/attention")
    assert set(mean) >= {"model", "tokens", "num_layers", "num_heads", "layer", "head", "weights"}
    assert (mean["model"], mean["num_layers"], mean["num_heads"], mean["layer"], mean["head"]) == \
        ("stories260K", 5, 8, 2, -1)
    ids, expected = plain_attentions(models_dir / "stories260K", AutoModelForCausalLM, text, None)
    weights = np.array(mean["weights"])
    assert weights.shape == (len(ids), len(ids)) == (len(mean["tokens"]),) * 2
    assert_allclose(weights, expected[2].mean(0))
    np.testing.assert_allclose(weights.sum(1), 1.0, atol=1e-5)
    assert not np.triu(weights, k=1).any()  # causal

    runs = app_server[1].attention_cache.runs
    one = client.predict(model="stories260K", text=text, layer=4, head=7, api_name="/attention")
    assert_allclose(one["weights"], expected[4, 7])
    assert app_server[1].attention_cache.runs == runs  # another layer/head of the same text: no new pass


def test_attention_endpoint_bert_pair(client, models_dir):
    result = client.predict(model="minilm", text=BANK, layer=0, head=3, text_pair="The river bank was flooded.",
                            api_name="/attention")
    ids, expected = plain_attentions(models_dir / "minilm", AutoModel, BANK, "The river bank was flooded.")
    assert result["tokens"][0] == "[CLS]" and result["tokens"].count("[SEP]") == 2
    assert_allclose(result["weights"], expected[0, 3])


@pytest.mark.parametrize("kwargs,message", [
    (dict(text=""), "text is empty"),
    (dict(text="word " * 600), "602 tokens; at most 512"),
    (dict(layer=6), r"layer must be in \[0, 5\]"),
    (dict(head=12), r"head must be in \[0, 11\]"),
    (dict(head=-2), "-1 means the mean over heads"),
    (dict(model="gpt2"), "cannot be reached"),
    (dict(model="stories260K", text_pair="B"), "Sentence B is for BERT-style models"),
])
def test_attention_errors_are_clear(client, kwargs, message):
    args = dict(model="minilm", text=BANK, layer=0, head=-1) | kwargs
    with pytest.raises(AppError, match=message):
        client.predict(api_name="/attention", **args)
