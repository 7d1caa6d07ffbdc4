"""End to end in headless Debian Chromium: Inside one prediction from a deep link, every step drawn with the
service's numbers, a slider re-walking the pass, Copy link, the page in Japanese (the language switch re-draws
without a run) and on a phone; screenshots at 1400 and 420 px (test-artifacts/ and /tmp/forward-shots/)."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..conftest import screenshot
from ..tolerance import assert_allclose
from .test_browser_share import open_link, selected_tab, wait_text

TEXT = "Once upon a time there was a little girl named Lily. She"
SHOTS = Path("/tmp/forward-shots")
STEPS, CHARTS = 8, 10


def shot(page, name: str) -> None:
    path = screenshot(page, name)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def plot(page, i: int, trace: int = 0, key: str = "z"):
    return page.evaluate(f"document.querySelector('#fp-chart{i} .js-plotly-plot').data[{trace}].{key}")


def title(page, i: int) -> str:
    return page.evaluate(f"document.querySelector('#fp-chart{i} .js-plotly-plot')?.layout?.title?.text || ''")


def every_step_drawn(page) -> None:
    for i in range(1, CHARTS + 1):
        page.wait_for_selector(f"#fp-chart{i} .js-plotly-plot", timeout=60_000)
    for i in range(1, STEPS + 1):
        assert page.locator(f"#fp-step{i}").inner_text().strip().startswith(f"{i}.")


def test_every_step_from_a_link_with_the_models_numbers(page, app_server, shared_service):
    open_link(page, app_server[0], tab="forward-pass", model="stories260K", text=TEXT, layer=2, head=5, run=1)
    wait_text(page, "#fp-summary", "block 2")
    assert selected_tab(page) == "Inside one prediction"
    every_step_drawn(page)
    expected = shared_service.forward_pass("stories260K", TEXT, 2, 5, -1).result.to_dict("stories260K")
    assert_allclose(plot(page, 3, 0), expected["q"])  # q of head 5, after RoPE
    assert_allclose(plot(page, 5, 0), expected["weights"])  # the softmax: the Attention tab's matrix
    scores = plot(page, 4, 0)
    assert scores[0][1] is None and scores[-1][0] is not None  # the causal mask is blank, not a number
    assert_allclose(plot(page, 9, 0, "x"), [expected["norms"][n] for n in ("resid_in", "attn_out", "mlp_out",
                                                                          "resid_out")])
    assert_allclose(plot(page, 10, 0, "x"), [t["prob"] for t in expected["top"]])
    assert_allclose(plot(page, 7, 0, "y"), expected["head_norms"])
    assert "grouped-query" in page.locator("#fp-step3").inner_text().lower()
    assert "RoPE" in page.locator("#fp-step1").inner_text()
    shot(page, "forward-pass-1400-en")
    # another head re-walks the pass: one forward pass, the new head's numbers
    head = page.locator("#fp-head input[type=number]")
    head.fill("1")
    head.press("Enter")
    page.locator("#fp-head input[type=range]").dispatch_event("pointerup")  # as a finger leaving the slider
    page.wait_for_function("document.querySelector('#fp-chart3 .js-plotly-plot')?.layout?.title?.text"
                           ".includes('head 1')", timeout=60_000)
    expected = shared_service.forward_pass("stories260K", TEXT, 2, 1, -1).result.to_dict("stories260K")
    assert_allclose(plot(page, 3, 0), expected["q"])
    page.click("#fp-copy-link")
    page.wait_for_function("document.querySelector('#fp-link textarea, #fp-link input')?.value.includes('head=1')")
    link = page.locator("#fp-link textarea, #fp-link input").first.input_value()
    assert "tab=forward-pass" in link and "layer=2" in link
    page.locator("#fp-python").get_by_text("Copy as Python").click()
    page.wait_for_function("document.querySelector('#fp-code .cm-content')?.innerText.includes('layer, head = 2, 1')")
    assert "attn_implementation='eager'" in page.locator("#fp-code .cm-content").inner_text()
    page.set_viewport_size({"width": 420, "height": 900})
    page.wait_for_timeout(500)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 430, width  # nothing pushes the page sideways on a phone
    shot(page, "forward-pass-420-en")


def test_in_japanese_the_language_switch_redraws_without_a_run(browser, app_server):
    ctx = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    try:
        open_link(page, app_server[0], tab="forward-pass", model="tiny-gpt2", text="Hello world, hello", run=1,
                  lang="ja")
        wait_text(page, "#fp-summary", "ブロック")
        every_step_drawn(page)
        assert "予測の内側" in page.locator("#tabs").inner_text()
        assert "位置埋め込み" in page.locator("#fp-step1").inner_text()  # GPT-2: learned positions, no RoPE
        assert "の q・k・v" in title(page, 3)
        shot(page, "forward-pass-1400-ja")
        page.set_viewport_size({"width": 420, "height": 900})
        page.wait_for_timeout(500)
        shot(page, "forward-pass-420-ja")
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.locator("#lang").get_by_text("English").click()
        wait_text(page, "#fp-summary", "block")
        page.wait_for_function("document.querySelector('#fp-chart3 .js-plotly-plot')?.layout?.title?.text"
                               ".startsWith('q, k and v')")
        assert "position embedding" in page.locator("#fp-step1").inner_text()
    finally:
        ctx.close()


def test_a_layer_the_model_lacks_says_which_exist(page, app_server):
    open_link(page, app_server[0], tab="forward-pass", model="stories260K", text=TEXT, layer=9, run=1)
    wait_text(page, "#fp-error", "Layer 9 does not exist")
    assert "0 to 4" in page.locator("#fp-error").inner_text()
