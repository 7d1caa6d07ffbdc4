"""End to end in headless Debian Chromium: the Attention tab runs once, then re-plots from the cache."""

from __future__ import annotations

import json
from pathlib import Path

from ..conftest import choose_model, screenshot

TEXT = "Once upon a time, there was a little girl named Lily. She loved to play."
TITLE = "#att-plot .gtitle"


def open_tab(page, model: str, text: str) -> None:
    page.get_by_role("tab", name="Attention").click()
    choose_model(page, "att-model", model)
    page.locator("#att-text textarea").fill(text)
    page.click("#att-run")


def wait_title(page, part: str) -> None:
    page.wait_for_function(f"document.querySelector('{TITLE}')?.textContent.includes({json.dumps(part)})",
                           timeout=60_000)


def hover_cell(page, fx: float, fy: float) -> str:
    """Hover at a fraction of the heatmap; plotly needs a real mouse move, so nudge until a label shows."""
    box = page.locator("#att-plot .nsewdrag").first.bounding_box()
    for nudge in range(10):
        page.mouse.move(box["x"] + box["width"] * fx + nudge, box["y"] + box["height"] * fy)
        page.wait_for_timeout(150)
        text = page.locator("#att-plot .hoverlayer").text_content()
        if text:
            return text
    raise AssertionError("no hover label")


def test_attention_tab_switches_layer_and_head_without_rerunning(page, app_server):
    open_tab(page, "stories260K", TEXT)
    wait_title(page, "Layer 0, mean over heads")
    assert "22 tokens" in page.locator("#att-info").inner_text()
    assert "grouped KV" in page.locator("#att-info").inner_text()
    assert "masked" in page.locator(TITLE).text_content()  # causal model: the masked triangle is explained
    cache = app_server[1].attention_cache
    runs = cache.runs

    layer = page.locator("#att-layer input[type=number]")
    layer.fill("3")
    layer.press("Enter")
    wait_title(page, "Layer 3, mean over heads")
    choose_model(page, "att-head", "head 5")
    wait_title(page, "Layer 3, head 5")
    hover = hover_cell(page, 0.3, 0.7)  # below the diagonal: a key the query can see
    assert "query" in hover and "key" in hover and "weight 0." in hover
    assert cache.runs == runs  # layer and head came from the stored weights
    screenshot(page, "attention")

    page.locator("#att-view").get_by_label("model view", exact=True).check()
    wait_title(page, "All 5 layers × 8 heads")
    page.locator("#att-view").get_by_label("token view", exact=True).check()
    wait_title(page, "What token 21")  # a causal model's last token, the one that sees the whole text
    assert cache.runs == runs
    screenshot(page, "attention-token-view")


def test_attention_exports_png_and_json(page):
    open_tab(page, "minilm", "The bank raised the interest rate.")
    wait_title(page, "Layer 0, mean over heads")
    page.locator("#att-text-b textarea").fill("The river bank was flooded.")
    page.click("#att-run")
    wait_title(page, "Layer 0, mean over heads")
    page.locator("#att-view").get_by_label("rollout", exact=True).check()
    wait_title(page, "Attention rollout")

    page.locator("#att-plot .js-plotly-plot").hover()
    with page.expect_download() as png:
        page.locator("#att-plot .modebar-btn[data-title*='PNG']").click()
    assert png.value.suggested_filename == "attention-minilm-rollout-layer0-mean.png"
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    page.click("#att-export")
    link = page.locator("#att-json a[download]").first
    link.wait_for(timeout=30_000)
    with page.expect_download() as exported:
        link.click()
    data = json.loads(Path(exported.value.path()).read_text())
    assert data["view"] == "rollout" and data["model"] == "minilm"
    assert data["tokens"].count("[SEP]") == 2 and len(data["weights"]) == len(data["tokens"])
    assert all(abs(sum(row) - 1) < 1e-4 for row in data["weights"])
    screenshot(page, "attention-pair-rollout")


def test_too_long_text_explains_the_limit(page):
    open_tab(page, "minilm", "word " * 600)
    toast = page.locator("[data-testid='toast-body']").first
    toast.wait_for(timeout=30_000)
    text = toast.inner_text()
    assert "602 tokens" in text and "at most 512" in text and "Traceback" not in text
