"""A stand-in for ZeroGPU's device API on loopback (what `spaces` calls: spaces/zero/api.py, 0.51.3).

The real service hands each `@spaces.GPU` call a GPU for `durationSeconds`; this one records every call and
answers as the test sets it: a GPU (`{"idle", "nvidiaIndex", "nvidiaUUID", "allowToken"}`), no GPU (503), the
visitor's quota spent (429 with `{"left", "wait"}`) or a duration over the maximum (429 with a negative wait).
With it the real `spaces` runs its whole main-process side on a machine without a GPU: CUDA emulation,
packing at launch, the start-up report, scheduling with a duration, and its messages.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

GPU, NO_GPU, QUOTA, TOO_LONG = "gpu", "no-gpu", "quota", "too-long"


@dataclass
class Calls:
    startup_reports: int = 0
    schedules: list[dict] = field(default_factory=list)  # each request's query parameters
    allowed: list[dict] = field(default_factory=list)
    released: list[dict] = field(default_factory=list)


class DeviceAPI:
    def __init__(self, uuid: str = "GPU-00000000-0000-0000-0000-000000000000"):
        self.uuid, self.answer, self.calls = uuid, GPU, Calls()
        self.lock = threading.Lock()
        self.server: uvicorn.Server | None = None
        self.url = ""

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/startup-report", self.startup_report, methods=["POST"]),
                                 Route("/schedule", self.schedule, methods=["POST"]),
                                 Route("/allow", self.allow, methods=["POST"]),
                                 Route("/release", self.release, methods=["POST"]),
                                 Route("/queue-size", self.queue_size, methods=["GET"])])

    async def startup_report(self, request: Request) -> Response:
        with self.lock:
            self.calls.startup_reports += 1
        return Response(status_code=200)

    async def schedule(self, request: Request) -> Response:
        with self.lock:
            self.calls.schedules.append(dict(request.query_params))
            answer = self.answer
        if answer == NO_GPU:
            return Response(status_code=503)
        if answer == QUOTA:
            return JSONResponse({"left": 3, "wait": "PT5M"}, status_code=429, headers={"X-Authenticated": "regular"})
        if answer == TOO_LONG:
            return JSONResponse({"left": 100, "wait": "-PT1S"}, status_code=429)
        return JSONResponse({"idle": True, "nvidiaIndex": 0, "nvidiaUUID": self.uuid,
                             "allowToken": secrets.token_hex(8)})

    async def allow(self, request: Request) -> Response:
        with self.lock:
            self.calls.allowed.append(dict(request.query_params))
        return Response(status_code=200)

    async def release(self, request: Request) -> Response:
        with self.lock:
            self.calls.released.append(dict(request.query_params))
        return Response(status_code=200)

    async def queue_size(self, request: Request) -> Response:
        return JSONResponse(0)

    def start(self, port: int) -> str:
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        threading.Thread(target=self.server.run, daemon=True).start()
        while not self.server.started:
            threading.Event().wait(0.02)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
