"""/fill_mask and /next_sentence through gradio_client against the launched app."""

from __future__ import annotations

import pytest
from gradio_client.exceptions import AppError

from llm_playground.models.catalog import FILL_MASK, NEXT_SENTENCE
from llm_playground.tasks.fill_mask import fill_mask
from llm_playground.tasks.next_sentence import next_sentence

from ..tolerance import close

SEED = "I played [MASK] with my friends at school yesterday"


def test_fill_mask_endpoint(client, shared_manager):
    result = client.predict(model="tiny-bert", text=SEED, top_k=5, api_name="/fill_mask")
    assert result["model"] == "tiny-bert" and result["tokens"][3] == "[MASK]"
    [mask] = result["masks"]
    assert mask["position"] == 3 and len(mask["predictions"]) == 5
    assert all(set(p) == {"token", "id", "score", "sequence"} for p in mask["predictions"])
    direct = fill_mask(shared_manager.get("tiny-bert", FILL_MASK), SEED, 5)  # same folder, separate copy
    assert [p["id"] for p in mask["predictions"]] == [p.id for p in direct.masks[0].predictions]
    assert [p["score"] for p in mask["predictions"]] == close(
        [p.score for p in direct.masks[0].predictions])


def test_fill_mask_endpoint_roberta_and_default_top_k(client):
    result = client.predict(model="tiny-roberta", text="I played [MASK] with [MASK].", api_name="/fill_mask")
    assert result["tokens"].count("<mask>") == 2
    assert [len(m["predictions"]) for m in result["masks"]] == [5, 5]


def test_next_sentence_endpoint(client, shared_manager):
    a, b = "What is baseball ?", "It is a game of hitting the ball with the bat."
    result = client.predict(model="tiny-bert", sentence_a=a, sentence_b=b, api_name="/next_sentence")
    assert set(result) == {"model", "is_next", "not_next", "logits", "tokens", "input_ids", "token_type_ids",
                           "attention_mask"}
    assert result["is_next"] + result["not_next"] == pytest.approx(1.0, abs=1e-6)
    direct = next_sentence(shared_manager.get("tiny-bert", NEXT_SENTENCE), a, b)
    assert result["logits"] == close(direct.logits)
    assert result["token_type_ids"] == direct.token_type_ids and result["tokens"][0] == "[CLS]"


def test_both_tabs_share_one_copy(client, app_server):
    client.predict(model="tiny-bert", text=SEED, top_k=2, api_name="/fill_mask")
    client.predict(model="tiny-bert", sentence_a="a", sentence_b="b", api_name="/next_sentence")
    manager = app_server[1].manager
    source = manager.catalog.entries["tiny-bert"].source
    assert manager.load_counts[source] == 1
    assert [m.name for m in manager.loaded()].count("tiny-bert") == 1


@pytest.mark.parametrize("kwargs,message", [
    (dict(text="no mask here"), "has no \\[MASK\\]"),
    (dict(text=""), "empty"),
    (dict(top_k=0), "top_k"),
    (dict(top_k=1000), "top_k"),
    (dict(model="tiny-bert-base"), "no masked-language-model"),
    (dict(model="bert-base-uncased"), "cannot be reached"),
])
def test_fill_mask_errors_are_clear(client, kwargs, message):
    args = dict(model="tiny-bert", text=SEED, top_k=5) | kwargs
    with pytest.raises(AppError, match=message):
        client.predict(api_name="/fill_mask", **args)


@pytest.mark.parametrize("kwargs,message", [
    (dict(model="tiny-roberta"), "no next-sentence-prediction \\(NSP\\) head"),
    (dict(model="tiny-bert-no-nsp"), "no next-sentence-prediction \\(NSP\\) head"),
    (dict(sentence_b=""), "sentence B is empty"),
    (dict(sentence_a="word " * 200), "at most 128 tokens"),
])
def test_next_sentence_errors_are_clear(client, kwargs, message):
    args = dict(model="tiny-bert", sentence_a="What is baseball ?", sentence_b="A game.") | kwargs
    with pytest.raises(AppError, match=message):
        client.predict(api_name="/next_sentence", **args)
    assert client.predict(model="tiny-bert", sentence_a="a", sentence_b="b", api_name="/next_sentence")["tokens"]
