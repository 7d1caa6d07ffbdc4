"""Session fixtures of the engine tests: a real vLLM server, a spare one for destructive tests, a
misbehaving engine, and the app launched with all of them (imported into conftest.py).

The app's engines: `vllm` (the real server: stories260K@vllm), `spare` (a port where a second vLLM is
started, killed and restarted by the fault tests: down when the app starts), `fake` (FakeEngine's
misbehaving models) and `closed` (a port nobody listens on).
"""

from __future__ import annotations

import os

import pytest

from llm_playground.config import Settings

from .engine_server import FakeEngine, VllmServer, require_vllm

ENGINE_TIMEOUT = 8.0  # seconds of engine silence before the app gives up (the `slow` fault)


@pytest.fixture(scope="session")
def vllm():
    """The real engine. PLAYGROUND_TEST_VLLM_URL reuses one already running (same model and name) while
    developing; scripts/test.sh always starts its own."""
    from .conftest import free_port

    running = os.environ.get("PLAYGROUND_TEST_VLLM_URL")
    if running:
        server = VllmServer(int(running.rsplit(":", 1)[1]))
        yield server
        return
    require_vllm()
    server = VllmServer(free_port()).start()
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def spare_engine():
    """A second vLLM's port and command, not started: tests start, kill and restart it."""
    from .conftest import free_port

    require_vllm()
    server = VllmServer(free_port())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_engine():
    server = FakeEngine()
    yield server
    server.close()


@pytest.fixture(scope="session")
def engine_app(models_dir, vllm, spare_engine, fake_engine):
    """(url, service) of the app with the four engines above, beside the usual local models."""
    from .conftest import free_port, launched

    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    settings = Settings(models_dir=models_dir, port=free_port(), engine_timeout=ENGINE_TIMEOUT,
                        engines=(f"vllm={vllm.url}", f"spare={spare_engine.url}", f"fake={fake_engine.url}",
                                 f"closed={closed}"))
    yield from launched(settings)


@pytest.fixture(scope="session")
def engine_client(engine_app):
    from gradio_client import Client

    return Client(engine_app[0], verbose=False)


@pytest.fixture
def engine_page(browser, engine_app):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="en-US")
    pg = ctx.new_page()
    pg.goto(engine_app[0])
    pg.wait_for_selector("gradio-app .tabs", state="attached")
    yield pg
    ctx.close()
