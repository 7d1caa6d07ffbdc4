"""End to end in headless Debian Chromium: the Fill-mask and Next sentence tabs."""

from __future__ import annotations

from ..conftest import choose_model, screenshot


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def test_fill_mask_tab(page):
    open_tab(page, "Fill-mask")
    choose_model(page, "fm-model", "tiny-bert")
    page.locator("#fm-text textarea").fill("The [MASK] raised the interest rate, and the river [MASK] was flooded.")
    page.click("#fm-run")
    page.wait_for_function("document.querySelector('#fm-summary')?.innerText.includes('[MASK] #2')",
                           timeout=60_000)
    page.wait_for_selector("#fm-chart .js-plotly-plot")  # plotly renders after the value arrives
    assert page.locator("#fm-chart .bars .point").count() == 10  # 2 masks x top-5
    tokens = page.locator("#fm-tokens").inner_text()
    assert "[CLS]" in tokens and "[MASK]" in tokens and "#2" in tokens
    assert page.locator("#fm-chips .tok").count() > 10
    assert page.locator("#fm-predictions").inner_text().count("%") >= 10
    screenshot(page, "fill-mask")


def test_fill_mask_tab_roberta_and_errors(page):
    open_tab(page, "Fill-mask")
    choose_model(page, "fm-model", "tiny-roberta")
    page.locator("#fm-text textarea").fill("I played [MASK] with my friends at school yesterday")
    page.click("#fm-run")
    page.wait_for_function("document.querySelector('#fm-tokens')?.innerText.includes('<mask>')", timeout=60_000)
    page.locator("#fm-text textarea").fill("No mask at all")
    page.click("#fm-run")
    toast = page.locator("[data-testid='toast-body']").first
    toast.wait_for(timeout=30_000)
    assert "has no [MASK]" in toast.inner_text() and "Traceback" not in toast.inner_text()
    screenshot(page, "fill-mask-error")


def test_next_sentence_tab(page):
    open_tab(page, "Next sentence")
    choose_model(page, "nsp-model", "tiny-bert")
    a, b = page.locator("#nsp-a textarea"), page.locator("#nsp-b textarea")
    assert a.input_value() == "What is baseball ?"  # the seed example is preloaded
    page.click("#nsp-run")
    page.wait_for_function("document.querySelector('#nsp-summary')?.innerText.includes('P(IsNext)')",
                           timeout=60_000)
    page.wait_for_selector("#nsp-chart .js-plotly-plot")
    assert page.locator("#nsp-chart .indicatorlayer").count() == 1  # the gauge
    table = page.locator("#nsp-tokens").inner_text()
    assert "token_type_id" in table and "[SEP]" in table and "baseball" in table
    assert "Raw NSP logits" in page.locator("#nsp-summary").inner_text()
    screenshot(page, "next-sentence")
    page.click("#nsp-swap")
    assert a.input_value() == "It is a game of hitting the ball with the bat."
    assert b.input_value() == "What is baseball ?"


def test_next_sentence_examples_load(page):
    open_tab(page, "Next sentence")
    page.get_by_text("This food is made with flour and milk.").first.click()
    b = page.locator("#nsp-b textarea")
    page.wait_for_function(
        "document.querySelector('#nsp-b textarea')?.value === 'This food is made with flour and milk.'")
    assert b.input_value() == "This food is made with flour and milk."
