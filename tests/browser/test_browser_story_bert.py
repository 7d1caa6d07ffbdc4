"""End to end in headless Debian Chromium: the app as `python app.py` starts it (no model flags), without the Hub,
runs Fill-mask and Next sentence on the built-in story-bert, and its offline banner no longer asks for a BERT."""

from __future__ import annotations

from llm_playground.config import Settings

from ..conftest import free_port, launched, screenshot


def test_fill_mask_and_next_sentence_work_offline_with_no_flags(browser):
    for url, _ in launched(Settings(port=free_port(), mcp=False)):
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
        try:
            page = ctx.new_page()
            page.goto(url)
            page.wait_for_selector("gradio-app .tabs", state="attached")
            banner = page.locator("#offline-banner")
            banner.wait_for()
            assert "story-bert" in banner.inner_text() and "need a BERT" not in banner.inner_text()

            page.get_by_role("tab", name="Fill-mask", exact=True).click()
            assert page.locator("#fm-model input").input_value() == "story-bert"  # the default offline
            page.locator("#fm-text textarea").fill("Lily went to the [MASK] to play.")
            page.click("#fm-run")
            # the completed texts arrive with the result (the box shows the loading progress, with a %, before)
            page.wait_for_function("document.querySelector('#fm-predictions')?.innerText.includes('lily went to the')")
            predictions = page.locator("#fm-predictions").inner_text()
            assert "park" in predictions and "lily went to the park to play." in predictions
            screenshot(page, "fill-mask-story-bert")

            page.get_by_role("tab", name="Next sentence", exact=True).click()
            assert page.locator("#nsp-model input").input_value() == "story-bert"
            page.locator("#nsp-a textarea").fill("Once upon a time, there was a little girl named Lily.")
            page.locator("#nsp-b textarea").fill("She loved to play outside in the sun.")
            page.click("#nsp-run")
            page.wait_for_function("document.querySelector('#nsp-summary')?.innerText.includes('P(IsNext)')")
            assert "story-bert" in page.locator("#nsp-summary").inner_text()
            screenshot(page, "next-sentence-story-bert")
        finally:
            ctx.close()
