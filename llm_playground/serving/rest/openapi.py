"""The OpenAPI description of the HTTP APIs, generated from the task specs, and a docs page made from it.

`GET /api/v1/openapi.json`: every `/api/v1/<task>` route with its parameters (types, defaults, ranges,
one-line docs, aliases) straight from specs/, and the OpenAI-compatible routes with the ranges this
server accepts. `GET /api/v1/docs`: the same as a self-contained HTML page (no scripts, works offline).
"""

from __future__ import annotations

import html
import json

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from ...specs import BOOL, CHOICE, FLOAT, IDS, INT, MODEL, MODELS, TEXT, Param, TaskSpec
from ...tasks.generation import MAX_ALTERNATIVES
from .. import api
from .common import Web
from .openai_request import DEFAULT_MAX_TOKENS, MAX_PROMPTS, NEUTRAL
from .routes import PREFIX

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
OPENAI_ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "message": {"type": "string"}, "type": {"type": "string"}, "param": {"type": ["string", "null"]},
    "code": {"type": ["string", "null"]}}}}}
STATUSES = {"400": "a parameter is missing, unknown or out of range (the message says which and why)",
            "413": "the request body is too large", "429": "too many requests from this client",
            "500": "a fault of the server (logged)", "503": "too many API requests at once"}


def schema(p: Param, spec: TaskSpec) -> dict:
    """One parameter's JSON schema: its kind, its API range, its default and its doc line."""
    low, high = p.api_range
    out = {TEXT: {"type": "string"}, INT: {"type": "integer"}, FLOAT: {"type": "number"},
           BOOL: {"type": "boolean"}, CHOICE: {"type": "string", "enum": list(p.choices)},
           MODEL: {"type": "string"}, MODELS: {"type": "array", "items": {"type": "string"}},
           IDS: {"type": "array", "items": {"type": "integer"}}}[p.kind]
    if p.kind == TEXT and high is not None:
        out["maxLength"] = int(high)
    elif p.kind == MODELS and high is not None:
        out["maxItems"] = int(high)
    elif p.kind in (INT, FLOAT) and not p.task_checked and low is not None:
        out |= {"exclusiveMinimum" if p.low_open else "minimum": low, "maximum": high}
    doc = p.doc
    if p.kind == MODEL and spec.model_task:
        doc += f"; default: the catalogue's default {spec.model_task} model (see {PREFIX}/models)"
    if p.default is not None:
        out["default"] = p.default
    return out | {"description": doc}


def request_body(spec: TaskSpec) -> dict:
    props, required, alternatives = {}, [], []
    signature = api.signature(spec)
    for p in spec.api_params():
        props[p.name] = schema(p, spec)
        for alias in p.aliases:
            props[alias] = {**props[p.name], "description": f"another name for `{p.name}`"}
        if signature.parameters[p.name].default is signature.empty and p.kind != MODEL:
            (alternatives if p.aliases else required).append(p)
    body = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        body["required"] = [p.name for p in required]
    for p in alternatives:  # a required parameter with aliases: any one of its names
        body.setdefault("allOf", []).append({"anyOf": [{"required": [n]} for n in (p.name, *p.aliases)]})
    return {"required": True, "content": {"application/json": {"schema": body}}}


def responses(ok: str, error: dict = ERROR) -> dict:
    out = {"200": {"description": ok, "content": {"application/json": {"schema": {"type": "object"}}}}}
    return out | {code: {"description": why, "content": {"application/json": {"schema": error}}}
                  for code, why in STATUSES.items()}


def task_paths(web: Web) -> dict:
    paths = {}
    for name, (_, spec) in api.endpoints(web.service).items():
        operation = {"operationId": name, "summary": spec.doc.split(". ")[0], "description": spec.doc,
                     "responses": responses(f"the same JSON object as Gradio's /{name}")}
        if spec.api_params():
            paths[f"{PREFIX}/{name}"] = {"post": operation | {"requestBody": request_body(spec)}}
        else:
            paths[f"{PREFIX}/{name}"] = {"get": operation, "post": operation | {"operationId": f"{name}_post"}}
    return paths


