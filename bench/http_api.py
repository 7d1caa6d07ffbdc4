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

    def call(self, api_name: str, *data):
        event = self.http.post(self.base + api_name.strip("/"), json={"data": list(data)}).json()["event_id"]
        kind = None
        with self.http.stream("GET", f"{self.base}{api_name.strip('/')}/{event}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    payload = json.loads(line[5:].strip() or "null")
                    if kind == "error":
                        raise RuntimeError(f"{api_name}: {payload}")
                    return payload[0] if isinstance(payload, list) and len(payload) == 1 else payload
        raise RuntimeError(f"{api_name}: stream ended without a result")

    def close(self) -> None:
        self.http.close()
