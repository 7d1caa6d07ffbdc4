"""The built-in story-bert (llm_playground/models/story-bert/, made by scripts/build_story_bert.py) is a trained
BERT: fill-mask on cloze sentences that no training sentence fits gives sensible words, and NSP tells consecutive
sentences from random ones on stories the training never saw (both with plain transformers on the shipped folder;
an untrained copy fails the same checks). The app offers it with no flags while the Hub cannot be reached, and its
numbers are plain transformers'. Rebuilding it with the script gives the same weights, bit for bit."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoTokenizer, BertForPreTraining

from llm_playground.config import Settings
from llm_playground.models.catalog import ATTENTION, BUILTIN_DIR, FILL_MASK, NEXT_SENTENCE, TOKENIZER
from llm_playground.service.playground import PlaygroundService

from ..tolerance import close

ROOT = Path(__file__).resolve().parents[2]
FOLDER = BUILTIN_DIR / "story-bert"
SCRIPT = ROOT / "scripts" / "build_story_bert.py"
PAIRS_SEED = 2026  # neither the corpus's seed nor the script's held-out one


def build_script():
    spec = importlib.util.spec_from_file_location("build_story_bert", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def one_thread():
    """Stories sampled on one thread are the same on any machine (a core count changes float sums)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def script():
    return build_script()


@pytest.fixture(scope="module")
def plain():
    """(model, tokenizer) loaded by plain transformers from the shipped folder."""
    return BertForPreTraining.from_pretrained(FOLDER).eval(), AutoTokenizer.from_pretrained(FOLDER)


@pytest.fixture(scope="module")
def held_out_pairs(script) -> list[tuple[str, str, int]]:
    """200 pairs from stories stories260K writes with a seed no build used: 100 consecutive sentences of a story
    (label 0, IsNext), 100 with a sentence of another story as B (label 1, NotNext)."""
    with one_thread():
        stories = [s for s in map(script.sentences, script.generate_stories(40, PAIRS_SEED)) if len(s) >= 2]
    rng = random.Random(PAIRS_SEED)
    pairs = []
    for i in range(100):
        story = stories[i % len(stories)]
        a = rng.randrange(len(story) - 1)
        other = stories[(i % len(stories) + rng.randrange(1, len(stories))) % len(stories)]
        pairs += [(story[a], story[a + 1], 0), (story[a], rng.choice(other), 1)]
    return pairs


def top_words(model, tokenizer, text: str, k: int = 5) -> list[str]:
    enc = tokenizer(text, return_tensors="pt")
    position = enc["input_ids"][0].tolist().index(tokenizer.mask_token_id)
    with torch.no_grad():
        logits = model(**enc).prediction_logits[0, position]
    return tokenizer.convert_ids_to_tokens(logits.topk(k).indices.tolist())


def nsp_accuracy(model, tokenizer, pairs) -> float:
    enc = tokenizer([a for a, _, _ in pairs], [b for _, b, _ in pairs], padding=True, return_tensors="pt")
    with torch.no_grad():
        guess = model(**enc).seq_relationship_logits.argmax(-1)
    return (guess == torch.tensor([label for _, _, label in pairs])).float().mean().item()


def sensible_fills(script, model, tokenizer) -> dict[str, list[str]]:
    """Each held-out cloze sentence's top 5 that contains none of its sensible words (empty: all fine)."""
    fills = {text: top_words(model, tokenizer, text) for text in script.CLOZE}
    return {text: top for text, top in fills.items() if not set(top) & set(script.CLOZE[text])}


def test_the_folder_is_a_small_bert_with_both_heads():
    config = json.loads((FOLDER / "config.json").read_text())
    assert config["architectures"] == ["BertForPreTraining"] and config["model_type"] == "bert"
    assert (FOLDER / "model.safetensors").stat().st_size < 5_000_000
    assert {"vocab.txt", "tokenizer.json", "README.md", "LICENSE"} <= {p.name for p in FOLDER.iterdir()}
    assert "license: mit" in (FOLDER / "README.md").read_text() and "MIT" in (FOLDER / "LICENSE").read_text()


def test_fill_mask_gives_sensible_words_on_held_out_cloze_sentences(script, plain):
    assert len(script.CLOZE) >= 5
    misses = sensible_fills(script, *plain)
    assert len(misses) <= 1, misses  # the last build misses one ("the dog wagged its [MASK]." → ball, friends, ...)
    assert top_words(*plain, "lily went to the [MASK] to play.", k=1) == ["park"]