def completion_schema(spec: TaskSpec) -> dict:
    """/v1/completions as this server takes it: OpenAI's fields with vLLM's meaning, our ranges."""
    cap = spec.param("max_new_tokens").api_range[1]
    nmax = spec.param("num_sequences").api_range[1]
    props = {
        "model": {"type": "string", "description": "a model from /v1/models (default: the catalogue's default)"},
        "prompt": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"},
                                                   "maxItems": MAX_PROMPTS}]},
        "max_tokens": {"type": "integer", "minimum": 0, "maximum": cap, "default": DEFAULT_MAX_TOKENS,
                       "description": "tokens to generate (0 only with echo: score the prompt)"},
        "temperature": {"type": "number", "minimum": 0, "maximum": spec.param("temperature").api_range[1],
                        "default": 1.0, "description": "0 = greedy decoding"},
        "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 1.0},
        "top_k": {"type": "integer", "minimum": -1, "default": 0, "description": "-1 or 0: all tokens"},
        "n": {"type": "integer", "minimum": 1, "maximum": nmax, "default": 1},
        "seed": {"type": "integer", "description": "random seed for sampling (default: a fresh one)"},
        "repetition_penalty": {"type": "number", "default": 1.0},
        "stream": {"type": "boolean", "default": False},
        "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
        "logprobs": {"type": "integer", "minimum": 0, "maximum": MAX_ALTERNATIVES,
                     "description": "return each token's logprob and the k most likely alternatives"},
        "echo": {"type": "boolean", "default": False, "description": "prepend the prompt (and its logprobs)"},
        "return_token_ids": {"type": "boolean", "default": False},
        "user": {"type": "string", "description": "ignored"},
    }
    for name in NEUTRAL:
        props[name] = {"description": "not supported: only its neutral value (or leave it out)"}
    return {"type": "object", "properties": props, "required": ["prompt"]}


def openai_paths(web: Web) -> dict:
    spec = web.service.specs["generate"]
    body = {"required": True, "content": {"application/json": {"schema": completion_schema(spec)}}}
    return {
        "/v1/models": {"get": {"operationId": "openai_models", "summary": "The generation models (OpenAI list)",
                               "responses": responses("{object: list, data: [{id, object: model, ...}]}",
                                                      OPENAI_ERROR)}},
        "/v1/completions": {"post": {
            "operationId": "openai_completions", "summary": "OpenAI-compatible text completion",
            "description": "OpenAI's completions with vLLM's semantics; stream=true sends `data: {...}` "
                           "server-sent events and `data: [DONE]`.",
            "requestBody": body, "responses": responses("a text_completion object (or its stream)", OPENAI_ERROR)}},
    }


def document(web: Web) -> dict:
    return {"openapi": "3.1.0",
            "info": {"title": "LLM Playground HTTP API", "version": "1",
                     "description": "Plain REST (one route per task, named parameters) and an OpenAI-compatible "
                                    "subset. Gradio's own API and MCP tools are described at /?view=api."},
            "paths": task_paths(web) | openai_paths(web) | {f"{PREFIX}/health": {"get": {
                "operationId": "health", "summary": "200 {\"status\": \"ok\"} while the server runs",
                "responses": {"200": {"description": "the server is up"}}}}}}


def _example(operation: dict) -> str:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    names = body.get("required") or [alt["anyOf"][-1]["required"][0] for alt in body.get("allOf", [])]
    sample = {n: ["…"] if body["properties"][n].get("type") == "array" else "…" for n in names}
    return json.dumps(sample, ensure_ascii=False)


def _rows(properties: dict) -> str:
    e = html.escape
    return "".join(f"<tr><td><code>{e(name)}</code></td>"
                   f"<td>{e(json.dumps({k: v for k, v in s.items() if k != 'description'}, ensure_ascii=False))}</td>"
                   f"<td>{e(s.get('description', ''))}</td></tr>" for name, s in properties.items())


def docs_html(doc: dict) -> str:
    """A plain page: per route its method, description, a table of parameters and a curl line."""
    e = html.escape
    parts = [f"<h1>{e(doc['info']['title'])}</h1><p>{e(doc['info']['description'])} "
             "Machine-readable: <a href='openapi.json'>openapi.json</a>.</p>"]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            parts.append(f"<h2><code>{method.upper()} {e(path)}</code></h2>"
                         f"<p>{e(op.get('description', op['summary']))}</p>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if rows := _rows(body.get("properties", {})):
                parts.append(f"<table><tr><th>name</th><th>schema</th><th>meaning</th></tr>{rows}</table>")
                parts.append(f"<pre>curl -X {method.upper()} -H 'Content-Type: application/json' -d "
                             f"'{e(_example(op))}' http://127.0.0.1:7860{e(path)}</pre>")
    style = "body{font-family:sans-serif;max-width:70em;margin:auto}td,th{border:1px solid #ccc;padding:2px 6px}"
    return f"<!doctype html><meta charset=utf-8><title>API</title><style>{style}</style>{''.join(parts)}"


def routes(web: Web) -> list[Route]:
    async def openapi_json(request: Request) -> JSONResponse:
        return JSONResponse(document(web))

    async def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(docs_html(document(web)))

    return [Route(f"{PREFIX}/openapi.json", openapi_json, methods=["GET"]),
            Route(f"{PREFIX}/docs", docs, methods=["GET"])]
