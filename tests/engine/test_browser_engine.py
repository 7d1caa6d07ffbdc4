"""The Generate tab on a model served by a real vLLM engine, in headless Debian Chromium."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from ..browser.test_browser_generation import WATCH_OUTPUT
from ..conftest import choose_model, screenshot
from ..engine_server import SERVED_NAME, BusyEngine, own_requests_finished

ENGINE_MODEL = f"{SERVED_NAME}@vllm"


def test_generate_tab_streams_from_the_engine(engine_page, engine_app):
    page, service = engine_page, engine_app[1]
    note = page.locator("#gen-engines")
    assert ENGINE_MODEL in note.inner_text() and "generation only" in note.inner_text()
    assert "closed" in note.inner_text() and "not answering" in note.inner_text()  # the engine that is down
    choose_model(page, "gen-model", ENGINE_MODEL)
    page.locator("#gen-prompt textarea").fill("Once upon a time")
    page.evaluate(WATCH_OUTPUT)
    page.get_by_label("Max new tokens", exact=False).first.fill("80")
    page.click("#gen-run")
    page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('80 tokens')", timeout=60_000)
    local = service.generate("stories260K", "Once upon a time", max_new_tokens=80).result.sequences[0]
    final = page.locator("#gen-output textarea").input_value()
    assert final == "Once upon a time" + local.completion  # the engine's text is the local model's
    assert len(page.evaluate("window.__seen")) >= 2, "the text did not stream"
    stats = page.locator("#gen-stats").inner_text()
    assert "served by the engine at" in stats and ENGINE_MODEL in stats
    assert "\\" not in stats and "http://127.0.0.1:" in stats  # the address as typed, no Markdown escapes
    chips = page.locator("#gen-tokens .tok[data-prob]")
    assert chips.count() == 80
    assert chips.first.get_attribute("data-prob") == f"{local.tokens[0].prob:.4f}"
    chips.nth(1).click()  # its popover: alternatives read like the text; the engine does not say what it filtered
    pop = page.locator(".tok-pop")
    pop.wait_for()
    assert " there" in pop.inner_text() and "not what its sampling filters did" in pop.inner_text()
    screenshot(page, "generation-engine-popover")
    # branching on an engine model: the forced tokens go in the prompt; the text is the local model's branch
    choice = pop.locator("button.tok-alt").first
    chosen_id = int(page.evaluate("JSON.parse(document.querySelector('#gen-tokens .tok[data-step=\"1\"]')"
                                  ".dataset.alts).find(a => a[1] !== Number(document.querySelector("
                                  "'#gen-tokens .tok[data-step=\"1\"]').dataset.id))[1]"))
    choice.click()
    page.wait_for_function("document.querySelector('#gen-tokens .tok.forced')?.dataset.step === '1'", timeout=60_000)
    page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('82 tokens')", timeout=60_000)
    branch = service.generate("stories260K", "Once upon a time", max_new_tokens=80,
                              prefix_ids=[local.tokens[0].id, chosen_id]).result.sequences[0]
    assert page.locator("#gen-output textarea").input_value() == "Once upon a time" + branch.completion
    page.locator("#gen-branches label").first.click()  # back to the first text
    page.wait_for_function("document.querySelectorAll('#gen-tokens .tok[data-step]').length === 80")
    page.locator("#gen-python").click()
    assert "from openai import OpenAI" in page.locator("#gen-code").inner_text()
    page.get_by_role("tab", name="Table").click()
    assert page.locator("#gen-table").inner_text().count("%") >= 5
    page.get_by_role("tab", name="Token probabilities").click()
    chips.nth(5).hover()
    screenshot(page, "generation-engine")


def test_deep_link_runs_on_the_engine(engine_page, engine_app):
    query = urlencode({"tab": "generate", "model": ENGINE_MODEL, "prompt": "The little dog", "max_new_tokens": 12,
                       "run": 1})
    # From a blank page: the fixture's page may still be starting up, and a navigation its scripts start then
    # aborted this one (net::ERR_ABORTED, seen once in CI)
    engine_page.goto("about:blank")
    engine_page.goto(f"{engine_app[0]}?{query}")
    engine_page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('12 tokens')",
                                  timeout=60_000)
    assert ENGINE_MODEL in engine_page.locator("#gen-stats").inner_text()
    assert engine_page.locator("#gen-model input").input_value() == ENGINE_MODEL


def test_engine_error_is_a_plain_toast(engine_page):
    choose_model(engine_page, "gen-model", "html-error@fake")
    engine_page.click("#gen-run")
    toast = engine_page.locator("[data-testid='toast-body']").first
    toast.wait_for(timeout=30_000)
    text = toast.inner_text()
    assert "failed (HTTP 500): 'Internal Server Error'" in text and "Traceback" not in text
    assert toast.locator("b, h1").count() == 0  # the engine's HTML page is not rendered
    screenshot(engine_page, "generation-engine-error")


def test_stop_button_stops_the_engine(engine_page, engine_app, vllm):
    """Stop in the page cancels the event; the app closes its stream and vLLM aborts the request."""
    page, service = engine_page, engine_app[1]
    finished = lambda: own_requests_finished(vllm)  # noqa: E731
    finished_before = finished()
    choose_model(page, "gen-model", ENGINE_MODEL)
    page.locator("#gen-mode").get_by_text("sampling", exact=True).click()
    page.get_by_label("Max new tokens", exact=False).first.fill("480")
    page.get_by_label("Sequences", exact=False).first.fill("4")
    with BusyEngine(vllm.url):  # other users' requests: ours lasts seconds, so Stop comes before its end
        page.click("#gen-run")
        page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('generating')",
                               timeout=30_000)
        # dispatched, not clicked: Playwright's click waits for the page to settle, which a page receiving a
        # fast 4 x 480-token stream may not do within its timeout on a loaded 2-core machine
        page.locator("#gen-stop").dispatch_event("click")
        deadline = time.monotonic() + 10
        while service.workers.active and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.workers.active == 0, "the stream thread is still running after Stop"
        # the stream ended itself: every panel shows what was made, marked stopped
        page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('stopped')", timeout=20_000)
        text = page.locator("#gen-output textarea").input_value()
        chips = page.locator("#gen-tokens .tok[data-prob]").count()
        screenshot(page, "generation-engine-stopped")
    time.sleep(1.5)
    assert finished() == finished_before, "vLLM finished the request: Stop did not reach it"
    assert text.startswith("Once upon a time") and 0 < chips < 4 * 480  # it had begun, and it did not end


@pytest.mark.parametrize("requests", [1, 2], ids=["while-measuring-the-prompt", "while-the-engine-is-silent"])
def test_stop_before_the_engines_first_token(engine_page, engine_app, fake_engine, requests):
    """The engine says nothing (a queued request, a long prefill, a hung server): Stop ends the wait and the
    page says stopped, instead of waiting for the engine's timeout and showing its error. With max_new_tokens
    at the slider's end the prompt's bytes cannot tell whether it fits, so the app asks the silent engine twice:
    /tokenize (how long the prompt is: the app gives up after 3 s), then the answer."""
    page, asked = engine_page, fake_engine.asked["slow"]
    choose_model(page, "gen-model", "slow@fake")
    page.wait_for_function("Number(document.querySelector('#gen-max-new input[type=range]')?.max) > 300")
    most = page.locator("#gen-max-new input[type=range]").get_attribute("max")
    number = page.locator("#gen-max-new input[type=number]")
    number.fill(most)
    number.press("Enter")
    page.click("#gen-run")
    deadline = time.monotonic() + 15
    while fake_engine.asked["slow"] < asked + requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_engine.asked["slow"] == asked + requests, "the requests did not reach the engine"
    page.locator("#gen-stop").dispatch_event("click")
    page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('stopped')", timeout=5_000)
    assert page.locator("[data-testid='toast-body']").count() == 0  # no error: the app stopped it
    assert engine_app[1].workers.active == 0
    screenshot(page, f"generation-engine-stopped-{requests}")
