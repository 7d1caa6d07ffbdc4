"""What is shared and redrawn is the result on the screen (#32), in headless Chromium: Copy as Python for Attention
after a bfloat16 Compare reproduces the page's float32 numbers; a fine-tune link, reloaded, starts no training; a
branch after a model switch continues with the model that made the text, and the link names it; the language
switch redraws the results on the page; Stop with nothing running answers no 500 and leaves a Generate pressed
right after it alone."""

from __future__ import annotations

import base64
import re

import numpy as np

from llm_playground.plots.attention import SCALE

from ..conftest import choose_model, screenshot
from ..service.test_branching import greedy_ids
from ..unit.test_codegen import run
from .test_browser_branching import FINISHED, chip_ids, generate
from .test_browser_share import code_of, open_link, wait_text

JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
JA_JS = "/[\\u3040-\\u30ff\\u4e00-\\u9fff]/"  # the same, in the page


def ja_in(selector: str) -> str:
    """JS: whether the element's text has Japanese in it."""
    return f"{JA_JS}.test(document.querySelector({selector!r})?.textContent || '')"
TEXT = "Lily and Ben went to the park to play with a red ball."


def test_attention_code_after_a_bfloat16_compare_reproduces_the_page(page, app_server):
    base, service = app_server
    service.manager.unload("stories260K")  # as on a fresh server: Compare's copies are the first ones loaded
    open_link(page, base, tab="compare", prompt="Once upon a time", max_new_tokens=8, run=1)  # side B: bfloat16
    page.wait_for_function("/KL|differ/.test(document.querySelector('#cmp-summary')?.innerText || '')",
                           timeout=120_000)
    assert "bfloat16" in page.locator("#cmp-head-b").inner_text()
    open_link(page, base, tab="attention", model="stories260K", text=TEXT, layer=1, head=0, run=1)
    page.wait_for_function("document.querySelector('#att-plot .gtitle')?.textContent.includes('Layer 1, head 0')",
                           timeout=60_000)
    shown = page_weights(page.evaluate("document.querySelector('#att-plot .js-plotly-plot').data[0].z"))
    code = code_of(page, "att")
    assert "dtype=torch.float32" in code and "bfloat16" not in code
    weights = run(code)["weights"].float().numpy()
    np.testing.assert_allclose(weights, shown, atol=2e-3)  # bfloat16 was ~0.01 off


def page_weights(z) -> np.ndarray:
    """The heatmap's weights as the page has them: plotly's typed array of 0.dddd steps (plots/attention.py)."""
    shape = [int(n) for n in str(z["shape"]).split(",")]
    steps = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.uint16).reshape(shape)
    return steps / SCALE


def test_reloading_a_fine_tune_link_starts_no_run(page, app_server, monkeypatch):
    base, service = app_server
    starts, start = [], service.fine_tuner.start
    monkeypatch.setattr(service.fine_tuner, "start", lambda *a, **k: starts.append(k) or start(*a, **k))
    open_link(page, base, tab="fine-tune", max_steps=2, max_seq_len=16, run=1)  # an old link's run=1, too
    page.wait_for_function("window.__playgroundRestored === true")
    page.wait_for_timeout(1500)
    assert starts == [] and page.locator("#ft-status").inner_text().strip() == ""
    page.click("#ft-run")  # the button still trains
    wait_text(page, "#ft-summary", "registered as", timeout=240_000)
    assert len(starts) == 1
    page.wait_for_function("location.search.includes('max_steps=2')")
    assert "run=" not in page.evaluate("location.search")
    page.reload()
    page.wait_for_function("window.__playgroundRestored === true")
    page.wait_for_timeout(1500)
    assert len(starts) == 1 and page.locator("#ft-status").inner_text().strip() == ""


def test_a_branch_after_a_model_switch_continues_the_shown_model(page, app_server):
    base, service = app_server
    loaded = service.manager.get("tiny-gpt2", "generation")
    prompt = "Once upon a time"
    prompt_ids = loaded.tokenizer(prompt, return_tensors="pt").input_ids[0].tolist()
    choose_model(page, "gen-model", "tiny-gpt2")
    page.locator("#gen-prompt textarea").fill(prompt)
    generate(page, 10)
    first = chip_ids(page)
    choose_model(page, "gen-model", "stories260K")  # the learner looks at another model, then branches
    step = 3
    page.locator("#gen-tokens .tok[data-step]").nth(step).click()
    page.locator(".tok-pop button.tok-alt").first.wait_for()
    page.locator(".tok-pop button.tok-alt").first.click()
    page.wait_for_function(f"document.querySelector('#gen-tokens .tok.forced')?.dataset.step === '{step}'",
                           timeout=60_000)
    page.wait_for_function(FINISHED, timeout=60_000)
    branch = chip_ids(page)
    prefix = branch[:step + 1]
    assert prefix[:step] == first[:step] and prefix[step] != first[step]
    assert branch == prefix + greedy_ids(loaded, prompt_ids + prefix, 10)  # tiny-gpt2's continuation
    assert page.locator("#gen-model input").input_value() == "tiny-gpt2"
    assert "tiny-gpt2" in page.locator("#gen-stats").inner_text()
    choices = page.locator("#gen-branches label")
    assert choices.count() == 2 and "as generated" in choices.nth(0).inner_text()
    assert "from a link" not in page.locator("#gen-branches").inner_text()
    page.click("#gen-copy-link")
    page.wait_for_function("document.querySelector('#gen-link textarea, #gen-link input')?.value.includes('prefix')")
    link = page.locator("#gen-link textarea, #gen-link input").first.input_value()
    assert "model=tiny-gpt2" in link
    screenshot(page, "branch-after-model-switch")
    # the learner picks another model again and copies the link before running it: the link is the text's
    choose_model(page, "gen-model", "stories260K")
    page.locator("#gen-temperature input[type=number]").fill("0.5")
    page.click("#gen-copy-link")
    page.wait_for_timeout(500)  # the link box is written in the page, no server call
    assert page.locator("#gen-link textarea, #gen-link input").first.input_value() == link


