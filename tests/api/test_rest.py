"""Plain REST (/api/v1/<task>): the course's curl, the same numbers and messages as Gradio's endpoints,
named parameters with the spec's defaults, routes and OpenAPI derived from the specs."""

from __future__ import annotations

import json
import shlex
import subprocess

import httpx
import pytest
import torch
from gradio_client.exceptions import AppError

from llm_playground.models.catalog import GENERATION
from llm_playground.tasks.generation import encode_prompt

from ..http_calls import HttpCaller
from ..tolerance import close, differences
from ..unit.test_generation import raw_greedy

COURSE_CURL = ("curl -X POST -H \"Content-Type: application/json\" -d '{\"text\": \"Once upon a time\"}' "
               "http://127.0.0.1:5000/generate")
TIMING = ("seconds", "tokens_per_second")


def rest(url: str, name: str, body, raw: str | None = None) -> httpx.Response:
    content = raw if raw is not None else json.dumps(body)
    return httpx.post(f"{url.rstrip('/')}/api/v1/{name}", content=content.encode(),
                      headers={"Content-Type": "application/json"}, timeout=120)


def without_timing(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in TIMING}


def test_course_curl_works_as_written(app_server, client, shared_manager):
    """The course's one-liner, only the address changed: JSON back, with generated_text, from the default model."""
    url, service = app_server
    command = COURSE_CURL.replace("http://127.0.0.1:5000/generate", f"{url.rstrip('/')}/api/v1/generate")
    out = subprocess.run(shlex.split(command) + ["-s", "-w", "\n%{http_code}"], capture_output=True, text=True,
                         timeout=120)
    body, status = out.stdout.rsplit("\n", 1)
    assert status == "200", body
    result = json.loads(body)
    assert result["model"] == service.default_model(GENERATION) == "stories260K"
    assert result["generated_text"] == result["text"] == "Once upon a time" + result["completion"]
    loaded = shared_manager.get("stories260K", GENERATION)  # independent: plain transformers greedy
    assert [t["id"] for t in result["tokens"]] == raw_greedy(loaded, "Once upon a time", 40)
    gradio = client.predict(model="stories260K", prompt="Once upon a time", api_name="/generate")
    assert without_timing(gradio) == without_timing({k: v for k, v in result.items() if k != "generated_text"})


@pytest.mark.parametrize("params", [
    dict(model="stories260K", prompt="Once upon a time", max_new_tokens=25),
    dict(model="tiny-gpt2", prompt="Hello world", max_new_tokens=8, num_sequences=2),
    dict(model="stories260K", prompt="The cat", max_new_tokens=20, do_sample=True, temperature=0.7, top_k=20,
         top_p=0.9, seed=11, repetition_penalty=1.2),
    dict(model="stories260K", prompt="The cat", max_new_tokens=6, do_sample=True, temperature=0.7, top_k=5, seed=2,
         filtered_probs=True),  # REST used to leave out what the filters did
])
def test_generate_equals_gradio_generate(app_server, client, shared_manager, params):
    """Greedy ids equal and probabilities within the promise (tests/tolerance.py) of Gradio's /generate (and,
    greedy, of transformers)."""
    result = rest(app_server[0], "generate", params).json()
    gradio = client.predict(**params, api_name="/generate")
    assert [t["id"] for t in result["tokens"]] == [t["id"] for t in gradio["tokens"]]
    assert result["completions"] == gradio["completions"]
    for ours, theirs in zip(result["tokens"], gradio["tokens"]):
        assert ours.keys() == theirs.keys()
        assert ours["prob"] == close(theirs["prob"])
        assert ours.get("prob_after_filters") == close(theirs.get("prob_after_filters"))
        assert [a["id"] for a in ours["top"]] == [a["id"] for a in theirs["top"]]
    if not params.get("do_sample"):
        loaded = shared_manager.get(params["model"], GENERATION)
        assert [t["id"] for t in result["tokens"]] == raw_greedy(loaded, params["prompt"], params["max_new_tokens"])
        ids = encode_prompt(loaded.tokenizer, params["prompt"])[0].tolist() + [t["id"] for t in result["tokens"]]
        with torch.no_grad():
            probs = torch.softmax(loaded.model(torch.tensor([ids])).logits[0].double(), -1)
        start = len(ids) - len(result["tokens"]) - 1
        for i, token in enumerate(result["tokens"]):
            assert token["prob"] == close(probs[start + i, token["id"]].item())


def test_every_api_spec_has_a_route(app_server):
    """Routes come from the specs: each API name answers (a missing parameter is a 400 naming it)."""
    url, service = app_server
    names = [spec.api_name for spec in service.specs.values() if spec.api_name]
    assert {"generate", "next_token", "fill_mask", "next_sentence", "attention", "tokenize", "detokenize"} <= set(names)
    for name in names:
        response = rest(url, name, {})
        spec = next(s for s in service.specs.values() if s.api_name == name)
        if not spec.api_params():
            assert response.status_code == 200
        else:
            assert response.status_code == 400 and response.json()["error"].startswith("Missing parameter"), name
    assert httpx.get(f"{url}api/v1/models").json() == service.models()


