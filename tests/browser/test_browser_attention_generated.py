"""Headless Chromium: Generate, then "Show attention for this text" opens the Attention tab on prompt + completion
with the boundary marked; "generated tokens only" keeps the generated rows; the address bar carries it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from .test_browser_generation import FINISHED
from .test_browser_logit_lens import shot
from .test_browser_share import open_link, selected_tab, wait_text

ORANGE_SHAPES = ("() => (document.querySelector('#att-plot .js-plotly-plot')?.layout?.shapes || [])"
                 ".filter(s => s.line && s.line.color === '#f08c00').length")
ROWS = "() => document.querySelector('#att-plot .js-plotly-plot')?.data?.[0]?.y?.length || 0"


def test_show_attention_for_the_generated_text(page, app_server, shared_service):
    open_link(page, app_server[0], tab="generate", model="stories260K", prompt="Once upon a time", max_new_tokens=12)
    page.click("#gen-run")
    page.wait_for_function(FINISHED, timeout=120_000)
    text = page.locator("#gen-output textarea").input_value()
    page.click("#gen-attention")
    wait_text(page, "#att-info", "tokens")
    assert selected_tab(page) == "Attention"
    assert page.locator("#att-text textarea").input_value() == text
    page.wait_for_function(f"({ORANGE_SHAPES})() === 2")
    total = page.evaluate(ROWS)
    expected = shared_service.attention("stories260K", text, prompt_chars=len("Once upon a time")).result
    assert total == len(expected.ids) and expected.generated_start == 5
    page.wait_for_function("location.href.includes('prompt_chars=16')")
    shot(page, "attention-generated-1400-en")
    page.locator("#att-generated-only input").check()
    page.wait_for_function(f"({ROWS})() === {total - 5}")
    page.wait_for_function("location.href.includes('generated_only=true')")
    link = page.url
    page.set_viewport_size({"width": 420, "height": 900})
    page.wait_for_timeout(500)
    shot(page, "attention-generated-420-en")
    # the link restores it: same text, boundary and row filter
    open_link(page, link.split("?")[0], **dict(parse_qsl(urlsplit(link).query)) | {"lang": "ja"})
    wait_text(page, "#att-info", "トークン")
    page.wait_for_function(f"({ROWS})() === {total - 5}")
    assert page.evaluate(ORANGE_SHAPES) == 1
    shot(page, "attention-generated-420-ja")


def test_the_button_waits_for_a_generated_text(page):
    assert page.locator("#gen-attention").count() == 0 or not page.locator("#gen-attention").is_visible()
