"""Fine-tuning (#19): stories260K learns a made-up sentence with the Trainer; the numbers are checked against
independent computations, the registered model against plain from_pretrained, the code against a fresh process."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import threading
import zipfile

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from llm_playground.config import Settings
from llm_playground.errors import InvalidInput, PlaygroundError
from llm_playground.models.catalog import BUILTIN_DIR, GENERATION
from llm_playground.models.manager import ModelManager
from llm_playground.plots.finetune import comparison_html, result_summary
from llm_playground.plots.text import md
from llm_playground.service.finetune_jobs import wait
from llm_playground.service.playground import PlaygroundService
from llm_playground.tasks.text_upload import MAX_UPLOAD_BYTES, read_upload

pytestmark = pytest.mark.slow  # trains models: a minute in all

SENTENCE = "Zorbly the green kettle hums jazz at midnight."
TRAIN = (SENTENCE + "\n") * 12
HELD_OUT = SENTENCE + "\n" + SENTENCE  # the same made-up sentence: held out from the run, not from the topic
RUN = dict(max_steps=40, learning_rate=3e-3, batch_size=8, max_seq_len=64, seed=1)
BASE = BUILTIN_DIR / "stories260K"


@pytest.fixture(scope="module")
def tuned(models_dir):
    """One finished run on a service of its own: (service, job)."""
    service = PlaygroundService(manager=ModelManager(Settings(models_dir=models_dir), hub_probe=lambda: False))
    job = service.fine_tuner.start("stories260K", TRAIN, HELD_OUT, client="tester", **RUN)
    assert job.done.wait(300), "the run did not finish"
    assert job.status == "done", job.error
    yield service, job
    service.close()


def independent_perplexity(model, tokenizer, text: str, block: int) -> float:
    """exp(mean NLL) from the model's own loss (labels=ids), over the text's blocks of `block` tokens."""
    ids = tokenizer(text)["input_ids"]
    size = min(block, len(ids))
    losses = []
    with torch.no_grad():
        for i in range(0, len(ids) - size + 1, size):
            x = torch.tensor([ids[i:i + size]])
            losses.append(model(x, labels=x).loss.item())
    return math.exp(sum(losses) / len(losses))  # equal blocks: the mean of means is the token mean


def test_training_loss_falls_and_the_sentence_is_learnt(tuned):
    service, job = tuned
    r = job.result
    snapshot = job.snapshot()
    losses = [loss for _, loss in snapshot["train_loss"]]
    assert r.train.reason == "finished" and r.train.steps == RUN["max_steps"]
    assert losses[0] > 1.0 and losses[-1] < 0.2 * losses[0], losses
    assert snapshot["eval_loss"] and snapshot["eval_loss"][-1][1] < snapshot["eval_loss"][0][1]
    # The fine-tuned model, through the service like any model, continues the sentence's first words with it.
    out = service.generate(job.name, "Zorbly the green", max_new_tokens=40)
    assert out.result.to_dict(job.name, "cpu")["text"].startswith(SENTENCE)
    # The base model had never seen it.
    base = service.generate("stories260K", "Zorbly the green", max_new_tokens=40)
    assert not base.result.to_dict("stories260K", "cpu")["text"].startswith(SENTENCE)


def test_held_out_perplexity_matches_an_independent_computation(tuned):
    _, job = tuned
    r = job.result
    tok = AutoTokenizer.from_pretrained(str(BASE))
    before = independent_perplexity(AutoModelForCausalLM.from_pretrained(str(BASE)), tok, HELD_OUT, RUN["max_seq_len"])
    after = independent_perplexity(AutoModelForCausalLM.from_pretrained(str(r.folder)), tok, HELD_OUT,
                                   RUN["max_seq_len"])
    assert r.perplexity_before == pytest.approx(before, rel=1e-4)
    assert r.perplexity_after == pytest.approx(after, rel=1e-4)
    assert r.perplexity_after < 2.0 < r.perplexity_before
    # The curve starts at the base model's held-out loss; exp(the Trainer's last one) is the perplexity after.
    assert job.snapshot()["eval_loss"][0] == (0, pytest.approx(math.log(before), rel=1e-4))
    assert math.exp(job.snapshot()["eval_loss"][-1][1]) == pytest.approx(after, rel=1e-3)
    text = result_summary(r.to_dict())
    assert f"{before:.2f} before → {after:.2f} after" in text and md(job.name) in text


def test_before_after_probabilities_of_the_true_tokens(tuned):
    service, job = tuned
    comparisons = job.result.comparisons
    assert comparisons and comparisons[0].prompt.startswith("Zorbly")
    c = comparisons[0]
    assert "".join([c.prompt, *c.truth_tokens]) == SENTENCE[:len(c.prompt) + len("".join(c.truth_tokens))]
    loaded = service.manager.get(job.name, GENERATION)  # the registered model, loaded from its folder
    ids = loaded.tokenizer(c.prompt + "".join(c.truth_tokens))["input_ids"]
    with torch.no_grad():
        probs = torch.softmax(loaded.model(torch.tensor([ids])).logits[0], -1)
    n = len(c.truth_tokens)
    expected = [probs[len(ids) - n - 1 + i, ids[len(ids) - n + i]].item() for i in range(n)]
    assert c.tuned.probs == pytest.approx(expected, abs=1e-4)
    assert min(c.tuned.probs) > 0.5 and sum(c.base.probs) < sum(c.tuned.probs)
    assert SENTENCE.startswith(c.prompt + c.tuned.continuation.rstrip())
    html = comparison_html([x.to_dict() for x in comparisons])
    assert html.count('class="tok"') >= 2 * n and "<b>Zorbly" in html


def test_registered_model_is_a_local_generation_model_evicted_like_any(tuned):
    service, job = tuned
    assert job.name == f"stories260K+ft-{job.id}" and job.name in service.model_choices(GENERATION)
    assert service.next_token(job.name, "Zorbly the green").result.candidates[0].token.strip() == "k"
    assert service.attention(job.name, "Zorbly the green kettle").result.num_layers == 5
    lens = service.logit_lens(job.name, "Zorbly the green").result.to_dict(job.name)
    assert lens["layers"] == 6 and lens["grid"][-1][-1]["top"][0]["token"].strip() == "k"  # the learnt word
    source = service.catalog.entries[job.name].source
    assert service.manager.unload(job.name) == 1
    service.next_token(job.name, "Zorbly")  # loads again, from its folder
    assert service.manager.load_counts[source] == 2


def test_zip_loads_with_plain_from_pretrained_and_gives_the_same_logits(tuned, tmp_path):
    service, job = tuned
    path = service.fine_tuner.download(job, owner="tester")
    with zipfile.ZipFile(path) as z:
        assert {"model.safetensors", "config.json", "tokenizer_config.json"} <= set(z.namelist())
        z.extractall(tmp_path)
    model = AutoModelForCausalLM.from_pretrained(str(tmp_path))
    tok = AutoTokenizer.from_pretrained(str(tmp_path))
    ids = torch.tensor([tok("Zorbly the green kettle")["input_ids"]])
    loaded = service.manager.get(job.name, GENERATION)
    with torch.no_grad():
        assert torch.allclose(model(ids).logits, loaded.model(ids).logits, atol=1e-6)


def run_code(code: str, folder) -> dict:
    """Run Copy-as-Python code in a fresh offline process; its printed steps, final loss and perplexity."""
    script = folder / "finetune.py"
    script.write_text(code)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    found = {"steps": re.search(r"steps: (\d+)", done.stdout),
             "final": re.search(r"final loss: ([\d.e-]+)", done.stdout),
             "ppl": re.search(r"held-out perplexity: ([\d.]+)", done.stdout)}
    return {k: float(m.group(1)) if m else None for k, m in found.items()}


def test_copy_as_python_runs_and_ends_with_the_same_loss(tuned, tmp_path):
    service, job = tuned
    code = service.fine_tuner.python(job)
    assert "Trainer(" in code and "TrainingArguments(" in code and "trainer.train()" in code
    out = run_code(code, tmp_path)
    assert out["steps"] == job.result.train.steps
    assert out["final"] == pytest.approx(job.result.train.last_loss, rel=0.05, abs=1e-4)
    assert out["ppl"] == pytest.approx(job.result.perplexity_after, rel=0.01)
    assert (tmp_path / "finetuned-model" / "model.safetensors").exists()


def running_job(service, client="a", **kw):
    job = service.fine_tuner.start("stories260K", TRAIN, client=client,
                                   **(dict(RUN, max_steps=500, max_seconds=600) | kw))
    deadline = threading.Event()
    while job.progress.step < 2 and not job.done.is_set():
        deadline.wait(0.05)
    return job


def test_stop_ends_cleanly_and_keeps_the_model(service, tmp_path):
    job = running_job(service)
    assert service.fine_tuner.stop("a") is True
    assert job.done.wait(120) and job.status == "done", job.error
    r = job.result
    assert r.train.reason == "stopped" and 2 <= r.train.steps < 500
    assert job.name in service.model_choices(GENERATION)
    assert "Stopped" in result_summary(r.to_dict())
    losses = job.snapshot()["train_loss"]
    assert losses[0][0] == 1 and losses[-1][0] == r.train.steps == int(r.train.steps)  # logged where it stopped
    assert r.train.last_loss == losses[-1][1]
    assert service.fine_tuner.stop("a") is False  # nothing left to stop
    # The code of a stopped run stops at the same step, with the same last loss.
    code = service.fine_tuner.python(job)
    assert f"state.global_step >= {r.train.steps}" in code
    out = run_code(code, tmp_path)
    assert out["steps"] == r.train.steps and out["final"] == pytest.approx(r.train.last_loss, rel=0.05, abs=1e-4)


def test_one_run_per_client_and_a_global_limit(service):
    job = running_job(service, client="a")
    try:
        with pytest.raises(InvalidInput, match="already have a training run"):
            service.fine_tuner.start("stories260K", TRAIN, client="a", **RUN)
        with pytest.raises(InvalidInput, match="at most 1 model at once"):
            service.fine_tuner.start("stories260K", TRAIN, client="b", **RUN)
        assert service.generate("stories260K", "Once", max_new_tokens=3).result.new_tokens == 3  # still healthy
    finally:
        service.fine_tuner.stop("a")
        job.done.wait(120)
    second = service.fine_tuner.start("stories260K", TRAIN, client="b", **dict(RUN, max_steps=2))
    assert second.done.wait(120) and second.status == "done"


def test_time_bound_stops_with_a_clear_message(service):
    job = service.fine_tuner.start("stories260K", TRAIN, client="a", **dict(RUN, max_steps=500, max_seconds=1))
    snapshots = list(wait(job, 0.2))
    assert snapshots[-1]["status"] == "done" and job.result.train.reason == "timed out"
    assert job.result.train.steps < 500
    assert "Time limit reached" in result_summary(job.result.to_dict())


def test_streaming_snapshots_report_progress(service):
    job = service.fine_tuner.start("stories260K", TRAIN, client="a", **dict(RUN, max_steps=30))
    snapshots = list(wait(job, 0.05))
    last = snapshots[-1]
    assert last["status"] == "done" and last["step"] == 30 and last["result"]["model"] == job.name
    assert last["steps_per_second"] > 0 and last["elapsed"] > 0 and last["eta"] == 0
    assert {"train_loss", "eval_loss", "phase", "max_steps"} <= set(last)


@pytest.mark.parametrize("kw,message", [
    (dict(train_text=""), "empty"),
    (dict(train_text="a"), "too short"),
    (dict(learning_rate=0), "learning_rate"),
    (dict(max_steps=100_000), "max_steps"),
    (dict(model="tiny-bert"), "cannot be used for generation"),
])
def test_bad_parameters_are_refused_before_training(service, kw, message):
    args = dict(model="stories260K", train_text=TRAIN) | kw
    with pytest.raises(PlaygroundError, match=message):
        service.fine_tuner.start(client="a", **args)
    assert service.fine_tuner.running() == []


def test_off_on_public_deployments_unless_enabled(models_dir):
    public = PlaygroundService(Settings(models_dir=models_dir, allow_custom_models=False), hub_probe=lambda: False)
    with pytest.raises(InvalidInput, match="off on this deployment.*--allow-fine-tune"):
        public.fine_tuner.start("stories260K", TRAIN, max_steps=1)
    public.close()
    enabled = PlaygroundService(Settings(models_dir=models_dir, allow_custom_models=False, allow_fine_tune=True),
                                hub_probe=lambda: False)
    job = enabled.fine_tuner.start("stories260K", TRAIN, max_steps=1)
    assert job.done.wait(120) and job.status == "done"
    enabled.close()


def test_training_counts_against_the_memory_budget(models_dir):
    service = PlaygroundService(Settings(models_dir=models_dir, memory_budget=2_000_000), hub_probe=lambda: False)
    try:
        with pytest.raises(PlaygroundError, match="Not enough memory for fine-tuning stories260K"):
            service.fine_tuner.start("stories260K", TRAIN, max_steps=1)
        assert service.fine_tuner.running() == [] and service.manager.total_bytes() <= 2_000_000
    finally:
        service.close()


def test_upload_files(tmp_path):
    good = tmp_path / "story.txt"
    good.write_text("Once upon a time.\n", encoding="utf-8")
    assert read_upload(good) == "Once upon a time.\n"
    lines = tmp_path / "data.jsonl"
    lines.write_text('{"text": "one"}\n\n{"text": "two"}\n', encoding="utf-8")
    assert read_upload(lines) == "one\ntwo"
    cases = {"empty.txt": (b"", "is empty"), "image.txt": (b"\x89PNG\x00\x01", "binary"),
             "latin.txt": ("café".encode("latin-1"), "not UTF-8"),
             "big.txt": (b"a" * (MAX_UPLOAD_BYTES + 1), "the limit is 524,288 bytes"),
             "model.bin": (b"text", "not a .txt or .jsonl"),
             "bad.jsonl": (b'{"text": "ok"}\nnot json\n', "Line 2 .* is not JSON"),
             "nofield.jsonl": (b'{"content": "x"}\n', 'no "text" field'),
             "blank.txt": (b"  \n\n", "no text")}
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InvalidInput, match=message):
            read_upload(tmp_path / name)


def test_fine_tuning_messages_have_a_japanese_form(service, tmp_path):
    from ..unit.test_i18n import english_left

    messages = []
    for kw in (dict(train_text=""), dict(train_text="a"), dict(train_text="x" * 100_001)):
        with pytest.raises(PlaygroundError) as err:
            service.fine_tuner.start(**(dict(model="stories260K", train_text=TRAIN) | kw))
        messages.append(err.value)
    job = running_job(service, client="a")
    for client in ("a", "b"):
        with pytest.raises(InvalidInput) as err:
            service.fine_tuner.start("stories260K", TRAIN, client=client)
        messages.append(err.value)
    service.fine_tuner.stop("a")
    job.done.wait(120)
    for name, data in {"a.txt": b"", "b.txt": b"\x00", "c.txt": b"\xff\xfe", "d.bin": b"x", "e.jsonl": b"x\n",
                       "f.jsonl": b"[1]\n", "g.txt": b" ", "h.txt": b"a" * (MAX_UPLOAD_BYTES + 1)}.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InvalidInput) as err:
            read_upload(tmp_path / name)
        messages.append(err.value)
    public = PlaygroundService(Settings(allow_custom_models=False), hub_probe=lambda: False)
    with pytest.raises(InvalidInput) as err:
        public.fine_tuner.start("stories260K", TRAIN)
    messages.append(err.value)
    public.close()
    small = PlaygroundService(Settings(memory_budget=2_000_000), hub_probe=lambda: False)
    with pytest.raises(PlaygroundError) as err:
        small.fine_tuner.start("stories260K", TRAIN)
    messages.append(err.value)
    small.close()
    for error in messages:
        assert english_left(error.message("ja")) == [], (str(error), error.message("ja"))


def test_reservations_count_against_the_budget_until_released(manager):
    manager.get("stories260K", GENERATION)
    before = manager.total_bytes()
    with manager.reserve("a run", 1000), manager.reserve("a run", 2000):  # same name: still two reservations
        assert manager.total_bytes() == before + 3000
        with pytest.raises(PlaygroundError, match="Not enough memory for another run"):
            with manager.reserve("another run", manager.settings.memory_budget):
                pass
    assert manager.total_bytes() == before
    # Idle models make room: a reservation that only fits without them evicts them.
    with manager.reserve("a big run", manager.settings.memory_budget - 1000):
        assert manager.loaded() == []
