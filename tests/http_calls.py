"""Call the app's endpoints over plain HTTP (POST /gradio_api/call/<name>, then read the event stream).

gradio_client cannot send what JSON allows but a Python str cannot encode as UTF-8 (a lone surrogate
such as "\\udc80" travels as the escape `\\udc80`) nor NaN/Infinity, and it polls with a sleep per
call; this path sends exactly the JSON body given (Python's json.dumps writes both escapes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Outcome:
    kind: str  # "complete", "error" or "http <status>"
    data: Any  # the result (one output unwrapped), the error message, or the HTTP body

    @property
    def ok(self) -> bool:
        return self.kind == "complete"


class HttpCaller:
    def __init__(self, url: str, timeout: float = 120):
        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)
        info = self.http.get(self.url + "/gradio_api/info").json()["named_endpoints"]
        # Plain HTTP calls must send every parameter, in order: keep names and defaults.
        self.params = {name: [(p["parameter_name"], p.get("parameter_default")) for p in spec["parameters"]]
                       for name, spec in info.items()}

    def values(self, api_name: str, kwargs: dict) -> list:
        return [kwargs.get(name, default) for name, default in self.params[api_name]]

    def start(self, api_name: str, body: str) -> tuple[str | None, httpx.Response]:
        r = self.http.post(f"{self.url}/gradio_api/call/{api_name.strip('/')}", content=body.encode(),
                           headers={"Content-Type": "application/json"})
        return (r.json()["event_id"] if r.status_code == 200 else None), r

    def call(self, api_name: str, kwargs: dict | None = None, *, data: list | None = None) -> Outcome:
        """Call `api_name` with keyword arguments (defaults filled in) or a raw `data` list."""
        values = data if data is not None else self.values(api_name, kwargs or {})
        event, response = self.start(api_name, json.dumps({"data": values}))  # ensure_ascii: \udc80, NaN
        if event is None:
            return Outcome(f"http {response.status_code}", response.text)
        kind = None
        with self.http.stream("GET", f"{self.url}/gradio_api/call/{api_name.strip('/')}/{event}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    payload = json.loads(line[5:].strip() or "null")
                    if kind == "error":
                        return Outcome(kind, (payload or {}).get("error") if isinstance(payload, dict) else payload)
                    return Outcome(kind, payload[0] if isinstance(payload, list) and len(payload) == 1 else payload)
        return Outcome("error", "stream ended without a result")

    def close(self) -> None:
        self.http.close()
