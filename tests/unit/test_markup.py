"""User- and model-controlled text inside Markdown (plots/text.py): shown as the characters it is, never markup
and never a link (issue #33: byte-level fill-mask predictions such as http://2130706433:7930/ became links)."""

from __future__ import annotations

import html
import re

import pytest

from llm_playground.plots.text import md

HOSTILE = ["http://2130706433:7930/", "https://evil%2Eexample/", "www.example.com", "me@example.com",
           "mailto:me@example.com", "ftp://x.example/a!", "<http://127.0.0.3/>", "[l](http://127.0.0.3/l)",
           "![x](http://127.0.0.3/m)", '<img src="http://127.0.0.3/i">', "**b** # h &#58; \\:"]


def rendered_text(markdown: str) -> str:
    """What the page shows for md()'s output: backslash escapes undone, then character references."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown))


@pytest.mark.parametrize("text", HOSTILE)
def test_md_shows_the_same_characters_and_leaves_nothing_to_autolink(text):
    out = md(text)
    assert rendered_text(out) == text
    # GFM's autolinks need a scheme's ':', an address's '@' or a literal 'www.'; raw HTML needs '<'
    assert not re.search(r"[:@<>]|www\.", out), out
