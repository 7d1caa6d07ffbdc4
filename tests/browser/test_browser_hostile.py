"""Hostile input through the real page, in headless Chromium: markup in every text, link parameter and
model name creates no element and fetches nothing; heavy links render once; over-long links say so."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from ..conftest import CHROMIUM, CHROMIUM_ARGS, choose_model, screenshot  # noqa: F401
from .test_browser_share import open_link, wait_text

TRAP = "127.0.0.3"  # nothing listens there; any request to it means injected markup was rendered
# HTML elements, a Markdown image and a Markdown link, short enough for the 128-position test models
MARKUP = f'<img id="pwn1" src="http://{TRAP}/i"> <b id="pwn2">b</b> ![x](http://{TRAP}/m) [l](http://{TRAP}/l)'
# Bare addresses Markdown (GFM) would make links by itself; a byte-level model can predict any of them
ADDRESSES = ("see http://2130706433:7930/ and https://evil%2Eexample/ or ftp://x.example/a, www.example.com, "
             "me@example.com")


@pytest.fixture
def trapped(page):
    """The page, recording every request that leaves for the trap host."""
    hits = []
    page.on("request", lambda r: hits.append(r.url) if urlparse(r.url).hostname == TRAP else None)
    return page, hits


def assert_nothing_injected(page, hits) -> None:
    page.wait_for_timeout(300)
    assert page.locator("#pwn1, #pwn2").count() == 0
    assert page.locator(f"img[src*='{TRAP}'], a[href*='{TRAP}']").count() == 0
    assert hits == []


def test_markup_in_every_text_renders_as_text(trapped, app_server):
    page, hits = trapped
    runs = [("generate", dict(model="stories260K", prompt=MARKUP, max_new_tokens=3), "#gen-stats", "tokens"),
            ("next-token", dict(model="stories260K", prompt=MARKUP), "#nt-summary", "can still be sampled"),
            ("fill-mask", dict(model="tiny-bert", text=MARKUP + " [MASK]"), "#fm-summary", "tokens"),
            ("next-sentence", dict(model="tiny-bert", sentence_a=MARKUP, sentence_b="It is."), "#nsp-summary", "P("),
            ("attention", dict(model="minilm", text=MARKUP, text_pair=MARKUP), "#att-info", "tokens"),
            ("logit-lens", dict(model="stories260K", text=MARKUP), "#ll-summary", "layers"),
            ("tokenizer", dict(tokenizers="tiny-gpt2,characters (baseline)", text=MARKUP), "#tok-summary", "tiny-gpt2")]
    for tab, params, selector, done in runs:
        open_link(page, app_server[0], tab=tab, run=1, **params)
        wait_text(page, selector, done)
        assert_nothing_injected(page, hits)
    assert "![x](http" in page.locator("#tok-view").inner_text().replace("·", " ")  # shown as typed
    screenshot(page, "markup-as-text")


def test_markup_in_link_parameters_and_model_names_renders_as_text(trapped, app_server):
    page, hits = trapped
    for tab, params in [("generate", dict(view=MARKUP, model=MARKUP, dtype=MARKUP, max_new_tokens=MARKUP)),
                        ("attention", dict(view=MARKUP, head=MARKUP, model=MARKUP, layer=MARKUP)),
                        ("tokenizer", dict(tokenizers=MARKUP)), (MARKUP, dict())]:
        open_link(page, app_server[0], tab=tab, **params)
        page.locator("[data-testid='toast-body']").first.wait_for(timeout=30_000)
        assert "<img" in page.locator("[data-testid='toast-body']").first.inner_text()  # visible, as text
        assert_nothing_injected(page, hits)
    page.get_by_role("tab", name="Fill-mask", exact=True).click()
    box = page.locator("#fm-model input")  # custom model ids are allowed on this app: the name is echoed
    box.fill(MARKUP)
    box.press("Enter")
    page.click("#fm-run")
    page.locator("[data-testid='toast-body']").last.wait_for(timeout=30_000)
    assert_nothing_injected(page, hits)


def test_bare_addresses_in_model_text_and_names_are_not_links(page, app_server):
    """Fill-mask's summary (Markdown) quotes the completed text, and its error box the model name: an address in
    either was a working link (issue #33), and ftp://x\\.example showed its Markdown escapes."""
    open_link(page, app_server[0], tab="fill-mask", model="tiny-roberta", text=ADDRESSES + " <mask>", run=1)
    wait_text(page, "#fm-summary", "tokens")
    assert ADDRESSES in page.locator("#fm-summary").inner_text()  # every character shown as typed
    links = "a[href*='2130706433'], a[href*='example'], a[href^='mailto']"
    assert page.locator(links).count() == 0
    box = page.locator("#fm-model input")
    box.fill("http://2130706433:7930/")
    box.press("Enter")
    page.click("#fm-run")
    wait_text(page, "#fm-error", "'http://2130706433:7930/' is not a valid")
    assert page.locator(links).count() == 0


def test_a_heavy_tokenizer_link_renders_once(page, app_server, monkeypatch):
    service, calls, heavy = app_server[1], [], "東" * 1500
    real = service.tokenize
    # Only this link's text counts: every page load also renders the tab's default text, and an earlier test's
    # page may still be loading on the shared server.
    monkeypatch.setattr(service, "tokenize", lambda names, text, *a, **k: (calls.append(1) if text == heavy else None)
                        or real(names, text, *a, **k))
    open_link(page, app_server[0], tab="tokenizer", tokenizers="tiny-gpt2,minilm,characters (baseline)",
              text=heavy, add_special_tokens="false")
    wait_text(page, "#tok-summary", "minilm")
    page.wait_for_timeout(1500)
    assert len(calls) == 1


def test_links_too_long_to_open_say_so(page, app_server):
    """2 x 3,700 kanji make a 66 KB link, which the server cannot open: Copy link says so instead of handing
    out a broken link, and the address bar keeps only the tab."""
    text = "東" * 3700
    open_link(page, app_server[0], tab="next-sentence")
    page.locator("#nsp-a textarea").fill(text)
    page.locator("#nsp-b textarea").fill(text)
    page.click("#nsp-copy-link")
    page.wait_for_function("document.querySelector('#nsp-link input, #nsp-link textarea')?.value.includes('KB')")
    message = page.locator("#nsp-link input, #nsp-link textarea").first.input_value()
    assert "too long to open" in message and "67 KB" in message and "http" not in message
    page.get_by_role("tab", name="Generate", exact=True).click()
    page.get_by_role("tab", name="Next sentence", exact=True).click()  # selecting a tab writes its inputs to the URL
    page.wait_for_function("location.search === '?tab=next-sentence'")
    page.locator("#nsp-a textarea").fill("A short sentence.")
    page.locator("#nsp-b textarea").fill("Another one.")
    page.click("#nsp-copy-link")
    page.wait_for_function("document.querySelector('#nsp-link input, #nsp-link textarea')?.value.startsWith('http')")
    link = page.locator("#nsp-link input, #nsp-link textarea").first.input_value()
    assert "sentence_a=A+short" in link
    page.goto(link)  # and it opens
    page.wait_for_function("document.querySelector('#nsp-a textarea')?.value === 'A short sentence.'")
