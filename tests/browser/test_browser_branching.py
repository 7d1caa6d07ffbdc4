"""Steering a generation in Chromium: a token's popover (click, keyboard), branching on an alternative, going back
to an earlier branch, a link that reproduces a branch, the sampler view, and Stop leaving every panel consistent."""

from __future__ import annotations

import re

import pytest
import torch

from ..conftest import choose_model, screenshot
from ..service.test_branching import greedy_ids

FINISHED = ("(() => { const s = document.querySelector('#gen-stats')?.innerText || '';"
            " return /\\d+ (tokens|トークン)/.test(s) && !s.includes('…'); })()")
PROMPT = "Once upon a time"


def chip_ids(page) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all("#gen-tokens .tok[data-step]", "cs => cs.map(c => c.dataset.id)")]


def generate(page, max_new: int, **extra) -> None:
    page.get_by_label("Max new tokens", exact=False).first.fill(str(max_new))
    page.click("#gen-run")
    page.wait_for_function(FINISHED, timeout=60_000)


def expected_top(loaded, ids: list[int], k: int = 5) -> list[tuple[int, float]]:
    with torch.no_grad():
        probs = torch.softmax(loaded.model(torch.tensor([ids])).logits[0, -1].double(), -1)
    top = probs.topk(k)
    return list(zip(top.indices.tolist(), top.values.tolist()))


def test_branch_from_a_popover_and_back_and_by_link(page, browser, app_server, shared_manager):
    loaded = shared_manager.get("stories260K", "generation")
    prompt_ids = loaded.tokenizer(PROMPT, return_tensors="pt").input_ids[0].tolist()
    choose_model(page, "gen-model", "stories260K")
    page.locator("#gen-prompt textarea").fill(PROMPT)
    generate(page, 16)
    first = chip_ids(page)
    assert first == greedy_ids(loaded, prompt_ids, 16)

    # a click opens the popover: the alternatives plain transformers gives at that step, most likely first
    step = 4
    page.locator("#gen-tokens .tok[data-step]").nth(step).click()
    pop = page.locator(".tok-pop")
    pop.wait_for()
    assert "Step 5" in pop.inner_text()
    top = expected_top(loaded, prompt_ids + first[:step])
    shown = pop.locator(".tok-alt-pct").all_inner_texts()
    assert [float(re.match(r"([\d.]+)%", s).group(1)) for s in shown] == pytest.approx(
        [100 * p for _, p in top], abs=0.051)
    assert pop.locator(".tok-alt.chosen").count() == 1 and pop.locator("button.tok-alt").count() == 4
    screenshot(page, "branch-popover")
    page.keyboard.press("Escape")
    assert page.locator(".tok-pop").count() == 0

    # by keyboard: focus the chip, Enter opens it with the first alternative focused, Enter chooses it
    chip = page.locator("#gen-tokens .tok[data-step]").nth(step)
    chip.focus()
    page.keyboard.press("Enter")
    pop.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('tok-alt')")
    page.keyboard.press("Enter")
    prefix = first[:step] + [top[1][0]]
    page.wait_for_function(f"document.querySelector('#gen-tokens .tok.forced')?.dataset.step === '{step}'",
                           timeout=60_000)
    page.wait_for_function(FINISHED, timeout=60_000)
    branch = chip_ids(page)
    assert branch == prefix + greedy_ids(loaded, prompt_ids + prefix, 16)
    assert page.locator("#gen-prefix input, #gen-prefix textarea").input_value() == ",".join(map(str, prefix))
    page.wait_for_function(f"location.href.includes('prefix_ids={'%2C'.join(map(str, prefix))}')")  # set after the run
    choices = page.locator("#gen-branches label")
    assert choices.count() == 2 and "step 5" in choices.nth(1).inner_text()
    screenshot(page, "branch-list")

    # back to the first branch: shown again without a run, the link loses its prefix
    choices.nth(0).click()
    page.wait_for_function(f"document.querySelectorAll('#gen-tokens .tok[data-step]').length === {len(first)}")
    assert chip_ids(page) == first
    page.wait_for_function("!location.search.includes('prefix_ids')")
    choices.nth(1).click()
    page.wait_for_function("location.search.includes('prefix_ids')")
    assert chip_ids(page) == branch

    # the copied link reproduces the branch in a fresh page
    page.click("#gen-copy-link")
    page.wait_for_function("document.querySelector('#gen-link textarea, #gen-link input')?.value.includes('prefix')")
    link = page.locator("#gen-link textarea, #gen-link input").first.input_value()
    fresh = browser.new_context(viewport={"width": 420, "height": 900}).new_page()
    fresh.goto(link)
    fresh.wait_for_function(FINISHED, timeout=60_000)
    assert chip_ids(fresh) == branch
    assert "from a link" in fresh.locator("#gen-branches").inner_text()
    fresh.locator("#gen-tokens .tok[data-step]").nth(step).click()
    fresh.locator(".tok-pop").wait_for()
    assert "you chose it" in fresh.locator(".tok-pop").inner_text()
    screenshot(fresh, "branch-link-420")
    fresh.context.close()


