"""Model manager: lazy, one copy per checkpoint, single-flight, LRU eviction, failures not cached."""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pytest
import torch

from llm_playground.config import Settings, parse_bytes
from llm_playground.errors import InvalidInput, ModelLoadError, TaskNotSupported
from llm_playground.models import loading
from llm_playground.models.catalog import ATTENTION, FILL_MASK, GENERATION, NEXT_SENTENCE, TOKENIZER, Catalog
from llm_playground.models.manager import ModelManager


def test_lazy_nothing_loaded_at_start(manager):
    assert manager.loaded() == [] and manager.total_bytes() == 0


def test_one_copy_serves_every_task(manager):
    a = manager.get("tiny-bert", FILL_MASK)
    b = manager.get("tiny-bert", NEXT_SENTENCE)
    c = manager.get("tiny-bert", ATTENTION)
    assert a is b is c
    assert type(a.model).__name__ == "BertForPreTraining"
    assert manager.load_counts[a.entry.source] == 1 and len(manager.loaded()) == 1
    _, tok = manager.tokenizer("tiny-bert")
    assert tok is a.tokenizer  # the tokenizer tab reuses the loaded model's tokenizer


def test_single_flight_under_concurrency(manager, monkeypatch):
    real = loading.load_model

    def slow_load(*args, **kwargs):
        time.sleep(0.5)  # keep the load in flight while the other threads arrive
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "load_model", slow_load)
    barrier, results, errors = threading.Barrier(8), [], []

    def worker():
        barrier.wait()
        try:
            results.append(manager.get("tiny-gpt2", GENERATION))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({id(r) for r in results}) == 1
    assert manager.load_counts[results[0].entry.source] == 1


def test_lru_eviction_frees_memory(models_dir):
    probe = ModelManager(Settings(models_dir=models_dir), hub_probe=lambda: False)
    size = probe.get("tiny-gpt2", GENERATION).nbytes
    m = ModelManager(Settings(models_dir=models_dir, memory_budget=int(size * 1.5)), hub_probe=lambda: False)
    first = m.get("tiny-gpt2", GENERATION)
    ref = weakref.ref(first.model)
    del first
    m.get("stories260K", GENERATION)
    names = [x.name for x in m.loaded()]
    assert names == ["stories260K"], names  # the least recently used one went
    gc.collect()
    assert ref() is None, "evicted weights are still referenced"
    assert m.total_bytes() == m.loaded()[0].nbytes  # a single model over budget is still served


def test_lru_order_follows_use(models_dir):
    m = ModelManager(Settings(models_dir=models_dir, memory_budget=10**12), hub_probe=lambda: False)
    m.get("tiny-gpt2", GENERATION)
    m.get("stories260K", GENERATION)
    m.get("tiny-gpt2", GENERATION)  # touch: now most recent
    total = m.total_bytes()
    m.settings.memory_budget = total - 1
    m.get("tiny-bert", FILL_MASK)
    names = [x.name for x in m.loaded()]
    assert "stories260K" not in names and "tiny-bert" in names


def test_failed_load_is_remembered_briefly_then_retried(models_dir, monkeypatch):
    """A failure is not re-read (nor re-logged) on every request: the same message comes back at once,
    saying when it will be tried again; after FAILURE_TTL (or an unload) the next request tries again."""
    from llm_playground.models import manager as manager_module

    now = [0.0]
    manager = ModelManager(Settings(models_dir=models_dir), hub_probe=lambda: False, clock=lambda: now[0])
    real, calls = loading.load_model, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ModelLoadError("simulated failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "load_model", flaky)
    with pytest.raises(ModelLoadError, match="simulated"):
        manager.get("tiny-gpt2", GENERATION)
    assert manager.loaded() == []
    now[0] += 5
    with pytest.raises(ModelLoadError, match="simulated failure.*tried again in 25 s"):
        manager.get("tiny-gpt2", GENERATION)
    assert len(calls) == 1  # not read again
    now[0] += manager_module.FAILURE_TTL
    assert manager.get("tiny-gpt2", GENERATION).name == "tiny-gpt2"
    assert len(calls) == 2


def test_offline_hub_model_gives_clear_message(manager, monkeypatch):
    local_only = []
    real = loading.load_tokenizer
    monkeypatch.setattr(loading, "load_tokenizer", lambda entry, only: local_only.append(only) or real(entry, only))
    with pytest.raises(ModelLoadError) as info:
        manager.get("gpt2", GENERATION)
    message = str(info.value)
    assert "cannot be reached" in message and "gpt2" in message
    assert "stories260K" in message  # it offers what works offline
    assert local_only == [True]  # the unreachable Hub is never asked: no 30-second retry loop


@pytest.mark.parametrize("name", ["../../etc", "/abs/path", "a/b/c", "https://evil.example/model", "x" * 5000, " "])
def test_bad_model_names_rejected(manager, name):
    with pytest.raises(InvalidInput):
        manager.get(name, GENERATION)
    assert manager.load_counts == {}


def test_custom_ids_can_be_disabled(models_dir):
    m = ModelManager(Settings(models_dir=models_dir, allow_custom_models=False), hub_probe=lambda: False)
    with pytest.raises(InvalidInput, match="only offers"):
        m.get("someone/some-model", GENERATION)


def test_task_without_head_refused(manager):
    with pytest.raises(TaskNotSupported):
        manager.get("stories260K", FILL_MASK)
    with pytest.raises(TaskNotSupported):
        manager.get("tiny-bert-base", FILL_MASK)  # a bare BertModel checkpoint
    assert FILL_MASK not in manager.catalog.entries["minilm"].tasks


def test_tokenizer_only_folder(manager):
    entry, tok = manager.tokenizer("gpt2-tokenizer")
    assert tok("Hello world")["input_ids"] == [15496, 995]
    assert manager.loaded() == []  # no weights were loaded
    assert manager.catalog.entries["gpt2-tokenizer"].tasks == {TOKENIZER}


def test_dtype_is_a_separate_copy_with_half_the_bytes(manager):
    f32 = manager.get("tiny-gpt2", GENERATION)
    bf16 = manager.get("tiny-gpt2", GENERATION, dtype="bfloat16")
    assert f32 is not bf16 and bf16.model.dtype == torch.bfloat16
    assert bf16.nbytes * 2 == f32.nbytes


def test_never_trusts_remote_code():
    assert loading.SAFE == {"trust_remote_code": False}


def test_catalog_has_seed_models():
    c = Catalog(None)
    assert c.default(GENERATION) == "gpt2"
    assert {"gpt2", "distilgpt2", "rinna/japanese-gpt2-xsmall"} <= set(c.names(GENERATION))
    assert "bert-base-uncased" in c.names(NEXT_SENTENCE) and "roberta-base" in c.names(FILL_MASK)


def test_parse_bytes():
    assert parse_bytes("4GiB") == 4 * 1024**3 and parse_bytes("512MB") == 512 * 1024**2
    assert parse_bytes("1000") == 1000
