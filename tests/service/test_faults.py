"""Faults: corrupt weights, out of memory, path tricks; the manager stays usable afterwards."""

from __future__ import annotations

import shutil

import pytest
import torch

from llm_playground.backends.local import generate
from llm_playground.config import Settings
from llm_playground.errors import InvalidInput, ModelLoadError, PlaygroundError
from llm_playground.models import loading
from llm_playground.models.catalog import GENERATION
from llm_playground.models.manager import ModelManager
from llm_playground.tasks.generation import GenerationParams


@pytest.fixture
def own_models_dir(tmp_path, models_dir):
    shutil.copytree(models_dir / "tiny-gpt2", tmp_path / "tiny-gpt2")
    return tmp_path


def test_truncated_weights_give_clear_error_and_no_poisoned_cache(own_models_dir):
    weights = own_models_dir / "tiny-gpt2" / "model.safetensors"
    good = weights.read_bytes()
    weights.write_bytes(good[: len(good) // 2])
    m = ModelManager(Settings(models_dir=own_models_dir), hub_probe=lambda: False)
    with pytest.raises(ModelLoadError, match="corrupt or truncated"):
        m.get("tiny-gpt2", GENERATION)
    assert m.loaded() == []
    weights.write_bytes(good)  # the user fixes the file
    loaded = m.get("tiny-gpt2", GENERATION)
    assert generate(loaded, "Hello", GenerationParams(max_new_tokens=3)).new_tokens == 3


def test_garbage_header_gives_clear_error(own_models_dir):
    (own_models_dir / "tiny-gpt2" / "model.safetensors").write_bytes(b"\xff" * 64)
    m = ModelManager(Settings(models_dir=own_models_dir), hub_probe=lambda: False)
    with pytest.raises(ModelLoadError, match="corrupt or truncated"):
        m.get("tiny-gpt2", GENERATION)


def test_out_of_memory_during_load(manager, monkeypatch):
    def oom(*args, **kwargs):
        raise ModelLoadError(loading.explain_load_error(torch.OutOfMemoryError("CUDA out of memory"),
                                                        manager.catalog.entries["tiny-gpt2"], True))

    monkeypatch.setattr(loading, "load_model", oom)
    with pytest.raises(ModelLoadError, match="Not enough memory"):
        manager.get("tiny-gpt2", GENERATION)
    monkeypatch.undo()
    assert manager.get("tiny-gpt2", GENERATION).name == "tiny-gpt2"


def test_out_of_memory_during_generation(manager, monkeypatch):
    loaded = manager.get("tiny-gpt2", GENERATION)
    real_forward = loaded.model.forward
    monkeypatch.setattr(loaded.model, "forward", lambda *a, **k: (_ for _ in ()).throw(torch.OutOfMemoryError()))
    with pytest.raises(PlaygroundError, match="Ran out of memory"):
        generate(loaded, "Hello", GenerationParams(max_new_tokens=3))
    assert not loaded.lock.locked()
    monkeypatch.setattr(loaded.model, "forward", real_forward)
    assert generate(loaded, "Hello", GenerationParams(max_new_tokens=3)).new_tokens == 3


@pytest.mark.parametrize("name", ["tests", "llm_playground", "docs"])
def test_relative_folders_are_not_models(manager, name, monkeypatch):
    from ..fixtures import ROOT

    monkeypatch.chdir(ROOT)
    with pytest.raises(InvalidInput, match="--models-dir"):
        manager.get(name, GENERATION)
