"""User- and model-controlled strings inside markup: plotly labels, HTML and Markdown (no torch).

Plotly reads its labels as a small HTML dialect (<b>, <a href>, <br>); Gradio renders Markdown and
toast messages as HTML. A prompt, a predicted token or a model name must show as the characters it
is, never become an element or a link — so every such string passes through one of these.
"""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def plain(text: str) -> str:
    """For plotly labels and HTML text: < > & shown as characters."""
    return html.escape(str(text), quote=False)


def md(text: str) -> str:
    """For Markdown: HTML escaped, and Markdown's own syntax ([link](…), ![image](…), **, #) made literal."""
    return _MARKDOWN.sub(r"\\\1", plain(text))
