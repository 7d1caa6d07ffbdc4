"""End to end in headless Debian Chromium: the Fine-tune tab trains, shows its curve and before/after panel, offers
the zip and the code; Stop ends a run; the fine-tuned model is then offered in Generate. English and Japanese."""

from __future__ import annotations

from pathlib import Path

from ..conftest import ARTIFACTS
from ..service.test_finetune import HELD_OUT, TRAIN
from .test_browser_share import open_link, wait_text

SHOTS = Path("/tmp/ft-shots")


def shoot(page, name: str) -> None:
    for folder in (SHOTS, ARTIFACTS):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def set_number(page, elem_id: str, value) -> None:
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


def test_fine_tune_tab_end_to_end(page, app_server, tmp_path):
    open_link(page, app_server[0], tab="fine-tune")
    # A binary file is refused beside the button; a text file fills the training text.
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\x00\x00")
    page.locator("#ft-upload input[type=file], input[type=file]").first.set_input_files(str(tmp_path / "photo.txt"))
    wait_text(page, "#ft-error", "binary")
    (tmp_path / "kettle.txt").write_text(TRAIN, encoding="utf-8")
    page.locator("#ft-upload input[type=file], input[type=file]").first.set_input_files(str(tmp_path / "kettle.txt"))
    page.wait_for_function("document.querySelector('#ft-train-text textarea').value.startsWith('Zorbly')")
    page.locator("#ft-eval-text textarea").fill(HELD_OUT)
    set_number(page, "ft-steps", 40)
    set_number(page, "ft-lr", 0.003)
    page.click("#ft-run")
    wait_text(page, "#ft-summary", "registered as", timeout=240_000)
    summary = page.locator("#ft-summary").inner_text()
    assert "Finished" in summary and "before →" in summary and "+ft-" in summary
    name = summary.split("registered as ")[1].split(":")[0].strip()
    page.wait_for_selector("#ft-chart .js-plotly-plot")
    assert page.locator("#ft-compare .tok").count() >= 10
    assert "after (fine-tuned)" in page.locator("#ft-compare").inner_text()
    assert "Zorbly the green kettle hums" in page.locator("#ft-compare").inner_text()
    assert page.locator("#ft-download").is_visible()
    page.locator("#ft-python").click()
    page.wait_for_function("document.querySelector('#ft-code')?.innerText.includes('TrainingArguments')")
    wait_text(page, "#ft-status", "Step 40/40")
    assert "left" not in page.locator("#ft-status").inner_text()  # an ended run has no ETA
    shoot(page, "fine-tune-en-1400")
    page.set_viewport_size({"width": 420, "height": 900})
    shoot(page, "fine-tune-en-420")
    page.set_viewport_size({"width": 1400, "height": 1000})
    # The fine-tuned model is offered in Generate (the pickers refresh when a tab opens).
    page.get_by_role("tab", name="Generate", exact=True).click()
    box = page.locator("#gen-model input")
    box.click()
    box.fill("+ft-")
    page.locator(f"ul[role='listbox'] li[role='option'][aria-label='{name}']").first.wait_for()


def test_fine_tune_stop_in_japanese(page, app_server):
    open_link(page, app_server[0], tab="fine-tune", lang="ja")
    wait_text(page, "#ft-run", "学習する")
    set_number(page, "ft-steps", 500)
    page.click("#ft-run")
    wait_text(page, "#ft-status", "ステップ", timeout=120_000)
    page.click("#ft-stop")
    wait_text(page, "#ft-summary", "停止しました", timeout=120_000)
    assert "ファインチューニングしたモデル" in page.locator("#ft-summary").inner_text()
    assert "後（ファインチューニング後）" in page.locator("#ft-compare").inner_text()
    shoot(page, "fine-tune-ja-1400")
    page.set_viewport_size({"width": 420, "height": 900})
    shoot(page, "fine-tune-ja-420")
