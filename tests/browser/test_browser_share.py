"""End to end in headless Chromium: deep links restore a tab and its result, copy link round-trips,
JSON export, Copy as Python, and the Japanese UI."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from ..conftest import choose_model, screenshot

LILY = "Once upon a time, there was a little girl named Lily"


def open_link(page, base: str, **params) -> None:
    page.goto(base + "?" + urlencode(params))
    page.wait_for_selector("gradio-app .tabs", state="attached")


def selected_tab(page) -> str:
    return page.locator("#tabs > .tab-wrapper [role=tab][aria-selected=true]").first.inner_text()


def wait_text(page, selector: str, part: str, timeout: int = 60_000) -> None:
    page.wait_for_function(f"document.querySelector({json.dumps(selector)})?.innerText.includes({json.dumps(part)})",
                           timeout=timeout)


def query_of(url: str) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def code_of(page, prefix: str) -> str:
    page.locator(f"#{prefix}-python").get_by_text("Copy as Python").click()
    content = page.locator(f"#{prefix}-code .cm-content")
    content.wait_for()
    page.wait_for_function(f"document.querySelector('#{prefix}-code .cm-content')?.innerText.includes('import')")
    return content.inner_text()


def download_json(page, elem_id: str) -> dict:
    page.locator(f"#{elem_id}").wait_for(state="visible", timeout=30_000)
    with page.expect_download() as download:
        page.click(f"#{elem_id}")
    assert download.value.suggested_filename.endswith(".json")
    return json.loads(Path(download.value.path()).read_text(encoding="utf-8"))


def test_generation_deep_link_restores_runs_and_exports(page, app_server):
    open_link(page, app_server[0], tab="generate", model="stories260K", prompt="Once upon a time",
              max_new_tokens=20, run=1)
    wait_text(page, "#gen-stats", "20 tokens")
    page.wait_for_function("!document.querySelector('#gen-stats').innerText.includes('generating')")
    assert selected_tab(page) == "Generate"
    assert page.locator("#gen-model input").input_value() == "stories260K"
    assert page.locator("#gen-prompt textarea").input_value() == "Once upon a time"
    assert page.locator("#gen-max-new input[type=number]").input_value() == "20"
    output = page.locator("#gen-output textarea").input_value()
    assert output.startswith(LILY)
    page.wait_for_function("location.search.includes('run=1')")  # the page rewrites its address after the run
    assert query_of(page.url) == {"tab": "generate", "model": "stories260K", "prompt": "Once upon a time",
                                  "max_new_tokens": "20", "run": "1"}  # the address bar shows the run

    data = download_json(page, "gen-json")  # the same dict as the /generate API
    screenshot(page, "deep-link")
    assert data["model"] == "stories260K" and data["text"] == output and len(data["tokens"]) == 20
    assert data["seed"] == 0 and {"prob", "top", "id"} <= set(data["tokens"][0])

    code = code_of(page, "gen")
    assert "stories260K" in code and "'Once upon a time'" in code and "max_new_tokens=20" in code
    namespace = {"__name__": "__main__"}
    exec(compile(code, "<copied code>", "exec"), namespace)  # noqa: S102 - the app's own generated code
    assert namespace["prompt_text"] + namespace["completions"][0] == output  # same text outside the app


def test_copy_link_reproduces_a_sampled_run(page, browser, app_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    choose_model(page, "gen-model", "stories260K")
    page.locator("#gen-prompt textarea").fill("The cat")
    page.locator("#gen-mode").get_by_label("sampling").check()
    page.locator("#gen-max-new input[type=number]").fill("12")
    page.locator("#gen-max-new input[type=number]").press("Enter")
    page.locator("#gen-seed input").fill("-1")  # a random seed: the link must carry the one drawn
    page.click("#gen-run")
    wait_text(page, "#gen-stats", "12 tokens")
    page.wait_for_function("!document.querySelector('#gen-stats').innerText.includes('generating')")
    output = page.locator("#gen-output textarea").input_value()
    drawn = page.locator("#gen-stats").inner_text().split("seed ")[1].split()[0]

    page.click("#gen-copy-link")
    page.wait_for_function("document.querySelector('#gen-link input, #gen-link textarea')?.value.includes('run=1')")
    link = page.locator("#gen-link input, #gen-link textarea").first.input_value()
    assert query_of(link) == {"tab": "generate", "model": "stories260K", "prompt": "The cat", "do_sample": "true",
                              "max_new_tokens": "12", "seed": drawn, "run": "1"}
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.url == link  # a plain copy of the address bar works too

    other = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        fresh.goto(link)
        wait_text(fresh, "#gen-stats", "12 tokens")
        fresh.wait_for_function("!document.querySelector('#gen-stats').innerText.includes('generating')")
        assert fresh.locator("#gen-mode input[value=sampling]").is_checked()
        assert fresh.locator("#gen-seed input").input_value() == drawn
        assert fresh.locator("#gen-output textarea").input_value() == output  # the same sampled text
    finally:
        other.close()


def test_bert_tokenizer_and_attention_links_restore_their_state(page, app_server):
    base = app_server[0]
    open_link(page, base, tab="next-sentence", model="tiny-bert", sentence_a="What is baseball ?",
              sentence_b="This food is made with flour and milk.", run=1)
    wait_text(page, "#nsp-summary", "P(IsNext)")
    assert selected_tab(page) == "Next sentence"
    assert page.locator("#nsp-b textarea").input_value() == "This food is made with flour and milk."
    assert "flour" in page.locator("#nsp-tokens").inner_text()
    nsp = download_json(page, "nsp-json")
    assert abs(nsp["is_next"] + nsp["not_next"] - 1) < 1e-6 and "flour" in nsp["tokens"]
    assert "BertForNextSentencePrediction" in code_of(page, "nsp")

    open_link(page, base, tab="fill-mask", model="tiny-bert", text="The [MASK] raised the rate.", top_k=7, run=1)
    wait_text(page, "#fm-summary", "[MASK] #1")
    assert page.locator("#fm-top-k input[type=number]").input_value() == "7"
    assert len(download_json(page, "fm-json")["masks"][0]["predictions"]) == 7

    open_link(page, base, tab="tokenizer", tokenizers="gpt2-tokenizer,characters (baseline)", text="Hello 東京",
              add_special_tokens="false")  # the tokenizer tab renders on load: no run needed
    page.wait_for_function("document.querySelector('#tok-view')?.innerText.includes('Hello')")
    assert selected_tab(page) == "Tokenizer"
    assert page.locator("#tok-tokenizers .token span").all_inner_texts() == ["gpt2-tokenizer", "characters (baseline)"]
    assert not page.locator("#tok-specials input").is_checked()
    rows = page.locator("#tok-view .tkz-row[data-tokenizer]").evaluate_all("rs => rs.map(r => r.dataset.tokenizer)")
    assert rows == ["gpt2-tokenizer", "characters (baseline)"]
    assert "add_special_tokens=False" in code_of(page, "tok")

    open_link(page, base, tab="attention", model="stories260K", text="Once upon a time, there was a girl.",
              layer=3, head=5, run=1)
    page.wait_for_function("document.querySelector('#att-plot .gtitle')?.textContent.includes('Layer 3, head 5')",
                           timeout=60_000)
    assert selected_tab(page) == "Attention"
    assert page.locator("#att-head input").input_value() == "head 5"
    code = code_of(page, "att")
    assert "attentions[3][0][5]" in code and "'Once upon a time, there was a girl.'" in code
    screenshot(page, "deep-link-attention")


def test_bad_link_values_warn_and_are_clamped(page, app_server):
    open_link(page, app_server[0], tab="generate", max_new_tokens=99999, temperature="hot", model="../etc",
              prompt="Hi", run=1, unknown="x")
    toast = page.locator("[data-testid='toast-body']").first
    toast.wait_for(timeout=30_000)
    text = toast.inner_text()
    assert "max_new_tokens=99999" in text and "temperature='hot'" in text and "not run" in text
    assert "Traceback" not in text and "unknown" not in text
    cap = str(app_server[1].settings.max_new_tokens_cap)
    assert page.locator("#gen-max-new input[type=number]").input_value() == cap
    assert page.locator("#gen-prompt textarea").input_value() == "Hi"
    page.wait_for_timeout(1000)
    assert page.locator("#gen-output textarea").input_value() == ""  # the link's model was refused: no run


def test_running_a_tab_updates_the_address_bar(page):
    page.get_by_role("tab", name="Fill-mask", exact=True).click()
    page.wait_for_function("location.search.includes('tab=fill-mask')")  # switching tabs puts the tab in the URL
    choose_model(page, "fm-model", "tiny-bert")
    page.click("#fm-run")
    wait_text(page, "#fm-summary", "[MASK] #1")
    page.wait_for_function("location.search.includes('run=1')")
    assert query_of(page.url) == {"tab": "fill-mask", "model": "tiny-bert",
                                  "text": "I played [MASK] with my friends at school yesterday", "run": "1"}


def test_japanese_ui_follows_the_browser(browser, app_server):
    ctx = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        open_link(page, app_server[0], tab="generate", model="stories260K", prompt="Once upon a time",
                  max_new_tokens=20, run=1)
        tabs = page.locator("#tabs > .tab-wrapper [role=tab]").all_inner_texts()
        assert tabs == ["生成", "次のトークン", "穴埋め", "次文予測", "アテンション", "ロジットレンズ", "予測の内側",
                        "比較", "トークナイザー", "ファインチューニング", "モデル"]
        assert page.locator("#gen-run").inner_text() == "生成"
        assert "プロンプト" in page.locator("#gen-prompt").inner_text()
        page.locator("#gen-guide").get_by_text("ガイド").click()
        wait_text(page, "#gen-guide", "次トークン予測")
        assert "貪欲法" in page.locator("#gen-guide").inner_text()
        wait_text(page, "#gen-stats", "20 トークン")  # the server writes its results in the page's language too
        page.wait_for_function("!document.querySelector('#gen-stats').innerText.includes('生成中')")
        assert page.locator("#gen-output textarea").input_value().startswith(LILY)
        screenshot(page, "japanese-ui")
        page.get_by_role("tab", name="アテンション").click()
        assert "アテンションを表示" in page.locator("#att-run").inner_text()
        page.locator("#att-guide").get_by_text("ガイド").click()
        wait_text(page, "#att-guide", "注意機構")
    finally:
        ctx.close()


def test_api_page_link_opens_the_api_page(page, app_server):
    """The docs' link to the API page (docs/api.md), /?view=api, opens it (gradio 6.31 alone leaves the page closed)."""
    page.goto(app_server[0] + "?view=api")
    docs = page.wait_for_selector(".api-docs", timeout=20_000)
    page.wait_for_function("() => document.querySelector('.api-docs').innerText.includes('fill_mask')")
    assert "generate" in docs.inner_text() and "next_sentence" in docs.inner_text()
    screenshot(page, "api-page")


def test_a_japanese_pages_toasts_have_japanese_titles(page, app_server):
    """Gradio titles a toast by its type in English ("Warning") whatever title it is given; on a Japanese page
    it read 注意 only in the message."""
    open_link(page, app_server[0], tab="generate", max_new_tokens=99999, prompt="Hi", lang="ja")
    toast = page.locator("[data-testid='toast-body']").first
    toast.wait_for(timeout=30_000)
    page.wait_for_function("document.querySelector('.toast-title')?.innerText.includes('注意')", timeout=10_000)
    assert "Warning" not in toast.inner_text() and "max_new_tokens=99999" in toast.inner_text()
