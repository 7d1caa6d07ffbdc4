"""What a learner meets in the page (issue #13), in headless Chromium: each test failed on the code before.

The swap re-runs, the colour bar keeps its gradient after the address bar changes, the length slider
follows the model's context, a tokenizer that cannot load does not hide the others, typed names complete,
several sequences are labelled, a greedy run draws no seed, the Models tab confirms and has empty states,
results come before the controls on a phone and in view on a desktop.
"""

from __future__ import annotations

import re

from ..conftest import choose_model, screenshot
from .test_browser_generation import FINISHED
from .test_browser_share import open_link, wait_text


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def test_swap_runs_again_and_the_number_changes(page):
    tab(page, "Next sentence")
    choose_model(page, "nsp-model", "tiny-bert")
    page.click("#nsp-run")
    wait_text(page, "#nsp-summary", "P(IsNext)")
    logits = re.search(r"IsNext -?[\d.]+, NotNext -?[\d.]+", page.locator("#nsp-summary").inner_text()).group()
    a, b = page.locator("#nsp-a textarea").input_value(), page.locator("#nsp-b textarea").input_value()
    page.click("#nsp-swap")
    page.wait_for_function("(old) => { const t = document.querySelector('#nsp-summary')?.innerText || '';"
                           " return t.includes('NotNext') && !t.includes(old); }", arg=logits, timeout=60_000)
    assert page.locator("#nsp-a textarea").input_value() == b and page.locator("#nsp-b textarea").input_value() == a


GRADIENT = """() => {
  const fill = document.querySelector('#att-plot rect.cbfill');
  const value = fill && (fill.getAttribute('fill') || fill.style.fill);
  if (!value) return 'no colour bar fill';
  const m = value.match(/url\\(['"]?(.*?)#([^'")]+)/);
  if (!m) return 'not a url: ' + value;
  const base = location.href.split('#')[0];
  if (m[1] && m[1] !== base) return 'points to another document: ' + m[1];
  return document.getElementById(m[2]) ? 'ok' : 'no element ' + m[2];
}"""


def test_colour_bar_keeps_its_gradient_after_replots_and_tab_switches(page, app_server):
    open_link(page, app_server[0], tab="attention", model="stories260K", text="Once upon a time, there was", run=1)
    page.wait_for_selector("#att-plot .js-plotly-plot rect.cbfill")
    assert page.evaluate(GRADIENT) == "ok"
    layer = page.locator("#att-layer input[type=number]")
    layer.fill("3")
    layer.press("Enter")  # a re-plot: the address bar follows it
    page.wait_for_function("location.href.includes('layer=3')")
    tab(page, "Tokenizer")
    tab(page, "Attention")
    page.wait_for_selector("#att-plot .js-plotly-plot rect.cbfill")
    page.wait_for_timeout(500)
    assert page.evaluate(GRADIENT) == "ok"


def slider_max(page, elem_id: str) -> int:
    return int(page.locator(f"#{elem_id} input[type=range]").get_attribute("max"))


def test_length_slider_follows_the_models_context_and_a_long_run_fits(page):
    choose_model(page, "gen-model", "tiny-gpt2")  # 128 positions
    page.wait_for_function("document.querySelector('#gen-max-new input[type=range]')?.max === '127'")
    choose_model(page, "gen-model", "stories260K")  # 512 positions
    page.wait_for_function("document.querySelector('#gen-max-new input[type=range]')?.max === '511'")
    box = page.locator("#gen-max-new input[type=number]")
    box.fill("511")
    box.press("Enter")
    page.locator("#gen-prompt textarea").fill("Once upon a time")
    page.click("#gen-run")
    page.wait_for_function(FINISHED, timeout=120_000)
    stats = page.locator("#gen-stats").inner_text()
    assert "shortened to 507" in stats and "error" not in stats.lower()


