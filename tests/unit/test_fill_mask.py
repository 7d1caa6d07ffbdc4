"""Fill-mask task: scores equal an independent computation with plain transformers, for BERT and RoBERTa."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer

from llm_playground.errors import InvalidInput, TaskNotSupported
from llm_playground.models.catalog import ATTENTION, FILL_MASK, tasks_for_config
from llm_playground.plots.fill_mask import prediction_figure, prediction_rows, token_rows
from llm_playground.tasks.fill_mask import fill_mask

SEED = "I played [MASK] with my friends at school yesterday"


def independent_probs(folder, text: str) -> tuple[list[int], torch.Tensor]:
    """(input ids, softmax over the vocabulary at every position) from a separately loaded *ForMaskedLM."""
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForMaskedLM.from_pretrained(folder).eval()
    enc = tok(text, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits[0].double()
    return enc["input_ids"][0].tolist(), torch.exp(logits - torch.logsumexp(logits, -1, keepdim=True))


def check_against(result, ids, probs, k):
    assert result.input_ids == ids
    for mask in result.masks:
        expected = probs[mask.position]
        assert expected.sum().item() == pytest.approx(1.0, abs=1e-9)
        top = expected.topk(k)
        assert [p.id for p in mask.predictions] == top.indices.tolist()
        assert [p.score for p in mask.predictions] == pytest.approx(top.values.tolist(), rel=1e-4, abs=1e-9)
        scores = [p.score for p in mask.predictions]
        assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1


def test_bert_scores_match_plain_transformers(shared_manager, models_dir):
    loaded = shared_manager.get("tiny-bert", FILL_MASK)
    result = fill_mask(loaded, SEED, top_k=7)
    ids, probs = independent_probs(models_dir / "tiny-bert", SEED)
    assert [m.position for m in result.masks] == [3]
    assert result.tokens[:5] == ["[CLS]", "i", "played", "[MASK]", "with"] and result.tokens[-1] == "[SEP]"
    check_against(result, ids, probs, 7)
    first = result.masks[0].predictions[0]
    assert first.token == loaded.tokenizer.decode([first.id]).strip()
    assert first.sequence == loaded.tokenizer.decode(ids[1:3] + [first.id] + ids[4:-1])


def test_several_masks_are_scored_independently(shared_manager, models_dir):
    text = "The [MASK] raised the interest [MASK], and the river [mask] was flooded."
    result = fill_mask(shared_manager.get("tiny-bert", FILL_MASK), text, top_k=4)
    assert len(result.masks) == 3 and all(result.tokens[m.position] == "[MASK]" for m in result.masks)
    ids, probs = independent_probs(models_dir / "tiny-bert", text.replace("[mask]", "[MASK]"))
    check_against(result, ids, probs, 4)
    # Filling mask #2 leaves #1 and #3 in place, so each completed text shows one choice at a time.
    sequence = result.masks[1].predictions[0].sequence
    assert sequence.count("[MASK]") == 2 and sequence.startswith("the [MASK] raised the interest")


def test_roberta_maps_mask_to_its_own_token(shared_manager, models_dir):
    loaded = shared_manager.get("tiny-roberta", FILL_MASK)
    result = fill_mask(loaded, "I played [MASK] with my friends at school [MASK].", top_k=5)
    assert result.text == "I played <mask> with my friends at school <mask>."
    assert result.tokens.count("<mask>") == 2 and "[" not in "".join(result.tokens)
    ids, probs = independent_probs(models_dir / "tiny-roberta", result.text)
    check_against(result, ids, probs, 5)
    # The other mask keeps its space although <mask> swallows the one before it when tokenized.
    assert result.masks[0].predictions[0].sequence.endswith(" with my friends at school <mask>.")
    assert result.masks[1].predictions[0].sequence.startswith("I played <mask> with my friends at school")
    # The model's own token works too.
    own, ours = fill_mask(loaded, "I played <mask> with", 3), fill_mask(loaded, "I played [MASK] with", 3)
    assert own.input_ids == ours.input_ids


def test_tokens_show_word_pieces(shared_manager):
    result = fill_mask(shared_manager.get("tiny-bert", FILL_MASK), "It was tokenized by [MASK].", 3)
    assert "token" in result.tokens and "##ized" in result.tokens


def test_result_dict_is_the_api_shape(shared_manager):
    out = fill_mask(shared_manager.get("tiny-bert", FILL_MASK), SEED, 3).to_dict("tiny-bert")
    assert set(out) >= {"model", "tokens", "masks"}
    assert set(out["masks"][0]) == {"position", "predictions"}
    assert set(out["masks"][0]["predictions"][0]) == {"token", "id", "score", "sequence"}


@pytest.mark.parametrize("text,top_k,message", [
    ("I played football.", 5, "has no \\[MASK\\]"),
    ("", 5, "empty"),
    ("   ", 5, "empty"),
    (" ".join(["[MASK]"] * 21), 5, "21 masks; the limit is 20"),
    ("word " * 200 + "[MASK]", 5, "at most 128 tokens"),
    (SEED, 0, "top_k"),
    (SEED, 51, "top_k"),
    (SEED, 2.5, "top_k"),
    (SEED, math.nan, "top_k"),
    (SEED, "five", "top_k"),
    ("x" * 6000 + "[MASK]", 5, "limit is 5,000"),
])
def test_bad_input_is_refused(shared_service, text, top_k, message):
    with pytest.raises(InvalidInput, match=message):
        shared_service.fill_mask("tiny-bert", text, top_k)


def test_roberta_no_mask_names_its_token(shared_manager):
    with pytest.raises(InvalidInput, match="or the model's own <mask>"):
        fill_mask(shared_manager.get("tiny-roberta", FILL_MASK), "no mask here", 5)


@pytest.mark.parametrize("name", ["tiny-bert-base", "minilm", "stories260K", "gpt2-tokenizer"])
def test_models_without_mlm_head_are_refused(shared_manager, name):
    with pytest.raises(TaskNotSupported, match="no masked-language-model \\(MLM\\) head"):
        shared_manager.get(name, FILL_MASK)


def test_task_itself_refuses_a_model_loaded_for_another_tab(shared_manager):
    loaded = shared_manager.get("minilm", ATTENTION)  # a bare encoder: no MLM head at all
    with pytest.raises(TaskNotSupported, match="no fill-mask head"):
        fill_mask(loaded, SEED, 5)


def test_catalogue_drops_fill_mask_when_bert_mlm_weights_are_missing():
    config = {"model_type": "bert", "architectures": ["BertForPreTraining"]}
    assert FILL_MASK in tasks_for_config(config, {"bert.embeddings.word_embeddings.weight", "cls.predictions.bias"})
    assert FILL_MASK not in tasks_for_config(config, {"bert.embeddings.word_embeddings.weight",
                                                      "cls.seq_relationship.weight"})


def test_plot_and_tables(shared_manager):
    out = fill_mask(shared_manager.get("tiny-bert", FILL_MASK), "The [MASK] raised the [MASK].", 4).to_dict("m")
    fig = prediction_figure(out["masks"])
    assert len(fig.data) == 2 and all(len(bar.x) == 4 for bar in fig.data)
    assert list(fig.data[0].y) == [f"{r}. {p['token']}" for r, p in enumerate(out["masks"][0]["predictions"], 1)]
    assert len(prediction_rows(out["masks"])) == 8
    rows = token_rows(out["tokens"], out["input_ids"], [m["position"] for m in out["masks"]])
    assert [r[3] for r in rows if r[3]] == ["#1", "#2"] and rows[0][1] == "[CLS]"
