"""Call a Gradio endpoint over plain HTTP + server-sent events, as curl or a browser does.

gradio_client polls its message queue with time.sleep(0.05) (gradio_client/utils.py), which adds
a 50-100 ms floor to every call whatever the server does; this path has no such floor, so the
bench reports both and the app/raw ratios on this one.
"""

from __future__ import annotations

import json

import httpx


class HttpApi:
    def __init__(self, url: str):
        self.base = url.rstrip("/") + "/gradio_api/call/"
        self.http = httpx.Client(timeout=120)
        info = self.http.get(url.rstrip("/") + "/gradio_api/info").json()["named_endpoints"]
        # Plain HTTP calls must send every parameter: fill the trailing ones with their defaults.
        self.defaults = {name.strip("/"): [p.get("parameter_default") for p in spec["parameters"]]
                         for name, spec in info.items()}

    def _full(self, name: str, data: tuple) -> list:
        defaults = self.defaults.get(name, [])
        return list(data) + defaults[len(data):]

    def events(self, api_name: str, *data):
        """Yield (event kind, payload) for one call: 'generating' updates, then 'complete' or 'error'."""
        name = api_name.strip("/")
        event = self.http.post(self.base + name, json={"data": self._full(name, data)}).json()["event_id"]
        kind = None
        with self.http.stream("GET", f"{self.base}{name}/{event}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("generating", "complete", "error"):
                    yield kind, json.loads(line[5:].strip() or "null")
                    if kind != "generating":
                        return

    def call(self, api_name: str, *data):
        for kind, payload in self.events(api_name, *data):
            if kind == "error":
                raise RuntimeError(f"{api_name}: {payload}")
            if kind == "complete":
                return payload[0] if isinstance(payload, list) and len(payload) == 1 else payload
        raise RuntimeError(f"{api_name}: stream ended without a result")

    def close(self) -> None:
        self.http.close()