def test_several_sequences_are_all_shown_and_labelled(page):
    choose_model(page, "gen-model", "stories260K")
    page.locator("#gen-mode").get_by_text("sampling", exact=True).click()
    box = page.locator("#gen-nseq input[type=number]")
    box.fill("3")
    box.press("Enter")
    page.click("#gen-run")
    page.wait_for_function(FINISHED, timeout=60_000)
    view = page.locator("#gen-tokens").inner_text()
    assert all(f"Sequence {i}" in view for i in (1, 2, 3))
    assert page.locator("#gen-tokens .tok-view").count() == 3


def test_greedy_runs_draw_no_seed_and_the_chart_has_no_placeholder_title(page, client):
    seed = page.locator("#gen-seed input")
    seed.fill("-1")
    page.click("#gen-run")
    page.wait_for_function(FINISHED, timeout=60_000)
    assert "greedy: no random draws" in page.locator("#gen-stats").inner_text()
    assert client.predict(model="stories260K", prompt="Once", max_new_tokens=2, seed=-1,
                          api_name="/generate")["seed"] == -1
    tab(page, "Chart")
    assert "Plot" not in page.locator("#gen-chart").inner_text().split("\n")[:1]


def test_one_tokenizer_that_cannot_load_leaves_the_others(page, app_server):
    open_link(page, app_server[0], tab="tokenizer", tokenizers="gpt2-tokenizer,distilgpt2,characters (baseline)",
              text="Hello 東京")
    wait_text(page, "#tok-view", "characters (baseline)")
    view = page.locator("#tok-view").inner_text()
    assert "gpt2-tokenizer" in view and "distilgpt2:" in view and "cannot be reached" in view
    assert page.locator("#tok-view .tkz-row[data-tokenizer]").count() == 2
    assert not page.locator("#tok-error").is_visible()


def test_typed_tokenizer_names_complete_to_the_offered_one(page):
    tab(page, "Tokenizer")
    box = page.locator("#tok-tokenizers input")
    box.fill("char")
    box.press("Enter")
    wait_text(page, "#tok-view", "characters (baseline)")
    chosen = page.locator("#tok-tokenizers").inner_text()
    assert "characters (baseline)" in chosen and "\nchar\n" not in f"\n{chosen}\n"


def test_models_tab_confirms_an_unload_and_shows_empty_states(page, app_server):
    open_link(page, app_server[0], tab="generate", model="stories260K", prompt="Once", max_new_tokens=2, run=1)
    page.wait_for_function(FINISHED, timeout=60_000)
    tab(page, "Models")
    wait_text(page, "#models-loaded", "stories260K")
    assert "cache is empty" in page.locator("#models-cache-empty").inner_text()  # tests run on an empty cache
    choose_model(page, "models-unload-name", "stories260K")
    page.click("#models-unload")
    page.get_by_text("Unloaded stories260K").first.wait_for(timeout=30_000)
    assert page.locator("#models-unload-name input").input_value() == ""


def test_results_come_first_on_a_phone_and_in_view_on_a_desktop(browser, app_server):
    for width, height in ((1400, 900), (420, 900)):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        page = ctx.new_page()
        open_link(page, app_server[0], tab="generate", model="stories260K", prompt="Once upon a time",
                  max_new_tokens=30, run=1)
        page.wait_for_function(FINISHED, timeout=60_000)
        tokens = page.locator("#gen-tokens").bounding_box()
        controls = page.locator("#gen-mode").bounding_box()
        if width == 1400:
            assert tokens["y"] < height, "the coloured tokens are below the fold"
        else:
            assert tokens["y"] < controls["y"], "on a phone the result must come before the controls"
        screenshot(page, f"generate-{width}")
        open_link(page, app_server[0], tab="attention", model="stories260K", text="Once upon a time, there was",
                  run=1)
        page.wait_for_selector("#att-plot .js-plotly-plot .heatmaplayer")
        area = page.locator("#att-plot .nsewdrag").first.bounding_box()
        assert area["width"] >= 0.6 * min(width, 800), f"heatmap {area['width']:.0f} px wide at {width} px"
        screenshot(page, f"attention-{width}")
        ctx.close()
