"""Shared fixtures: an offline models dir, a model manager, a launched app, a headless browser."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never touch the network
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from llm_playground.config import Settings  # noqa: E402
from llm_playground.models.manager import ModelManager  # noqa: E402
from llm_playground.service.playground import PlaygroundService  # noqa: E402

from .fixtures import SHARED_MODELS, build_models_dir  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Playwright's waits (not assertions): a busy 2-core machine took over 30 s, its default, in fresh-clone runs
PAGE_TIMEOUT_MS = 60_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


# Tiers (README's test command runs them all; the fast one is `pytest -m fast`, about a minute): a test is marked
# by its folder and by what it uses, so a unit test that launches a browser is still a browser test.
TIERS = ("unit", "service", "api", "browser", "engine", "zerogpu")
USES = {"browser": {"browser", "page", "engine_page"},
        "engine": {"vllm", "spare_engine", "engine_app", "engine_client"},
        "api": {"app_server", "client"}}


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = Path(str(item.path)).parent.name
        tiers = {folder if folder in TIERS else "unit"}
        tiers |= {tier for tier, fixtures in USES.items() if fixtures & set(item.fixturenames)}
        if tiers <= {"unit", "service"} and not item.get_closest_marker("slow"):
            tiers.add("fast")
        for tier in tiers:
            item.add_marker(tier)


def pytest_sessionstart(session):
    if not SHARED_MODELS.is_dir():
        raise pytest.UsageError(f"{SHARED_MODELS} is missing: tests need ../shared/models beside the repo.")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    return build_models_dir(tmp_path_factory.mktemp("models"))


@pytest.fixture
def manager(models_dir) -> ModelManager:
    """A fresh manager per test (no state shared between tests), offline."""
    return ModelManager(Settings(models_dir=models_dir), hub_probe=lambda: False)


@pytest.fixture(scope="session")
def shared_manager(models_dir) -> ModelManager:
    """One manager for read-only tests that only need loaded models (saves load time)."""
    return ModelManager(Settings(models_dir=models_dir), hub_probe=lambda: False)


@pytest.fixture
def service(manager) -> PlaygroundService:
    """A fresh service (own caches, limiter, exports) over a fresh manager."""
    yield (svc := PlaygroundService(manager=manager))
    svc.close()


@pytest.fixture(scope="session")
def shared_service(shared_manager) -> PlaygroundService:
    return PlaygroundService(manager=shared_manager)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(models_dir):
    """The real app, launched in-process on a free loopback port: (url, service)."""
    yield from launched(Settings(models_dir=models_dir, port=free_port()))


def launched(settings: Settings):
    """Build and launch an app in this process; yields (url, service), closes both afterwards."""
    from llm_playground.ui.app import build_app, launch

    service = PlaygroundService(settings, hub_probe=lambda: False)
    app = build_app(service)
    _, url, _ = launch(app, service, prevent_thread_lock=True, quiet=True)
    try:
        yield url, service
    finally:
        app.close()
        service.close()


@pytest.fixture(scope="session")
def client(app_server):
    from gradio_client import Client

    return Client(app_server[0], verbose=False)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = b.new_context

        def patient_context(*args, **kwargs):  # every page's waits: see page() below
            context = new_context(*args, **kwargs)
            context.set_default_timeout(PAGE_TIMEOUT_MS)
            return context

        b.new_context = patient_context
        yield b
        b.close()


@pytest.fixture
def page(browser, app_server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    pg = ctx.new_page()
    pg.goto(app_server[0])
    pg.wait_for_selector("gradio-app .tabs", state="attached")
    yield pg
    ctx.close()


@pytest.fixture
def slow_stories260k(app_server, monkeypatch):
    """The app's stories260K, slowed to 30 ms a forward pass (120 tokens: ~4 s). Unslowed it makes hundreds of
    tokens a second, so a page on a busy machine can see a whole text arrive at once, or a Stop land after
    the end: tests of streaming and Stop need it to take its time."""
    loaded = app_server[1].manager.get("stories260K", "generation")
    slow_down(loaded, monkeypatch, 0.03)
    return loaded


def slow_down(loaded, monkeypatch, seconds: float) -> list[float]:
    """Every forward pass of the loaded model waits `seconds` first; returns the times of the calls."""
    real_forward, calls = loaded.model.forward, []

    def slow_forward(*args, **kwargs):
        calls.append(time.monotonic())
        time.sleep(seconds)
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(loaded.model, "forward", slow_forward)
    return calls


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def choose_model(page, elem_id: str, name: str) -> None:
    """Pick `name` in the gr.Dropdown with elem_id (type to filter, click the option)."""
    box = page.locator(f"#{elem_id} input")
    box.click()
    box.fill(name)
    page.locator(f"ul[role='listbox'] li[role='option'][aria-label='{name}']").first.click()
    assert box.input_value() == name


# The engine tests' fixtures (a real vLLM server, a misbehaving one, the app launched with them).
from .engine_fixtures import engine_app, engine_client, engine_page, fake_engine, spare_engine, vllm  # noqa: E402,F401
