"""/tokenize and /detokenize through gradio_client against the launched app."""

from __future__ import annotations

import pytest
from gradio_client.exceptions import AppError

TEXT = "Hello 東京 👩‍💻 e\u0301!"


def test_tokenize_matches_the_tokenizers(client, shared_manager):
    names = ["gpt2-tokenizer", "minilm", "tiny-ja-gpt2", "words (baseline)"]
    result = client.predict(tokenizers=names, text=TEXT, api_name="/tokenize")
    assert result["text"] == TEXT
    assert [r["tokenizer"] for r in result["results"]] == names
    for r in result["results"][:3]:
        tok = shared_manager.tokenizer(r["tokenizer"])[1]
        assert [t["id"] for t in r["tokens"]] == tok(TEXT)["input_ids"]
        assert r["count"] == len(r["tokens"])
        assert set(r["tokens"][0]) >= {"token", "id", "start", "end", "special"}
    gpt2, bert = result["results"][0], result["results"][1]
    assert gpt2["tokens"][0] == {"token": "Hello", "id": 15496, "start": 0, "end": 5, "special": False,
                                 "unknown": False}
    assert gpt2["round_trip"] == {"ok": True, "decoded": TEXT}
    covered = {i for t in gpt2["tokens"] for i in range(t["start"], t["end"])}
    assert covered == set(range(len(TEXT)))  # byte-level BPE covers every character
    assert bert["tokens"][0]["token"] == "[CLS]" and bert["tokens"][0]["special"]
    assert [TEXT[t["start"]:t["end"]] for t in bert["tokens"] if t["unknown"]] == ["👩‍💻"]
    assert result["results"][3]["tokens"][-1]["token"] == "!"


def test_tokenize_without_special_tokens(client):
    result = client.predict(tokenizers=["minilm"], text="hi", add_special_tokens=False, api_name="/tokenize")
    assert [t["token"] for t in result["results"][0]["tokens"]] == ["hi"]


def test_detokenize(client):
    result = client.predict(tokenizer="gpt2-tokenizer", ids=[15496, 995], api_name="/detokenize")
    assert result["text"] == "Hello world" and [t["token"] for t in result["tokens"]] == ["Hello", "Ġworld"]
    chars = client.predict(tokenizer="characters (baseline)", ids=[72, 105], api_name="/detokenize")
    assert chars["text"] == "Hi"


@pytest.mark.parametrize("kwargs,message", [
    (dict(text=""), "empty"),
    (dict(tokenizers=[]), "at least one"),
    (dict(tokenizers=["tiny-gpt2", "../../etc"]), "not a valid"),
    (dict(tokenizers=["gpt2"]), "cannot be reached"),
])
def test_tokenize_errors_are_clear(client, kwargs, message):
    args = dict(tokenizers=["tiny-gpt2"], text="Hello") | kwargs
    with pytest.raises(AppError, match=message):
        client.predict(api_name="/tokenize", **args)


def test_detokenize_errors_are_clear(client):
    with pytest.raises(AppError, match="outside"):
        client.predict(tokenizer="tiny-gpt2", ids=[10**9], api_name="/detokenize")
    with pytest.raises(AppError, match="no fixed vocabulary"):
        client.predict(tokenizer="words (baseline)", ids=[1], api_name="/detokenize")
