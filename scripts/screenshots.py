"""Screenshots of every tab after a run, at 1400 px and 420 px wide, in English and Japanese (loopback only).

python scripts/screenshots.py [--out docs/screenshots] [--tabs compare,logit-lens]

Launches the app on the offline models (the built-in stories260K, ../shared/models, and a tiny random BERT
with MLM and NSP heads built here, as the tests do) and drives headless Debian Chromium through each tab's
deep link with run=1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LINKS = {
    "generate": dict(model="stories260K", prompt="Once upon a time", max_new_tokens=40, do_sample=True, temperature=0.8,
                     top_k=20, top_p=0.9, seed=5),
    "next-token": dict(model="stories260K", prompt="Once upon a time, there was a little", top_k=5, temperature=0.8),
    "fill-mask": dict(model="tiny-bert", text="The [MASK] raised the interest rate, and the river [MASK] was flooded."),
    "next-sentence": dict(model="tiny-bert", sentence_a="What is baseball ?",
                          sentence_b="It is a game of hitting the ball with the bat."),
    "attention": dict(model="stories260K", text="Once upon a time, there was a little girl named Lily."),
    "logit-lens": dict(model="stories260K", text="Once upon a time, there was a little girl named"),
    "compare": dict(prompt="Once upon a time", model_a="stories260K", model_b="stories260K", do_sample_a=True,
                    do_sample_b=True, seed=3, max_new_tokens=60),  # 16-bit weights part at step 30
    "tokenizer": dict(tokenizers="gpt2-tokenizer,minilm,stories260K,characters (baseline)",
                      text="Unbelievable! 東京で寿司を食べた🍣 café"),
    "fine-tune": dict(model="stories260K", max_steps=40),
    "models": dict(),
}
DONE = {"generate": "#gen-stats .prose", "next-token": "#nt-chart .js-plotly-plot", "fill-mask": "#fm-chart .js-plotly-plot",
        "next-sentence": "#nsp-chart .js-plotly-plot", "attention": "#att-plot .js-plotly-plot",
        "logit-lens": "#ll-trajectory .js-plotly-plot",
        "compare": "#cmp-chart .js-plotly-plot", "tokenizer": "#tok-summary table",
        "fine-tune": "#ft-compare .ft-compare", "models": "#models-summary"}

FINISHED_JS = "() => !/generating|生成中/.test(document.querySelector('#gen-stats').innerText)"
SAMPLER_TAB = {"en": "What the sampler did", "ja": "サンプラーの働き"}


def steer(page, out: Path, suffix: str, lang: str) -> None:
    """The Generate tab's popover on the fifth token, the sampler view at that step, and the branch on the
    popover's first alternative."""
    page.locator("#gen-tokens .tok[data-step]").nth(4).click()
    page.wait_for_selector(".tok-pop")
    page.screenshot(path=str(out / f"generate-popover{suffix}.png"))
    page.keyboard.press("Escape")
    tab = page.get_by_role("tab", name=SAMPLER_TAB[lang])
    if tab.is_visible():  # on a phone the fourth view is behind the tabs' overflow menu
        tab.click()
        page.wait_for_selector("#gen-sampler-chart .js-plotly-plot")
        box = page.locator("#gen-sampler-step input[type=number]")
        box.fill("5")
        box.press("Enter")
        page.wait_for_function("document.querySelector('#gen-sampler-summary')?.innerText.includes('5')")
        page.wait_for_timeout(1000)
        page.locator("#gen-sampler-chart").scroll_into_view_if_needed()
        page.screenshot(path=str(out / f"generate-sampler{suffix}.png"))
        page.get_by_role("tab", name="Token probabilities" if lang == "en" else "トークンの確率").click()
    page.locator("#gen-tokens .tok[data-step]").nth(4).click()
    page.locator(".tok-pop button.tok-alt").first.click()
    page.wait_for_selector("#gen-tokens .tok.forced", timeout=120_000)
    page.wait_for_function(FINISHED_JS, timeout=120_000)
    page.locator("#gen-branches").scroll_into_view_if_needed()
    page.screenshot(path=str(out / f"generate-branch{suffix}.png"))


def main(argv=None) -> int:
    from urllib.parse import urlencode

    from playwright.sync_api import sync_playwright

    from llm_playground.config import Settings
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, launched
    from tests.fixtures import build_models_dir

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    p.add_argument("--tabs", default=",".join(LINKS), help="the tabs to shoot, comma-separated (default: all)")
    args = p.parse_args(argv)
    tabs = {tab: LINKS[tab] for tab in args.tabs.split(",")}
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        models_dir = build_models_dir(Path(tmp))
        for url, _ in launched(Settings(models_dir=models_dir, port=free_port())):
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for lang in ("en", "ja"):
                    for width in (1400, 420):
                        page = browser.new_page(viewport={"width": width, "height": 900},
                                                locale="ja-JP" if lang == "ja" else "en-US")
                        for tab, params in tabs.items():
                            query = {"tab": tab, **params, **({"run": 1} if tab != "models" else {}), "lang": lang}
                            page.goto(f"{url}?{urlencode(query)}")
                            page.wait_for_selector(DONE[tab], timeout=120_000)
                            if tab == "generate":  # streamed: wait for the last token, not the first
                                page.wait_for_function(FINISHED_JS, timeout=120_000)
                            page.wait_for_timeout(1500)
                            name = f"{tab}-{width}{'-ja' if lang == 'ja' else ''}.png"
                            page.screenshot(path=str(args.out / name), full_page=width == 420)
                            print(name, flush=True)
                            if tab == "generate":
                                steer(page, args.out, name[len("generate"):-len(".png")], lang)
                        page.close()
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