def test_sampler_view_shows_each_filter(page):
    page.goto(page.url.split("?")[0] + "?tab=generate&model=stories260K&prompt=Once+upon+a+time&do_sample=true"
              "&temperature=0.8&top_k=10&top_p=0.9&seed=7&max_new_tokens=12&run=1")
    page.wait_for_function(FINISHED, timeout=60_000)
    page.locator("#gen-tokens .tok[data-step]").nth(1).click()
    pop = page.locator(".tok-pop")
    pop.wait_for()
    text = pop.inner_text()
    assert "after filters" in text and "could be sampled" in text
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="What the sampler did").click()
    summary = page.locator("#gen-sampler-summary")
    summary.wait_for()
    assert re.search(r"top-k 10 removed 502 → top-p 0\.9 removed \d+ → \d+ of 512 tokens could be sampled",
                     summary.inner_text())
    page.wait_for_selector("#gen-sampler-chart .js-plotly-plot")
    box = page.locator("#gen-sampler-step input[type=number]")  # another step: drawn from the kept result
    box.fill("3")
    box.press("Enter")
    page.wait_for_function("document.querySelector('#gen-sampler-summary')?.innerText.startsWith('Step 3')")
    screenshot(page, "sampler-view")


def test_stop_leaves_every_panel_consistent(page, slow_stories260k):
    """After Stop: the stats say stopped, and the chips, table, chart and code show the tokens made so far. The
    model is slowed (500 tokens: 15 s): unslowed it could end all 500 before the Stop landed (a fresh-clone run)."""
    choose_model(page, "gen-model", "stories260K")
    page.get_by_label("Max new tokens", exact=False).first.fill("500")
    page.get_by_text("sampling", exact=True).click()  # sampling does not end at a story's end as soon
    page.click("#gen-run")
    page.wait_for_function("document.querySelectorAll('#gen-tokens .tok[data-step]').length > 10", timeout=60_000)
    page.click("#gen-stop")
    page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('stopped')", timeout=30_000)
    stats = page.locator("#gen-stats").inner_text()
    made = int(re.search(r"(\d+) tokens", stats).group(1))
    assert 10 < made < 500
    assert len(chip_ids(page)) == made and page.locator(".tok-stopped").count() == 1
    page.get_by_text("Copy as Python").click()
    assert f"stopped after {made} new tokens" in page.locator("#gen-code").inner_text()
    page.get_by_role("tab", name="What the sampler did").click()
    page.wait_for_selector("#gen-sampler-step")
    assert page.locator("#gen-sampler-step input[type=number]").get_attribute("max") == str(made)
    # Stop with nothing running does nothing visible (no error toast)
    page.click("#gen-stop")
    page.wait_for_timeout(500)
    assert not page.locator("#gen-error").is_visible()
    screenshot(page, "generation-stopped")
