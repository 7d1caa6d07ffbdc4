"""The page on a phone (420 px) and the visual defects of #32: chips that split at a token's leading space, a
lens grid hidden past its box, tabs behind "⋯", SI-prefixed axes ("2p" bits), Compare's scores in a native
tooltip only, and a paste cut to the box's limit without a word."""

from __future__ import annotations

import json

import numpy as np
import plotly.offline
import pytest

from llm_playground.plots import attention, compare
from llm_playground.plots.generation import token_html
from llm_playground.ui.assets import CSS, HEAD
from llm_playground.ui.tabs import generation_popover as popover

from ..conftest import screenshot
from .test_browser_share import open_link

PHONE = {"width": 420, "height": 900}
WORDS = ["Once", " upon", " a", " time", " there", " was", " a", " little", " girl", " named", " Lily", ".", " She",
         " loved", " to", " play", " with", " her", " ball", " outside"]
TABS = ["Generate", "Next token", "Fill-mask", "Next sentence", "Attention", "Logit lens", "Inside one prediction",
        "Compare", "Tokenizer", "Fine-tune", "Models"]
LENS_TEXT = "Once upon a time, there was a little girl named Lily. She loved to play with her"


def chip(token: str, i: int) -> dict:
    return {"token": token, "id": i, "prob": 0.5, "top": [{"token": token, "id": i, "prob": 0.5}]}


def compare_data(kl: float = 2e-12) -> dict:
    tokens = [{"token": w, "id": i, "prob": 0.4, "other_prob": 0.3, "kl_bits": kl * (1 + i % 4)}
              for i, w in enumerate(WORDS)]
    side = {"model": "stories260K", "dtype": "float32", "do_sample": False, "temperature": 1.0, "tokens": tokens,
            "mean_kl_bits": kl}
    return {"a": side, "b": {**side, "dtype": "bfloat16"}, "first_difference": None, "shared_vocabulary": True}


def test_at_420_px_no_chip_wraps_inside_a_token(browser):
    """A token with a leading space (' upon') wrapped at its space, so one chip read as two (3-4 per 40 tokens on
    a phone): every chip of Generate's and Compare's views is one box, on one line."""
    generated = token_html("Once upon a time", [[chip(WORDS[i % len(WORDS)], i) for i in range(160)]])
    side = compare.side_html("Once", compare_data()["a"], "B", None)
    page = browser.new_page(viewport=PHONE)
    try:
        page.set_content(f"<style>{CSS}</style><div style='width: 356px'>{generated}{side}</div>")
        split = page.evaluate("[...document.querySelectorAll('.tok-view .tok')]"
                              ".filter(c => c.getClientRects().length > 1).map(c => c.textContent)")
        assert split == [], f"chips split across lines: {split}"
        assert page.evaluate("document.querySelector('.tok-view').getBoundingClientRect().height") > 200
    finally:
        page.close()


def test_at_420_px_the_logit_lens_grid_scrolls_to_its_last_position(browser, app_server):
    """The 40-position grid (≈1200 px) sat in a 356 px box that clipped it (Gradio's inline overflow: hidden)."""
    ctx = browser.new_context(viewport=PHONE, locale="en-US")
    page = ctx.new_page()
    try:
        open_link(page, app_server[0], tab="logit-lens", model="stories260K", text=LENS_TEXT, run=1)
        page.wait_for_selector("#ll-grid .js-plotly-plot .heatmaplayer")
        last = page.evaluate("document.querySelector('#ll-grid .js-plotly-plot').layout.xaxis.ticktext.at(-1)")
        # as a user scrolls (a script could scroll even a clipped box): a sideways wheel over the grid
        page.locator("#ll-grid").scroll_into_view_if_needed()
        grid = page.locator("#ll-grid").bounding_box()
        page.mouse.move(grid["x"] + grid["width"] / 2, grid["y"] + grid["height"] / 2)
        for _ in range(6):
            page.mouse.wheel(600, 0)
            page.wait_for_timeout(150)
        seen = page.evaluate("""(last) => {
          const box = document.querySelector('#ll-grid').getBoundingClientRect();
          const tick = [...document.querySelectorAll('#ll-grid .xtick text')].find(t => t.textContent === last)
            .getBoundingClientRect();
          return tick.left >= box.left - 1 && tick.right <= box.right + 1;
        }""", last)
        assert seen, f"the last position ({last!r}) cannot be scrolled into the grid's box"
        screenshot(page, "phone-logit-lens-scrolled")
    finally:
        ctx.close()


