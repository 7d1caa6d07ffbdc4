"""HTTP APIs beside Gradio's own, built on the service and the task specs (no gradio import here).

- routes.py: plain REST, `POST /api/v1/<task>` with named parameters, `GET /api/v1/models`;
- openai.py (+ openai_request.py, openai_format.py): OpenAI-compatible `/v1/models`, `/v1/completions`;
- openapi.py: the OpenAPI description of both (`/api/v1/openapi.json`) and a docs page (`/api/v1/docs`).

ui/app.py passes `build_routes(service, gate)` to Gradio's FastAPI app, so they sit behind the same ASGI
middleware (the body limit, the gate) and are admitted by the same gate as every other door: one client
identity, one rate limit, one count of requests in flight against the job cap.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import openai, openapi, routes
from .common import Web


def build_routes(service, gate) -> list[BaseRoute]:
    web = Web(service, gate)
    return [*routes.routes(web), *openai.routes(web), *openapi.routes(web)]
