"""The engine backend's request/response mapping, on recorded vLLM answers (no engine needed).

tests/data/vllm/*.txt were recorded from vLLM 0.32 serving stories260K-hd32 (tests/data/vllm/record.py):
the first line is the request the app sends, the second the status, the rest the raw body. Replayed
through httpx.MockTransport, they pin down what the backend asks for and how it reads the answer; the
real engine tests (test_engine_generate.py, test_engine_faults.py) are the proof that it works.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import httpx
import pytest

from llm_playground.backends.engine.backend import EngineGeneration, ServedModel, request_body, split_text
from llm_playground.backends.engine.client import EngineClient, parse_engine
from llm_playground.backends.engine.tokens import TokenTexts, parse_token
from llm_playground.errors import EngineError, EngineUnreachable, InvalidInput
from llm_playground.tasks.generation import GenerationParams

from ..fixtures import SHARED_MODELS

DATA = Path(__file__).parents[1] / "data" / "vllm"


def recorded(name: str) -> tuple[dict, int, str]:
    request, status, body = (DATA / f"{name}.txt").read_text().split("\n", 2)
    return json.loads(request), int(status), body


def backend(handler) -> EngineGeneration:
    client = EngineClient("http://engine.test:8000", transport=httpx.MockTransport(handler), timeout=5)
    served = ServedModel("stories260K@engine", "stories260K", client, 512)
    return EngineGeneration(served, TokenTexts(client, served.id))


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(SHARED_MODELS / "stories260K")


def replay(name: str, sent: list | None = None, tokenizer=None):
    """A handler answering /v1/completions with the recording, /tokenize as recorded, and /detokenize as
    recorded or, given a tokenizer, as vLLM does (decode without skipping special tokens)."""
    request, status, body = recorded(name)
    tokenize, detokenize = recorded("tokenize"), recorded("detokenize")

    def handler(req: httpx.Request) -> httpx.Response:
        payload = json.loads(req.content or b"{}")
        if req.url.path == "/v1/completions":
            (sent if sent is not None else []).append(payload)
            kind = "text/event-stream" if body.startswith("data:") else "application/json"
            return httpx.Response(status, content=body.encode(), headers={"content-type": kind})
        if req.url.path == "/tokenize":
            return httpx.Response(200, text=tokenize[2])
        if req.url.path == "/detokenize" and payload == detokenize[0]:
            return httpx.Response(200, text=detokenize[2])
        if req.url.path == "/detokenize" and tokenizer is not None:
            return httpx.Response(200, json={"prompt": tokenizer.decode(payload["tokens"])})
        return httpx.Response(404, json={"detail": "Not Found"})

    return request, handler


def last(stream):
    state = None
    for state in stream:
        pass
    return state


def steps_of(body: str, index: int = 0) -> list[tuple[str, float, dict]]:
    """(token, logprob, top_logprobs) of every token of sequence `index` in a recorded stream."""
    steps = []
    for line in body.splitlines():
        if line.startswith("data: {"):
            for c in json.loads(line[5:])["choices"]:
                if c["index"] == index and c.get("logprobs"):
                    lp = c["logprobs"]
                    steps += zip(lp["tokens"], lp["token_logprobs"], lp["top_logprobs"])
    return steps


def test_greedy_request_and_mapping_match_the_recording(tokenizer):
    sent = []
    request, handler = replay("greedy", sent, tokenizer)
    params = GenerationParams(max_new_tokens=8).validated()
    state = last(backend(handler).stream("Once upon a time", params, threading.Event()))
    assert sent == [request] == [request_body("stories260K", "Once upon a time", params)]
    body, seq = recorded("greedy")[2], state.sequences[0]
    assert state.done and seq.finished and len(seq.tokens) == 8
    assert seq.completion == "".join(t.token for t in seq.tokens) == ", there was a little girl"
    # vLLM packed " a little" into one chunk: each token still gets its own piece
    assert [t.token for t in seq.tokens] == [",", " there", " was", " a", " little", " g", "ir", "l"]
    for token, (name, logprob, top) in zip(seq.tokens, steps_of(body), strict=True):
        assert token.id == int(name.removeprefix("token_id:"))
        assert token.prob == pytest.approx(math.exp(logprob), abs=1e-12)
        ranked = sorted(top.items(), key=lambda kv: -kv[1])[:5]
        assert [a.id for a in token.top] == [int(k.removeprefix("token_id:")) for k, _ in ranked]
        assert [a.prob for a in token.top] == pytest.approx([math.exp(v) for _, v in ranked], abs=1e-12)
    # ids read as they would in the text, leading space included (decoded after a newline token)
    assert [a.token for a in seq.tokens[0].top[:2]] == [",", " there"]


def test_sampled_sequences_are_kept_apart_by_index(tokenizer):
    request, handler = replay("sampled_n2", tokenizer=tokenizer)
    params = GenerationParams(max_new_tokens=6, do_sample=True, temperature=0.9, top_k=40, top_p=0.9, seed=3,
                              num_sequences=2).validated()
    assert request_body("stories260K", "Once upon a time", params) == request
    state = last(backend(handler).stream("Once upon a time", params, threading.Event()))
    body = recorded("sampled_n2")[2]
    for i, seq in enumerate(state.sequences):
        texts = [c["text"] for line in body.splitlines() if line.startswith("data: {")
                 for c in json.loads(line[5:])["choices"] if c["index"] == i]
        assert seq.completion == "".join(texts) == "".join(t.token for t in seq.tokens)
        assert [t.id for t in seq.tokens] == [int(n.removeprefix("token_id:")) for n, _, _ in steps_of(body, i)]
        assert len(seq.tokens) == 6 and seq.finished
    assert state.sequences[0].completion != state.sequences[1].completion


def test_greedy_with_several_sequences_asks_once_and_repeats_it():
    params = GenerationParams(max_new_tokens=8, num_sequences=3).validated()
    assert request_body("m", "p", params)["n"] == 1  # vLLM refuses n > 1 with temperature 0
    _, handler = replay("greedy")
    state = last(backend(handler).stream("Once upon a time", params, threading.Event()))
    assert len({s.completion for s in state.sequences}) == 1 and len(state.sequences) == 3


def test_logprobs_refusal_in_the_stream_names_the_fix():
    _, handler = replay("logprobs_refused")
    with pytest.raises(EngineError, match=r"logprobs.*--max-logprobs 5"):
        last(backend(handler).stream("Once upon a time", GenerationParams().validated(), threading.Event()))


def test_context_refusal_is_the_users_input():
    _, handler = replay("context_refused")
    with pytest.raises(InvalidInput, match="max_model_len=512"):
        last(backend(handler).stream("Once upon a time", GenerationParams().validated(), threading.Event()))


@pytest.mark.parametrize("exc, kind, message", [
    (httpx.ConnectError("Connection refused"), EngineUnreachable, "cannot be reached"),
    (httpx.ReadTimeout("timed out"), EngineError, "sent nothing for 5 s"),
])
def test_transport_failures(exc, kind, message):
    def handler(request):
        raise exc

    with pytest.raises(kind, match=message):
        last(backend(handler).stream("Hi", GenerationParams().validated(), threading.Event()))


def test_a_stream_cut_short_is_reported():
    body = recorded("greedy")[2].split("data: [DONE]")[0]  # the engine died before finishing

    def handler(request):
        return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})

    with pytest.raises(EngineError, match="without finishing it"):
        last(backend(handler).stream("Hi", GenerationParams().validated(), threading.Event()))


def test_several_tokens_in_one_chunk_share_its_text():
    texts = TokenTexts(EngineClient("http://x"), "m")
    texts._texts.update({1: " there", 2: " was"})
    assert split_text(" there was", [(1, None), (2, None)], texts) == [" there", " was"]
    assert split_text("é", [(1, None), (2, None)], texts) == ["", "é"]  # pieces still concatenate
    assert parse_token("token_id:42") == (42, None) and parse_token(" hi") == (-1, " hi")


@pytest.mark.parametrize("spec, expected", [
    ("http://127.0.0.1:8000", ("engine", "http://127.0.0.1:8000")),
    ("vllm=http://h:1/v1/", ("vllm", "http://h:1")),
    ("https://x.endpoints.huggingface.cloud/v1", ("engine", "https://x.endpoints.huggingface.cloud")),
])
def test_engine_specs(spec, expected):
    assert parse_engine(spec, 0) == expected


@pytest.mark.parametrize("spec", ["127.0.0.1:8000", "ftp://h", "bad name=http://h", "http://h?x=1"])
def test_bad_engine_specs_are_refused(spec):
    with pytest.raises(ValueError):
        parse_engine(spec, 0)


def test_text_released_without_a_token_joins_the_last_piece():
    """vLLM can hold text back (an unfinished character, a possible stop string) and release it in a later
    chunk with no token of its own: it joins the last token's piece, so the pieces still make the text."""
    body = ('data: {"choices":[{"index":0,"text":"a","logprobs":{"tokens":["token_id:5"],"token_logprobs":[-0.1],'
            '"top_logprobs":[{"token_id:5":-0.1}]}}]}\n\n'
            'data: {"choices":[{"index":0,"text":"b","logprobs":{"tokens":[],"token_logprobs":[],"top_logprobs":[]},'
            '"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')

    def handler(request):
        return httpx.Response(200 if request.url.path == "/v1/completions" else 404, content=body.encode())

    seq = last(backend(handler).stream("p", GenerationParams(max_new_tokens=4).validated(),
                                       threading.Event())).sequences[0]
    assert seq.completion == "ab" and [t.token for t in seq.tokens] == ["ab"] and seq.finished
