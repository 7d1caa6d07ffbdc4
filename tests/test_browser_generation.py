"""End to end in headless Debian Chromium: the generation tab streams and shows probabilities."""

from __future__ import annotations

from .conftest import choose_model, screenshot

# Records every distinct value the output box takes, to prove the text streams in.
WATCH_OUTPUT = """
window.__seen = [];
const tick = () => {
  const el = document.querySelector('#gen-output textarea');
  if (el && el.value && window.__seen[window.__seen.length - 1] !== el.value) window.__seen.push(el.value);
  requestAnimationFrame(tick);
};
tick();
"""


def test_generation_streams_with_probabilities(page, shared_manager):
    choose_model(page, "gen-model", "stories260K")
    page.locator("#gen-prompt textarea").fill("Once upon a time")
    page.evaluate(WATCH_OUTPUT)
    page.get_by_label("Max new tokens", exact=False).first.fill("120")
    page.click("#gen-run")
    page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('120 tokens')",
                           timeout=60_000)
    seen = page.evaluate("window.__seen")
    final = page.locator("#gen-output textarea").input_value()
    assert final.startswith("Once upon a time, there was a little girl named Lily")
    assert len(seen) >= 3, f"text did not stream: {len(seen)} distinct values"
    assert all(final.startswith(v) for v in seen)  # each update extended the text
    chips = page.locator("#gen-tokens .tok[data-prob]")
    assert chips.count() == 120
    title = chips.first.get_attribute("title")
    assert "top alternatives" in title and "p = " in title
    chips.nth(3).hover()
    page.get_by_role("tab", name="Table").click()
    assert page.locator("#gen-table").inner_text().count("%") >= 5
    screenshot(page, "generation")


def test_offline_hub_model_shows_clear_error(page):
    choose_model(page, "gen-model", "gpt2")
    page.click("#gen-run")
    toast = page.locator("[data-testid='toast-body']").first
    toast.wait_for(timeout=30_000)
    text = toast.inner_text()
    assert "cannot be reached" in text and "Traceback" not in text
    screenshot(page, "generation-offline-error")
