"""Next-sentence task: probabilities equal plain transformers; heads missing from the weights are refused."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoTokenizer, BertForNextSentencePrediction

from llm_playground.config import Settings
from llm_playground.errors import InvalidInput, TaskNotSupported
from llm_playground.models.catalog import FILL_MASK, NEXT_SENTENCE
from llm_playground.models.manager import ModelManager
from llm_playground.plots.next_sentence import nsp_figure, percent, token_rows
from llm_playground.tasks.fill_mask import fill_mask
from llm_playground.tasks.next_sentence import next_sentence

from ..fixtures import drop_weights, save_tiny_bert

A = "What is baseball ?"
B_NEXT = "It is a game of hitting the ball with the bat."
B_OTHER = "This food is made with flour and milk."


@pytest.mark.parametrize("b", [B_NEXT, B_OTHER])
def test_matches_plain_transformers(shared_manager, models_dir, b):
    result = next_sentence(shared_manager.get("tiny-bert", NEXT_SENTENCE), A, b)
    folder = models_dir / "tiny-bert"
    tok = AutoTokenizer.from_pretrained(folder)
    enc = tok(A, b, return_tensors="pt")
    with torch.no_grad():
        logits = BertForNextSentencePrediction.from_pretrained(folder).eval()(**enc).logits[0].double()
    assert result.logits == pytest.approx(logits.tolist(), abs=1e-5)
    e = torch.exp(logits - logits.max())
    assert [result.is_next, result.not_next] == pytest.approx((e / e.sum()).tolist(), abs=1e-6)
    assert result.is_next + result.not_next == pytest.approx(1.0, abs=1e-6)
    assert result.input_ids == enc["input_ids"][0].tolist()
    assert result.token_type_ids == enc["token_type_ids"][0].tolist()
    assert result.attention_mask == [1] * len(result.input_ids)
    assert result.tokens == tok.convert_ids_to_tokens(result.input_ids)


def test_segments_are_aligned_per_token(shared_manager):
    r = next_sentence(shared_manager.get("tiny-bert", NEXT_SENTENCE), A, B_NEXT)
    assert len(r.tokens) == len(r.input_ids) == len(r.token_type_ids) == len(r.attention_mask)
    first_sep = r.tokens.index("[SEP]")
    assert r.tokens[:5] == ["[CLS]", "what", "is", "baseball", "?"] and first_sep == 5
    assert set(r.token_type_ids[:first_sep + 1]) == {0} and set(r.token_type_ids[first_sep + 1:]) == {1}
    rows = token_rows(r.tokens, r.input_ids, r.token_type_ids, r.attention_mask)
    assert rows[0] == [0, "[CLS]", 101, 0, "A", 1] and rows[-1][1:5] == ["[SEP]", 102, 1, "B"]


def test_order_matters(shared_manager):
    loaded = shared_manager.get("tiny-bert", NEXT_SENTENCE)
    ab, ba = next_sentence(loaded, A, B_NEXT), next_sentence(loaded, B_NEXT, A)
    assert ab.logits != ba.logits and ab.token_type_ids != ba.token_type_ids


@pytest.mark.parametrize("a,b,message", [
    ("", B_NEXT, "sentence A is empty"),
    (A, "  ", "sentence B is empty"),
    (A, "word " * 200, "at most 128 tokens"),
    ("\ud800", B_NEXT, "invalid Unicode"),
])
def test_bad_input_is_refused(shared_service, a, b, message):
    with pytest.raises(InvalidInput, match=message):
        shared_service.next_sentence("tiny-bert", a, b)


@pytest.mark.parametrize("name", ["tiny-roberta", "tiny-bert-no-nsp", "tiny-bert-base", "stories260K"])
def test_models_without_nsp_head_are_refused(shared_manager, name):
    assert name not in shared_manager.catalog.names(NEXT_SENTENCE)
    with pytest.raises(TaskNotSupported, match="no next-sentence-prediction \\(NSP\\) head"):
        shared_manager.get(name, NEXT_SENTENCE)


def test_checkpoint_without_nsp_weights_still_fills_masks(shared_manager):
    loaded = shared_manager.get("tiny-bert-no-nsp", FILL_MASK)
    assert NEXT_SENTENCE not in loaded.tasks
    with pytest.raises(TaskNotSupported, match="no next-sentence head"):
        next_sentence(loaded, A, B_NEXT)  # the task checks too, whoever hands it the model


@pytest.fixture(scope="module")
def bin_manager(tmp_path_factory):
    """pytorch_model.bin checkpoints: the catalogue cannot read their tensor names, only the load can."""
    root = tmp_path_factory.mktemp("bin-models")
    for name, prefix in (("bert-bin-no-nsp", "cls.seq_relationship"), ("bert-bin-no-mlm", "cls.predictions")):
        save_tiny_bert(root / name)
        drop_weights(root / name, prefix, as_bin=True)
    save_tiny_bert(root / "bert-bin")
    drop_weights(root / "bert-bin", "no-such-tensor", as_bin=True)  # only converts it to .bin
    return ModelManager(Settings(models_dir=root), hub_probe=lambda: False)


def test_missing_nsp_weights_detected_at_load(bin_manager):
    assert "bert-bin-no-nsp" in bin_manager.catalog.names(NEXT_SENTENCE)  # config.json says BertForPreTraining
    with pytest.raises(TaskNotSupported, match="no next-sentence head in its weights"):
        bin_manager.get("bert-bin-no-nsp", NEXT_SENTENCE)
    loaded = bin_manager.get("bert-bin-no-nsp", FILL_MASK)  # the same copy, its MLM head is real
    assert bin_manager.load_counts[loaded.entry.source] == 1
    assert fill_mask(loaded, "I played [MASK].", 2).masks


def test_missing_mlm_weights_detected_at_load(bin_manager):
    with pytest.raises(TaskNotSupported, match="no fill-mask head in its weights"):
        bin_manager.get("bert-bin-no-mlm", FILL_MASK)
    assert next_sentence(bin_manager.get("bert-bin-no-mlm", NEXT_SENTENCE), A, B_NEXT).is_next > 0


def test_complete_bin_checkpoint_serves_both(bin_manager):
    loaded = bin_manager.get("bert-bin", NEXT_SENTENCE)
    assert {FILL_MASK, NEXT_SENTENCE} <= loaded.tasks


def test_gauge_figure():
    fig = nsp_figure(0.999996, 0.000004)
    assert fig.data[0].value == pytest.approx(99.9996) and fig.data[0].gauge.bar.color == "#16a34a"
    assert [a.text for a in fig.layout.annotations] == ["<b>IsNext</b> 99.9996 %", "<b>NotNext</b> 0.0004 %"]
    assert percent(0.0000131) == "0.0013 %"
    assert nsp_figure(0.2, 0.8).data[0].gauge.bar.color == "#dc2626"