# The page's tabs, from the layout Gradio built (panels render lazily, and the old bar listed only those that fit)
TAB_COUNT = """() => {
  const components = Object.fromEntries(window.gradio_config.components.map((c) => [c.id, c]));
  const find = (node) => components[node.id]?.props?.elem_id === "tabs" ? node
    : (node.children || []).map(find).find(Boolean);
  return find(window.gradio_config.layout).children.length;
}"""


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_at_420_px_every_tab_is_reachable(browser, app_server, lang):
    """Only 2-3 tabs showed and the rest hid behind "⋯"; Generate's "What the sampler did" too. Every tab is in
    the tab bar, on screen, and opens with a tap."""
    ctx = browser.new_context(viewport=PHONE, locale="en-US", has_touch=True)
    page = ctx.new_page()
    try:
        open_link(page, app_server[0], tab="generate", lang=lang)
        page.wait_for_selector("#tabs [role=tablist]")
        bar = page.locator("#tabs > .tab-wrapper [role=tab]")
        tabs = page.evaluate(TAB_COUNT)
        assert tabs >= len(TABS) and bar.count() == tabs  # every tab has its button in the bar
        for i in range(tabs):
            tab = bar.nth(i)
            box = tab.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], tab.inner_text()
            tab.tap()
            page.wait_for_function("(i) => document.querySelectorAll('#tabs > .tab-wrapper [role=tab]')[i]"
                                   ".getAttribute('aria-selected') === 'true'", arg=i)
        bar.nth(0).tap()
        views = page.locator("#gen-views [role=tab]")
        page.wait_for_function("document.querySelectorAll('#gen-views [role=tab]').length === 4")
        for i in range(views.count()):
            box = views.nth(i).bounding_box()
            assert box and box["x"] + box["width"] <= PHONE["width"], views.nth(i).inner_text()
        screenshot(page, f"phone-tabs-{lang}")
    finally:
        ctx.close()


def test_kl_and_probability_axes_show_plain_numbers(browser):
    """Plotly wrote a KL of 2e-12 bits as "2p" (SI pico): the drawn tick labels carry no SI prefix."""
    figure = compare.figure(compare_data(2e-12))
    page = browser.new_page(viewport={"width": 900, "height": 700})
    try:
        page.set_content(f"<div id='chart'></div><script>{plotly.offline.get_plotlyjs()}</script>")
        page.evaluate("(spec) => Plotly.newPlot('chart', spec.data, spec.layout)", json.loads(figure.to_json()))
        ticks = page.evaluate("[...document.querySelectorAll('.y2tick text')].map(t => t.textContent)")  # KL
        assert ticks and not any(t[-1] in "pnµmkMG" for t in ticks), ticks
        assert any("10" in t for t in ticks if t != "0"), ticks  # powers of ten: 2×10⁻¹²
        probabilities = page.evaluate("[...document.querySelectorAll('.ytick text')].map(t => t.textContent)")
        assert "0.5" in probabilities and not any(t[-1] in "pnµmkMG" for t in probabilities), probabilities
    finally:
        page.close()


def test_compare_scores_open_in_the_token_popover_by_keyboard_and_touch(browser):
    """Compare's per-token scores were a native title tooltip only (no touch, no keyboard): Enter on a focused
    chip, or a tap, opens the page's token popover with both models' probabilities and the KL."""
    html = compare.side_html("Once", compare_data(0.25)["a"], "tiny (B)", None)
    ctx = browser.new_context(viewport=PHONE, has_touch=True)
    page = ctx.new_page()
    try:
        page.set_content(f"<head>{HEAD}{popover.HEAD}</head><body><style>{CSS}{popover.CSS}</style>{html}</body>")
        chips = page.locator(".tok")
        chips.nth(1).focus()
        page.keyboard.press("Enter")
        pop = page.locator(".tok-pop")
        pop.wait_for()
        text = pop.inner_text()
        assert "Step 2" in text and "under tiny (B)" in text and "KL = 0.5000 bits" in text, text
        assert page.evaluate("document.activeElement.className") == "tok-pop-close"
        page.keyboard.press("Escape")
        assert pop.count() == 0
        chips.nth(3).tap()
        assert "Step 4" in page.locator(".tok-pop").inner_text()
        assert chips.nth(3).get_attribute("title") is None  # one place for the scores, not two
    finally:
        ctx.close()


