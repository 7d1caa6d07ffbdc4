"""Token chips wrap inside their box: a generated text with no spaces (code, a URL, a random model's
'jetjetjet…') was one unbreakable word and ran off the right edge of the page, at 1400 px and on a phone."""

from __future__ import annotations

import pytest

from llm_playground.plots.generation import token_html
from llm_playground.ui.assets import CSS


def chip(token: str, i: int) -> dict:
    return {"token": token, "id": i, "prob": 0.5, "top": [{"token": token, "id": i, "prob": 0.5}]}


@pytest.mark.parametrize("width", [1400, 420])
def test_chips_of_a_text_without_spaces_wrap_inside_their_box(browser, width):
    html = token_html("Once upon a time", [[chip("jet", i) for i in range(300)]])
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.set_content(f"<style>{CSS}</style><div id='box' style='width: {width - 60}px'>{html}</div>")
        view = page.locator(".tok-view").first
        overflow = view.evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 0, f"the chips run {overflow} px past their box"
        assert view.evaluate("el => el.getBoundingClientRect().height") > 60  # several lines, not one
    finally:
        page.close()
