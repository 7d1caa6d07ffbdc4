"""End to end in headless Debian Chromium: three tokenizers side by side on Japanese + emoji text."""

from __future__ import annotations

import re

from llm_playground.tasks.tokenize import tokenize

from ..conftest import screenshot

TEXT = "東京で寿司を食べた🍣 👩‍💻 🇯🇵 café"
THREE = ["gpt2-tokenizer", "minilm", "tiny-ja-gpt2"]


def choose_tokenizers(page, names: list[str]) -> None:
    """Clear the multiselect, then pick each name (type to filter, click the option)."""
    page.locator("#tok-tokenizers .remove-all").click()
    box = page.locator("#tok-tokenizers input")
    for name in names:
        box.click()
        box.fill(name)
        page.locator(f"ul[role='listbox'] li[role='option'][aria-label='{name}']").first.click()
    box.press("Escape")
    chosen = page.locator("#tok-tokenizers .token span").all_inner_texts()
    assert chosen == names


def row(page, name: str):
    return page.locator(f"#tok-view .tkz-row[data-tokenizer='{name}']")


def test_compare_three_tokenizers_on_japanese_and_emoji(page, shared_manager):
    page.get_by_role("tab", name="Tokenizer").click()
    page.wait_for_selector("#tok-view .tkz-chip")  # the example is tokenized on page load
    choose_tokenizers(page, THREE)
    page.locator("#tok-text textarea").fill(TEXT)
    page.click("#tok-run")
    # the view of this text and these three (an earlier render, of the example or of fewer tokenizers, can
    # still be on the page for a moment on a busy machine: a fresh-clone run read one)
    results = {name: tokenize(name, shared_manager.tokenizer(name)[1], TEXT) for name in THREE}
    page.wait_for_function("""([names, counts]) => names.every((name, i) => {
        const head = document.querySelector(`#tok-view .tkz-row[data-tokenizer='${name}'] .tkz-head`);
        return head && head.innerText.includes(` ${counts[i]} tokens`);
    })""", arg=[THREE, [results[n].count for n in THREE]])

    names = page.locator("#tok-view .tkz-row[data-tokenizer]").evaluate_all(
        "rows => rows.map(r => r.dataset.tokenizer)")
    assert names == THREE
    for name in THREE:  # the page shows exactly the tokenizer's own tokens, grouped by characters
        result = results[name]
        head = row(page, name).locator(".tkz-head").inner_text()
        assert re.search(rf"\b{result.count} tokens", head), head
        assert row(page, name).locator(".tkz-chip").count() == len(result.groups())

    sushi = row(page, "gpt2-tokenizer").locator(".tkz-chip", has_text="🍣").first
    title = sushi.get_attribute("title")
    assert "U+1F363" in title and title.count("bytes") >= 2, title  # byte pieces of one emoji, one chip
    assert row(page, "minilm").locator(".tkz-unknown").count() >= 2  # 👩‍💻 and 🇯🇵 are [UNK]
    assert row(page, "minilm").locator(".tkz-special").count() == 2  # [CLS] … [SEP]
    assert page.locator("#tok-view .tkz-differs").count() > 0
    assert page.locator("#tok-view .tkz-cut.some").count() > 0
    assert "✓ exact" in page.locator("#tok-summary").inner_text()
    sushi.hover()
    screenshot(page, "tokenizer")

    page.locator("#tok-specials input").uncheck()
    page.wait_for_function(
        "!document.querySelector(\"#tok-view .tkz-row[data-tokenizer='minilm']\").innerText.includes('[CLS]')")
    assert row(page, "minilm").locator(".tkz-special").count() == 0


def test_examples_explainer_and_ids_to_text(page):
    page.get_by_role("tab", name="Tokenizer").click()
    page.wait_for_selector("#tok-view .tkz-chip")
    page.get_by_text("羽田空港に到着、東京の街は雨でした。").first.click()  # an example re-tokenizes
    page.wait_for_function("document.querySelector('#tok-view').innerText.includes('羽田')")
    page.locator("#tok-explainer").get_by_text("How tokenizers work").click()
    page.locator("#tok-explainer").get_by_text("WordPiece (BERT)").first.wait_for()  # accordion opens async
    screenshot(page, "tokenizer-explainer")

    page.locator("#tok-decode-box").get_by_text("Ids → text").click()
    assert page.locator("#tok-decode-model input").input_value() == "gpt2-tokenizer"
    page.locator("#tok-ids textarea").fill("15496, 995")
    page.click("#tok-decode")
    page.wait_for_function("document.querySelector('#tok-decoded textarea').value === 'Hello world'")
    page.wait_for_function("document.querySelectorAll('#tok-decoded-tokens .tkz-chip').length === 2")
    page.locator("#tok-ids textarea").fill("99999999")
    page.click("#tok-decode")
    toast = page.locator("[data-testid='toast-body']").first
    toast.wait_for()
    assert "outside this tokenizer's vocabulary" in toast.inner_text()