def test_no_training_sentence_fits_a_cloze_sentence(script):
    """What the held-out promise rests on: the script drops every sentence that fits one, whatever the fill."""
    kept, dropped = script.drop_held_out([["lily went to the park to play.", "lily went to the big park to play.",
                                           "lily went to the park.", "the dog wagged its tail and ran off."]])
    assert kept == [["lily went to the park.", "the dog wagged its tail and ran off."]] and dropped == 2


def test_nsp_separates_consecutive_from_random_pairs_it_never_saw(plain, held_out_pairs):
    assert len(held_out_pairs) == 200 and sum(label for _, _, label in held_out_pairs) == 100
    assert nsp_accuracy(*plain, held_out_pairs) >= 0.62  # the build's own held-out figure is 69.4%


def test_an_untrained_copy_fails_the_same_checks(script, plain, held_out_pairs):
    """The checks above can fail: the same architecture with its initial weights does."""
    model, tokenizer = plain
    torch.manual_seed(0)
    untrained = BertForPreTraining(model.config).eval()
    assert len(sensible_fills(script, untrained, tokenizer)) >= len(script.CLOZE) - 1
    assert nsp_accuracy(untrained, tokenizer, held_out_pairs) < 0.65


@pytest.fixture(scope="module")
def offline():
    """The app as `python app.py` starts it, no flags, without the Hub."""
    service = PlaygroundService(Settings(), hub_probe=lambda: False)
    yield service
    service.close()


def test_offline_with_no_flags_the_app_offers_it(offline):
    for tab, task in (("fill-mask", FILL_MASK), ("next-sentence", NEXT_SENTENCE)):
        assert offline.tab_model_names(tab) == ["story-bert"] and offline.default_model(task) == "story-bert"
    assert "story-bert" in offline.model_choices(ATTENTION) and "story-bert" in offline.model_choices(TOKENIZER)
    assert "story-bert" in offline.tokenizer_choices()
    for lang in ("en", "ja"):
        note = offline.offline_note(lang)
        assert "story-bert" in note and "BERT" not in note.replace("story-bert", "")
    online = PlaygroundService(Settings(), hub_probe=lambda: True)
    try:  # where the Hub is reachable, the Hub's BERT stays the default
        assert online.default_model(FILL_MASK) == online.default_model(NEXT_SENTENCE) == "bert-base-uncased"
        assert "story-bert" in online.model_choices(FILL_MASK) and online.offline_note() == ""
    finally:
        online.close()


def test_offline_service_runs_it_with_plain_transformers_numbers(offline, plain):
    model, tokenizer = plain
    text = "ben saw a big [MASK] in the garden."
    result = offline.fill_mask("story-bert", text, 5).result
    enc = tokenizer(text, return_tensors="pt")
    position = enc["input_ids"][0].tolist().index(tokenizer.mask_token_id)
    with torch.no_grad():
        probs = torch.softmax(model(**enc).prediction_logits[0, position].double(), -1)
    top = probs.topk(5)
    assert result.input_ids == enc["input_ids"][0].tolist()
    assert [p.id for p in result.masks[0].predictions] == top.indices.tolist()
    assert [p.score for p in result.masks[0].predictions] == close(top.values.tolist())

    a, b = "Once upon a time, there was a little girl named Lily.", "She loved to play outside in the sun."
    nsp = offline.next_sentence("story-bert", a, b).result
    with torch.no_grad():
        logits = model(**tokenizer(a, b, return_tensors="pt")).seq_relationship_logits[0]
    assert nsp.logits == close(logits.tolist())
    assert nsp.is_next == close(torch.softmax(logits, -1)[0].item()) and nsp.is_next > 0.5


@pytest.mark.slow
@pytest.mark.timeout(1800)  # ~3.6 min of one core; a core shared with other work took 14.5 min
def test_the_script_rebuilds_the_same_weights(tmp_path):
    """The whole build (corpus, vocabulary, training) again, under another thread setting: identical tensors."""
    env = {**os.environ, "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "RAYON_NUM_THREADS": "2"}
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], env=env, check=True, timeout=1750,
                   capture_output=True)
    shipped, rebuilt = load_file(FOLDER / "model.safetensors"), load_file(tmp_path / "model.safetensors")
    assert shipped.keys() == rebuilt.keys()
    assert [k for k in shipped if not torch.equal(shipped[k], rebuilt[k])] == []
    for name in ("config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json"):
        assert (tmp_path / name).read_text() == (FOLDER / name).read_text(), name
