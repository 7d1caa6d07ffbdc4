"""End to end: the Models tab shows what the other tabs loaded, and unloading frees it."""

from ..conftest import choose_model, screenshot


def test_models_tab_lists_and_unloads(page, app_server):
    manager = app_server[1].manager
    page.goto(app_server[0] + "?tab=generate&model=stories260K&prompt=Once+upon+a+time&max_new_tokens=5&run=1")
    page.wait_for_function("document.querySelector('#gen-stats')?.innerText.includes('5 tokens')")
    page.get_by_role("tab", name="Models").click()
    page.wait_for_function("document.querySelector('#models-loaded')?.innerText.includes('stories260K')")
    assert "float32" in page.locator("#models-loaded").inner_text()
    assert "budget" in page.locator("#models-summary").inner_text()
    screenshot(page, "models")
    choose_model(page, "models-unload-name", "stories260K")
    page.click("#models-unload")
    # the name alone, not a fine-tuned copy the API tests may have left ('stories260K+ft-…'; a fresh-clone run)
    page.wait_for_function("!/(^|\\s)stories260K(\\s|$)/m.test(document.querySelector('#models-loaded').innerText)")
    assert "stories260K" not in [m.name for m in manager.loaded()]
