"""User- and model-controlled strings inside markup: plotly labels, HTML and Markdown (no torch).

Plotly reads its labels as a small HTML dialect (<b>, <a href>, <br>); Gradio renders Markdown and
toast messages as HTML. A prompt, a predicted token or a model name must show as the characters it
is, never become an element or a link — so every such string passes through one of these.
"""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
# GFM turns bare text into links by itself: http://…, ftp://…, mailto:… and an e-mail address (www.… needs the dot
# that _MARKDOWN escapes). Without a literal ':' or '@' none of them matches; the entities show the same characters.
_AUTOLINK = str.maketrans({":": "&#58;", "@": "&#64;"})


def plain(text: str) -> str:
    """For plotly labels and HTML text: < > & shown as characters."""
    return html.escape(str(text), quote=False)


def md(text: str) -> str:
    """For Markdown: HTML escaped, Markdown's own syntax ([link](…), ![image](…), **, #) made literal, and no bare
    URL or e-mail address made a link (a predicted token http://2130706433:7930/ is text, not a link)."""
    return _MARKDOWN.sub(r"\\\1", plain(text)).translate(_AUTOLINK)


def code_span(text) -> str:
    """For Markdown, as a code span (a URL, an engine's model id): shown as the characters it is. Inside a
    span Markdown undoes no backslash escape, so md() there would show its backslashes: 127\\.0\\.0\\.1."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"