def test_a_paste_longer_than_the_box_says_where_it_was_cut(browser, app_server):
    """28,000 pasted characters were silently cut to 5,000: a note under the box says so and where the text ends."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server[0].rstrip("/"))
    page = ctx.new_page()
    try:
        open_link(page, app_server[0], tab="generate")
        box = page.locator("#gen-prompt textarea")
        limit = int(box.get_attribute("maxlength"))
        text = "".join(f"word{i:05d} " for i in range(28_000 // 10))
        page.evaluate("(t) => navigator.clipboard.writeText(t)", text)
        box.fill("")
        box.focus()
        page.keyboard.press("Control+V")
        note = page.locator("#gen-prompt .cut-note")
        note.wait_for()
        assert len(box.input_value()) == limit
        said = note.inner_text()
        assert f"{len(text):,}" in said and f"{limit:,}" in said and text[limit - 20:limit] in said, said
        box.fill("")
        assert note.count() == 0
    finally:
        ctx.close()


MID_WORD_BREAKS = """() => [...document.querySelectorAll('#gen-views th')].flatMap(th => {
  const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT), range = document.createRange(), broken = [];
  for (let node; (node = walker.nextNode());) {
    let top = null;
    for (let i = 0; i < node.data.length; i++) {  // a character on a lower line than the letter before it
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (!rect.height) continue;
      if (top !== null && rect.top > top + 2 && /\\w/.test(node.data[i - 1]) && /\\w/.test(node.data[i]))
        broken.push(node.data.slice(0, i) + "|" + node.data.slice(i));
      top = rect.top;
    }
  }
  return broken;
})"""


def test_at_420_px_table_headers_break_between_words_only(browser, app_server):
    """Generate's table read "st|ep" and "probabi|lity" on a phone."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = ctx.new_page()
    try:
        open_link(page, app_server[0], tab="generate", model="stories260K", max_new_tokens=5, run=1)
        page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('5 tokens')")
        page.locator("#gen-views [role=tab]").filter(has_text="Table").click()
        page.set_viewport_size(PHONE)
        page.wait_for_function("document.querySelectorAll('#gen-views th').length >= 5")
        page.wait_for_timeout(500)
        assert page.evaluate(MID_WORD_BREAKS) == []
    finally:
        ctx.close()


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


BOX = "(e) => { const {left, top, right, bottom} = e.getBoundingClientRect(); return {left, top, right, bottom}; }"


def test_at_420_px_the_chart_toolbar_leaves_the_title_readable(browser, app_server):
    """Plotly's toolbar (shown on hover and on a tap) was drawn over the chart's title."""
    ctx = browser.new_context(viewport=PHONE, locale="en-US")
    page = ctx.new_page()
    try:
        open_link(page, app_server[0], tab="next-token", model="stories260K", prompt="Once upon", run=1)
        plot = page.locator("#nt-chart .js-plotly-plot")
        page.wait_for_selector("#nt-chart .js-plotly-plot .gtitle")
        plot.scroll_into_view_if_needed()
        plot.hover()
        page.wait_for_timeout(500)
        toolbar, title = plot.locator(".modebar").evaluate(BOX), plot.locator(".gtitle").evaluate(BOX)
        assert not overlap(toolbar, title), (toolbar, title)
    finally:
        ctx.close()


def test_the_model_views_colour_bar_leaves_the_head_labels_readable(browser):
    """Its colour bar ran across the top, over the head labels (the x axis is on top in the model view)."""
    pooled = np.random.default_rng(0).random((4, 6, 8, 8)).astype("float32")
    figure = attention.model_view_figure(pooled, [f"t{i}" for i in range(8)], "All 4 layers × 6 heads")
    page = browser.new_page(viewport={"width": 420, "height": 900})
    try:
        page.set_content(f"<div id='chart' style='width: 356px'></div><script>{plotly.offline.get_plotlyjs()}</script>")
        page.evaluate("(spec) => Plotly.newPlot('chart', spec.data, spec.layout)", json.loads(figure.to_json()))
        bar = page.locator(".colorbar").evaluate(BOX)
        heads = [t.evaluate(BOX) for t in page.locator(".xtick text").all()]
        assert heads and not any(overlap(bar, head) for head in heads), bar
    finally:
        page.close()
