"""End to end in headless Debian Chromium: the Next-token tab, its deep link, copy link and filters."""

from __future__ import annotations

from ..conftest import screenshot
from .test_browser_share import open_link, selected_tab, wait_text


def test_next_token_tab_from_a_link(page, app_server, shared_service):
    open_link(page, app_server[0], tab="next-token", model="stories260K", prompt="Once upon a time, there was a",
              top_k=3, temperature=0.8, run=1)
    wait_text(page, "#nt-summary", "can still be sampled")
    assert selected_tab(page) == "Next token"
    page.wait_for_selector("#nt-chart .js-plotly-plot")
    expected = shared_service.next_token("stories260K", "Once upon a time, there was a", top_k=3,
                                         temperature=0.8).result
    table = page.locator("#nt-table").inner_text()
    best = expected.candidates[0]
    assert f"{best.prob:.4f}".rstrip("0") in table and "removed by top-k" in table
    assert page.locator("#nt-chart .bars .point").count() == 2 * len(expected.candidates)
    assert "3 of 512 tokens" in page.locator("#nt-summary").inner_text().replace(",", "")
    screenshot(page, "next-token")
    # the copy link carries the tab's inputs back
    page.click("#nt-copy-link")
    page.wait_for_function("document.querySelector('#nt-link textarea, #nt-link input')?.value.includes('top_k=3')")
    link = page.locator("#nt-link textarea, #nt-link input").first.input_value()
    assert "tab=next-token" in link and "temperature=0.8" in link and "run=1" in link


def test_next_token_filters_rerun_on_release(page):
    page.get_by_role("tab", name="Next token", exact=True).click()
    page.locator("#nt-model input").fill("stories260K")
    page.keyboard.press("Enter")
    page.click("#nt-run")
    wait_text(page, "#nt-summary", "can still be sampled")
    top_k = page.locator("#nt-top-k input[type=number]")
    top_k.fill("1")
    top_k.press("Enter")
    page.locator("#nt-top-k input[type=range]").dispatch_event("pointerup")
    wait_text(page, "#nt-summary", "1 of 512 tokens")
    page.set_viewport_size({"width": 420, "height": 900})
    screenshot(page, "next-token-narrow")
