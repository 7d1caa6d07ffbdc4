"""The public API through gradio_client against the launched app."""

from __future__ import annotations

import pytest
import torch
from gradio_client.exceptions import AppError

from ..tolerance import close
from ..unit.test_generation import raw_greedy


def test_generate_greedy_equals_plain_transformers(client, app_server, shared_manager):
    result = client.predict(model="stories260K", prompt="Once upon a time", max_new_tokens=30,
                            api_name="/generate")
    assert set(result) >= {"model", "prompt", "completion", "text", "tokens", "device", "seconds",
                           "tokens_per_second"}
    loaded = shared_manager.get("stories260K", "generation")
    expected_ids = raw_greedy(loaded, "Once upon a time", 30)
    assert [t["id"] for t in result["tokens"]] == expected_ids
    expected = loaded.tokenizer.decode(expected_ids, skip_special_tokens=True)
    assert result["completion"].strip() == expected.strip()
    assert result["text"] == "Once upon a time" + result["completion"]
    assert result["tokens_per_second"] > 0 and result["device"] == "cpu"


def test_generate_probabilities_are_model_softmax(client, shared_manager):
    result = client.predict(model="tiny-gpt2", prompt="Hello world", max_new_tokens=5, api_name="/generate")
    loaded = shared_manager.get("tiny-gpt2", "generation")
    ids = loaded.tokenizer("Hello world", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        probs = torch.softmax(loaded.model(ids).logits[0, -1].double(), -1)
    first = result["tokens"][0]
    assert first["prob"] == close(probs[first["id"]].item())
    assert len(first["top"]) == 5 and first["top"][0]["prob"] >= first["top"][-1]["prob"]


def test_generate_sampling_seed(client):
    kw = dict(model="stories260K", prompt="Once upon a time", max_new_tokens=20, do_sample=True,
              temperature=1.0, top_k=0, top_p=0.95, api_name="/generate")
    assert client.predict(seed=5, **kw)["completion"] == client.predict(seed=5, **kw)["completion"]


def test_generate_branch_and_filtered_probs(client, shared_manager):
    """/generate's prefix_ids (a branch) and filtered_probs (what the sampler's filters left), checked against plain
    transformers: model.generate from prompt + prefix, and the warpers applied to an independent forward."""
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper

    from ..service.test_branching import greedy_ids

    loaded = shared_manager.get("stories260K", "generation")
    prompt_ids = loaded.tokenizer("Once upon a time", return_tensors="pt").input_ids[0].tolist()
    plain = client.predict(model="stories260K", prompt="Once upon a time", max_new_tokens=8, api_name="/generate")
    assert "prob_after_filters" not in plain["tokens"][0], "the filter view is only sent when asked for"
    prefix = [t["id"] for t in plain["tokens"][:2]] + [plain["tokens"][2]["top"][1]["id"]]
    branch = client.predict(model="stories260K", prompt="Once upon a time", max_new_tokens=8, prefix_ids=prefix,
                            api_name="/generate")
    assert [t["id"] for t in branch["tokens"]] == prefix + greedy_ids(loaded, prompt_ids + prefix, 8)
    sampled = client.predict(model="stories260K", prompt="Once upon a time", max_new_tokens=6, do_sample=True,
                             temperature=0.7, top_k=5, seed=2, filtered_probs=True, api_name="/generate")
    ids = list(prompt_ids)
    for tok in sampled["tokens"]:
        with torch.no_grad():
            logits = loaded.model(torch.tensor([ids])).logits[0, -1:].float()
        after = torch.softmax(TopKLogitsWarper(5)(None, TemperatureLogitsWarper(0.7)(None, logits)), -1)[0]
        assert tok["prob_after_filters"] == close(after[tok["id"]].item())
        assert tok["kept"] == 5 and tok["removed"] == {"top_k": after.shape[0] - 5}
        for alt in tok["top"]:
            assert alt["prob_after_filters"] == close(after[alt["id"]].item())
            assert alt["removed_by"] == (None if after[alt["id"]] > 0 else "top_k")
        ids.append(tok["id"])


def test_models_endpoint(client):
    result = client.predict(api_name="/models")
    assert "stories260K" in result["tasks"]["generation"]
    assert "gpt2" in result["tasks"]["generation"]
    assert "tiny-bert" in result["tasks"]["next-sentence"]
    assert all({"model", "device", "dtype", "bytes"} <= set(m) for m in result["loaded"])


@pytest.mark.parametrize("kwargs,message", [
    (dict(model="gpt2"), "cannot be reached"),
    (dict(model="no-such-model"), "cannot be reached"),
    (dict(model="../../etc"), "not a valid"),
    (dict(prompt=""), "empty"),
    (dict(top_p=0.0, do_sample=True), "top_p"),
    (dict(temperature=0.0, do_sample=True), "temperature"),
    (dict(max_new_tokens=100_000), "max_new_tokens"),
    (dict(model="tiny-bert"), "cannot be used for generation"),
])
def test_generate_errors_are_clear(client, kwargs, message):
    args = dict(model="stories260K", prompt="Hello", max_new_tokens=5) | kwargs
    with pytest.raises(AppError, match=message):
        client.predict(api_name="/generate", **args)
    # the server is still healthy afterwards
    assert client.predict(model="stories260K", prompt="Once", max_new_tokens=2, api_name="/generate")["tokens"]
