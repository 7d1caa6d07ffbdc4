"""The tokenizer tab's HTML: chips aligned to the text, visible whitespace, escaping, default choices."""

from __future__ import annotations

import re

from llm_playground.config import Settings
from llm_playground.plots.tokens import chips_html, comparison_html, summary_html, visible
from llm_playground.service.playground import PlaygroundService
from llm_playground.tasks.baselines import WORDS
from llm_playground.tasks.token_compare import cut_votes, disagreements
from llm_playground.tasks.tokenize import tokenize_all
from llm_playground.ui.tabs.tokenizer import default_tokenizers


def results(manager, names, text, add_special=True):
    return tokenize_all(names, text, lambda n: manager.tokenizer(n)[1], add_special)


def test_visible_whitespace_and_invisible_characters():
    assert visible("a b\n\tc") == ('a<span class="tkz-ws">·</span>b<span class="tkz-ws">↵</span>'
                                   '<span class="tkz-ws">→</span>c')
    assert visible("\u200d") == "<small>ZWJ</small>"
    assert visible("\u0301") == "◌\u0301"  # a lone combining mark gets a dotted circle to sit on
    assert visible("👩‍💻") == "👩‍💻" and visible("e\u0301") == "e\u0301"  # kept whole when they attach
    assert visible("<b>&") == "&lt;b&gt;&amp;"


def test_one_chip_per_character_group(shared_manager):
    [gpt2] = results(shared_manager, ["gpt2-tokenizer"], "羽 <b>\nok")
    html = chips_html(gpt2)
    chips = re.findall(r'<span class="tkz-chip[^"]*"', html)
    assert len(chips) == len(gpt2.groups())
    pieces = "".join(f'<span class="tkz-piece">{b}</span>' for b in ("E7", "BE", "BD"))
    assert pieces in html  # one chip for 羽, its three byte tokens underneath
    assert "bytes E7" in html and "U+7FBD" in html  # hover: bytes and code points
    assert "&lt;" in html and "&gt;" in html and "<b>" not in html
    assert "↵" in html and "<br>" in html


def test_gaps_specials_and_unknowns_are_marked(shared_manager):
    [bert] = results(shared_manager, ["minilm"], "hi  羽")
    html = chips_html(bert)
    assert html.count("tkz-special") == 2 and "[CLS]" in html
    assert "tkz-unknown" in html and "⚠" in html
    assert 'class="tkz-gap"' in html  # the spaces BERT drops are shown, faintly


def test_comparison_and_summary(shared_manager):
    rs = results(shared_manager, ["gpt2-tokenizer", WORDS], "Unbelievable! 東京")
    html = comparison_html(rs, disagreements(rs), cut_votes(rs))
    assert html.count('class="tkz-row" data-tokenizer=') == 2
    assert "tkz-differs" in html and "Where they cut" in html and "tkz-cut some" in html
    single = comparison_html(rs[:1], [set()], cut_votes(rs[:1]))
    assert "Where they cut" not in single and "tkz-differs" not in single
    summary = summary_html(rs)
    assert "✓ exact" in summary and "— cannot decode" in summary


def test_round_trip_differences_are_shown(shared_manager):
    rs = results(shared_manager, ["minilm"], "Hello", add_special=False)
    assert "<del>H</del><ins>h</ins>" in summary_html(rs)


def test_default_trio_prefers_local_tokenizers(models_dir):
    local = PlaygroundService(Settings(models_dir=models_dir), hub_probe=lambda: False)
    assert default_tokenizers(local) == ["gpt2-tokenizer", "minilm", "stories260K"]
    hub_only = PlaygroundService(Settings(models_dir=None), hub_probe=lambda: True)
    assert default_tokenizers(hub_only) == ["gpt2", "bert-base-uncased", "rinna/japanese-gpt2-xsmall"]
    offline = PlaygroundService(Settings(models_dir=None), hub_probe=lambda: False)
    assert default_tokenizers(offline) == [WORDS, "story-bert", "stories260K"]  # the built-in models work offline