def result_texts(page, selectors: list[str]) -> dict[str, str]:
    return {s: page.evaluate(f"[...document.querySelectorAll({s!r})].map(e => e.textContent).join(' | ')")
            for s in selectors}


def switch_language(page, label: str) -> None:
    page.locator("#lang").get_by_text(label, exact=True).click()


def test_the_language_switch_redraws_the_results_on_the_page(page, app_server):
    base = app_server[0]
    open_link(page, base, tab="generate", model="stories260K", prompt="Once upon a time", max_new_tokens=12, run=1)
    page.wait_for_function(FINISHED, timeout=60_000)
    parts = ["#gen-stats", "#gen-tokens .tok-legend", "#gen-chart .gtitle, #gen-chart .xtitle, #gen-chart .ytitle"]
    page.locator("#gen-views").get_by_role("tab", name="Chart").click()
    page.wait_for_selector("#gen-chart .js-plotly-plot .ytitle", state="attached")
    english = result_texts(page, parts)
    assert "tokens" in english["#gen-stats"] and not JAPANESE.search(" ".join(english.values()))
    switch_language(page, "日本語")
    page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('トークン')", timeout=10_000)
    page.wait_for_function(ja_in("#gen-chart .ytitle"), timeout=10_000)
    wait_text(page, "#tabs", "ロジットレンズ")
    screenshot(page, "language-switch-generate-chart-ja")
    page.locator("#gen-views").get_by_role("tab", name="トークンの確率").click()
    page.wait_for_selector("#gen-tokens .tok-legend")
    japanese = result_texts(page, parts)
    for part, text in japanese.items():
        assert JAPANESE.search(text) and text != english[part], part
    assert " tokens" not in japanese["#gen-stats"]
    page.locator("#gen-tokens .tok[data-step]").nth(2).click()  # the popover: its words come with the chips
    assert "ステップ" in page.locator(".tok-pop").inner_text()
    page.keyboard.press("Escape")
    screenshot(page, "language-switch-generate-ja")

    open_link(page, base, tab="logit-lens", model="stories260K", text=TEXT, run=1)
    wait_text(page, "#ll-summary", "layers")
    page.wait_for_selector("#ll-grid .js-plotly-plot .heatmaplayer", state="attached")
    parts = ["#ll-summary", "#ll-grid .gtitle, #ll-grid .xtitle, #ll-grid .ytitle",
             "#ll-trajectory .gtitle, #ll-trajectory .xtitle, #ll-trajectory .ytitle"]
    english = result_texts(page, parts)
    switch_language(page, "日本語")
    wait_text(page, "#ll-summary", "層", timeout=10_000)
    page.wait_for_function(ja_in("#ll-grid .gtitle"), timeout=10_000)
    for part, text in result_texts(page, parts).items():
        assert JAPANESE.search(text) and text != english[part], part
    wait_text(page, "#tabs", "ロジットレンズ")  # the labels switch in the page, a moment later
    screenshot(page, "language-switch-logit-lens-ja")
    switch_language(page, "English")  # and back
    wait_text(page, "#ll-summary", "layers", timeout=10_000)
    page.wait_for_function("!" + ja_in("#ll-grid .gtitle"), timeout=10_000)


def test_stop_with_nothing_running_is_no_error_and_a_generate_right_after_it_runs(page, slow_stories260k):
    """Slowed (30 ms a step), the Generate still runs when the Stop's answer comes back: its failure (an HTTP
    500) used to cancel it."""
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 500 else None)
    choose_model(page, "gen-model", "stories260K")
    page.get_by_label("Max new tokens", exact=False).first.fill("40")
    page.click("#gen-stop")  # nothing is generating
    page.click("#gen-run")  # pressed right after: it must run, not be cancelled by the Stop
    page.wait_for_function(FINISHED, timeout=30_000)
    page.wait_for_timeout(500)
    assert len(chip_ids(page)) == 40 and "stopped" not in page.locator("#gen-stats").inner_text() and failed == []