@pytest.mark.parametrize("name,params", [
    ("next_token", dict(model="stories260K", prompt="Once upon a time", top_k=5, temperature=0.8)),
    ("fill_mask", dict(model="tiny-bert", text="I played [MASK] with my friends.", top_k=3)),
    ("next_sentence", dict(model="tiny-bert", sentence_a="What is baseball?", sentence_b="It is a game.")),
    ("attention", dict(model="stories260K", text="Once upon a time", layer=1, head=2)),
    ("logit_lens", dict(model="stories260K", text="Once upon a time", top_k=2)),
    ("forward_pass", dict(model="stories260K", text="Once upon a time", layer=1, head=3, position=-1)),
    ("tokenize", dict(tokenizers=["gpt2-tokenizer", "words (baseline)"], text="Hello 東京 world")),
    ("detokenize", dict(tokenizer="gpt2-tokenizer", ids=[15496, 995])),
])
def test_tasks_equal_gradio_endpoints(app_server, client, name, params):
    assert rest(app_server[0], name, params).json() == client.predict(**params, api_name=f"/{name}")


def test_omitted_parameters_take_the_spec_defaults(app_server, client):
    """Only what is sent differs from the defaults; model defaults to the catalogue's for the task."""
    url, service = app_server
    result = rest(url, "next_token", {"prompt": "Once upon a time"}).json()
    defaults = service.specs["next-token"].defaults()
    assert defaults["top_k"] == 20 and result["model"] == service.default_model(GENERATION)
    assert not differences(result, client.predict(model=result["model"], prompt="Once upon a time",
                                                  api_name="/next_token"))


@pytest.mark.parametrize("body,message", [
    ({"prompt": "Hi", "foo": 1, "bar": 2},
     "Unknown parameters 'foo', 'bar' for /api/v1/generate; it takes: model, prompt"),
    ({"prompt": "Hi", "text": "Hi"}, "'prompt' and 'text' are the same parameter"),
    ({"model": "stories260K"}, "Missing parameter 'prompt' (the text to continue)"),
    ("[1, 2]", "must be a JSON object of named parameters"),
    ("{\"prompt\": ", "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),  # was a 500 and a logged traceback (issue #33)
])
def test_malformed_requests_are_4xx_with_a_specific_message(app_server, body, message):
    response = rest(app_server[0], "generate", body, raw=body if isinstance(body, str) else None)
    assert response.status_code == 400 and message in response.json()["error"]


@pytest.mark.parametrize("name,params", [
    ("generate", dict(model="stories260K", prompt="", max_new_tokens=5)),
    ("generate", dict(model="stories260K", prompt="Hi", max_new_tokens=100_000)),
    ("generate", dict(model="stories260K", prompt="Hi", do_sample=True, temperature=0.0)),
    ("generate", dict(model="stories260K", prompt="Hi", do_sample=True, temperature=1e-9)),
    ("generate", dict(model="tiny-bert", prompt="Hi")),
    ("generate", dict(model="../../etc", prompt="Hi")),
    ("generate", dict(model="stories260K", prompt="Hello world " * 200, max_new_tokens=100)),
    ("fill_mask", dict(model="tiny-bert", text="no mask here")),
    ("attention", dict(model="stories260K", text="Once", layer=99)),
    ("tokenize", dict(tokenizers=["gpt2-tokenizer", "stories260K", "tiny-gpt2", "tiny-bert", "minilm", "tiny-roberta",
                                  "words (baseline)"], text="Hi")),
    ("detokenize", dict(tokenizer="gpt2-tokenizer", ids=[-5])),
])
def test_bad_values_get_the_message_the_ui_shows(app_server, client, name, params):
    """The same specific message as Gradio's endpoint (what the UI shows), as HTTP 400."""
    response = rest(app_server[0], name, params)
    assert response.status_code == 400, response.text
    with pytest.raises(AppError) as raised:
        client.predict(**params, api_name=f"/{name}")
    assert response.json() == {"error": raised.value.args[0]}
    assert "Something went wrong" not in response.json()["error"]


def test_lone_surrogate_and_nan_over_raw_json(app_server):
    """What JSON can carry but Python clients cannot send: refused with the same message as Gradio's."""
    url = app_server[0]
    http = HttpCaller(url)
    try:
        for raw, api_name, kwargs in [
            ('{"model": "stories260K", "prompt": "\\udc80"}', "/generate", dict(model="stories260K", prompt="\udc80")),
            ('{"model": "stories260K", "prompt": "Hi", "temperature": NaN, "do_sample": true}', "/generate",
             dict(model="stories260K", prompt="Hi", temperature=float("nan"), do_sample=True)),
        ]:
            response = rest(url, "generate", None, raw=raw)
            gradio = http.call(api_name, kwargs)
            assert response.status_code == 400 and gradio.kind == "error"
            assert response.json()["error"] == gradio.data
    finally:
        http.close()


def test_openapi_and_docs_are_generated_from_the_specs(app_server):
    url, service = app_server
    doc = httpx.get(f"{url}api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for spec in service.specs.values():
        if not spec.api_name:
            continue
        path = doc["paths"][f"/api/v1/{spec.api_name}"]
        operation = path.get("post") or path["get"]
        assert operation["description"] == spec.doc
        if spec.api_params():
            props = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
            for p in spec.api_params():
                assert props[p.name]["description"].startswith(p.doc)
                if p.default is not None:
                    assert props[p.name]["default"] == p.default
    generate = doc["paths"]["/api/v1/generate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    cap = service.settings.max_new_tokens_cap
    assert generate["properties"]["max_new_tokens"]["maximum"] == cap
    assert generate["properties"]["text"]["description"] == "another name for `prompt`"
    assert {"/v1/models", "/v1/completions"} <= set(doc["paths"])
    page = httpx.get(f"{url}api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert all(path in page.text for path in doc["paths"]) and "<script" not in page.text


def test_health(app_server):
    assert httpx.get(f"{app_server[0]}api/v1/health").json() == {"status": "ok"}
