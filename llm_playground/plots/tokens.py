"""Tokenizer views: tokens as chips aligned to the text (plain data in, HTML out; no torch).

A chip shows the characters a token covers (top, whitespace made visible) over the vocabulary
entry itself (bottom: Ġw, ##ing, ▁w). Byte pieces that only together make one character share one
chip, with each piece's bytes underneath. Hover a chip for ids, bytes and code points.
"""

from __future__ import annotations

import html
import unicodedata

from ..i18n.words import kind, tr
from ..tasks.tokenize import Group, Token, Tokenization, diff

PALETTE = 6  # chip colours cycle so neighbouring tokens are always told apart
INVISIBLE = {"\u200d": "ZWJ", "\u200c": "ZWNJ", "\u200b": "ZWSP", "\ufeff": "BOM", "\ufe0f": "VS16",
             "\ufe0e": "VS15", "\u00ad": "SHY"}
WHITESPACE = {" ": "·", "\n": "↵", "\t": "→", "\r": "␍", "\u3000": "□", "\u00a0": "⍽"}

CSS = """
.tkz { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; color: #111; }
.tkz .tkz-row { margin: 10px 0 14px; }
.tkz .tkz-head { font-family: system-ui, sans-serif; font-size: 0.9em; margin-bottom: 4px; }
.tkz .tkz-kind { color: #555; }
.tkz .tkz-chips { line-height: 1.2; }
.tkz .tkz-chip { display: inline-flex; flex-direction: column; align-items: center; vertical-align: top;
  margin: 2px 1px; padding: 1px 3px; border-radius: 4px; border: 1px solid rgba(0,0,0,.15); min-width: 0.9em; }
.tkz .tkz-text { font-size: 1.15em; white-space: pre; }
.tkz .tkz-raw { font-size: 0.68em; color: #444; white-space: pre; }
.tkz .tkz-piece { padding: 0 2px; margin: 0 1px; border-radius: 2px; background: rgba(255,255,255,.7); }
.tkz .tkz-ws { color: #999; }
.tkz .tkz-gap { color: #aaa; font-size: 1.15em; vertical-align: top; margin: 2px 1px; display: inline-block; }
.tkz .c0 { background: #dbe4ff; } .tkz .c1 { background: #d3f9d8; } .tkz .c2 { background: #fff3bf; }
.tkz .c3 { background: #ffdeeb; } .tkz .c4 { background: #c5f6fa; } .tkz .c5 { background: #e5dbff; }
.tkz .tkz-special { background: #e9ecef; border-style: dashed; font-style: italic; }
.tkz .tkz-unknown { background: #ffc9c9; border-color: #e03131; }
.tkz .tkz-differs { box-shadow: inset 0 -3px 0 #f76707; }
.tkz .tkz-ruler { font-size: 1.15em; line-height: 1.8; white-space: pre-wrap; overflow-wrap: anywhere; }
.tkz .tkz-cut { display: inline-block; width: 0; height: 1.3em; vertical-align: middle;
  border-left: 2px solid #adb5bd; }
.tkz .tkz-cut.some { border-left-color: #f76707; }
.tkz .tkz-legend, .tkz details { font-family: system-ui, sans-serif; font-size: 0.85em; color: #555; }
.tkz table { border-collapse: collapse; font-family: system-ui, sans-serif; font-size: 0.9em; }
.tkz td, .tkz th { border: 1px solid #dee2e6; padding: 2px 8px; text-align: right; }
.tkz td:nth-child(-n+2), .tkz th:nth-child(-n+2), .tkz td.l { text-align: left; }
.tkz del { background: #ffc9c9; } .tkz ins { background: #b2f2bb; text-decoration: none; }
.tkz .tkz-failed { font-family: system-ui, sans-serif; color: #9f1239; }
"""


def _char(ch: str) -> str:
    if ch in WHITESPACE:
        return f'<span class="tkz-ws">{WHITESPACE[ch]}</span>'
    return html.escape(ch)


def visible(text: str) -> str:
    """HTML for text with whitespace shown (·, ↵, →) and invisible characters named (ZWJ)."""
    if text and all(ch in INVISIBLE or unicodedata.category(ch).startswith("M") for ch in text):
        # nothing for these to attach to: show a dotted circle for marks and name the invisibles
        return "".join(f"<small>{INVISIBLE[ch]}</small>" if ch in INVISIBLE else "◌" + html.escape(ch)
                       for ch in text)
    return "".join(_char(ch) for ch in text)


def _hex(data: bytes) -> str:
    return " ".join(f"{b:02X}" for b in data)


def _token_line(tok: Token, text: str) -> str:
    covered = text[tok.start:tok.end]
    data = tok.data if tok.data is not None else covered.encode()
    line = f"id {tok.id}  {tok.token!r}"
    if tok.special:
        return line + "  (special token)"
    line += f"  bytes {_hex(data)}" if data else ""
    if tok.unknown:
        line += "  UNKNOWN: not in the vocabulary"
    return line


def _tooltip(group: Group, text: str) -> str:
    covered = text[group.start:group.end]
    lines = [_token_line(t, text) for t in group.tokens]
    if covered:
        points = " ".join(f"U+{ord(c):04X}" for c in covered[:12]) + (" …" if len(covered) > 12 else "")
        lines.append(f"covers {covered!r}: characters {group.start}–{group.end} ({points})")
    if len(group.tokens) > 1:
        lines.append(f"{len(group.tokens)} tokens together make these characters")
    return html.escape("\n".join(lines), quote=True)


def _raw(tok: Token, several: bool) -> str:
    """The bottom line: the vocabulary entry, or a byte piece's hex when it is not text on its own."""
    label = tok.token
    if tok.data is not None and several:
        try:
            tok.data.decode()
        except UnicodeDecodeError:
            label = _hex(tok.data)
    cls = "tkz-piece" if several else ""
    return f'<span class="{cls}">{html.escape(label)}</span>'


def _chip(group: Group, index: int, text: str, differs: bool) -> str:
    first = group.tokens[0]
    classes = ["tkz-chip", f"c{index % PALETTE}"]
    classes += ["tkz-special"] if first.special else []
    classes += ["tkz-unknown"] if any(t.unknown for t in group.tokens) else []
    classes += ["tkz-differs"] if differs else []
    covered = text[group.start:group.end]
    top = visible(covered) if covered else html.escape(first.token)
    raw = "".join(_raw(t, len(group.tokens) > 1) for t in group.tokens)
    mark = "⚠ " if "tkz-unknown" in classes else ""
    return (f'<span class="{" ".join(classes)}" title="{_tooltip(group, text)}" data-id="{first.id}" '
            f'data-start="{group.start}" data-end="{group.end}"><span class="tkz-text">{top}</span>'
            f'<span class="tkz-raw">{mark}{raw}</span></span>')


def _line_breaks(covered: str) -> str:
    return "<br>" * min(2, covered.count("\n"))


def chips_html(result: Tokenization, differs: set[int] = frozenset()) -> str:
    """The chips of one tokenization, with uncovered text (e.g. spaces BERT drops) shown faintly."""
    parts, pos, text = [], 0, result.text
    for index, group in enumerate(result.groups()):
        if group.start > pos:
            gap = text[pos:group.start]
            parts.append(f'<span class="tkz-gap" title="not part of any token">{visible(gap)}</span>'
                         + _line_breaks(gap))
        parts.append(_chip(group, index, text, index in differs) + _line_breaks(text[group.start:group.end]))
        pos = max(pos, group.end)
    if pos < len(text):
        parts.append(f'<span class="tkz-gap" title="not part of any token">{visible(text[pos:])}</span>')
    return f'<div class="tkz-chips">{"".join(parts)}</div>'


def _head(result: Tokenization, lang: str) -> str:
    unknown = sum(t.unknown for t in result.tokens)
    flags = f" · <b>{tr(lang, 'tok_unknown', n=unknown)}</b>" if unknown else ""
    return (f'<div class="tkz-head"><b>{html.escape(result.tokenizer)}</b> <span class="tkz-kind">'
            f'{html.escape(kind(lang, result.kind))}</span> · '
            f'{tr(lang, "tok_head", count=result.count, cpt=result.chars_per_token)}{flags}</div>')


def comparison_html(results: list[Tokenization], differs: list[set[int]], votes: dict[int, int],
                    lang: str = "en", failures: list[str] = ()) -> str:
    """Every tokenizer's chips, one row each, under a ruler of where they cut the text."""
    rows = "".join(
        f'<div class="tkz-row" data-tokenizer="{html.escape(r.tokenizer, quote=True)}">{_head(r, lang)}'
        f"{chips_html(r, d)}<details><summary>ids</summary><code>{[t.id for t in r.tokens]}</code>"
        f"</details></div>" for r, d in zip(results, differs))
    legend = (f'<div class="tkz-legend">{tr(lang, "tok_legend")}'
              + (tr(lang, "tok_legend_differs") if len(results) > 1 else "") + f'{tr(lang, "tok_legend_hover")}</div>')
    ruler = ruler_html(results[0].text, votes, len(results), lang) if len(results) > 1 else ""
    failed = "".join(f'<div class="tkz-row tkz-failed">⚠ {html.escape(f)}</div>' for f in failures)
    return f'<div class="tkz">{failed}{ruler}{rows}{legend}</div>'


def ruler_html(text: str, votes: dict[int, int], total: int, lang: str = "en") -> str:
    """The text once, with a bar wherever a tokenizer cuts: grey if all do, orange if only some."""
    parts = []
    for i, ch in enumerate(text):
        if votes.get(i):
            cls, n = ("all" if votes[i] == total else "some"), votes[i]
            parts.append(f'<span class="tkz-cut {cls}" title="{n} of {total} tokenizers cut here"></span>')
        parts.append(_char(ch) + ("<br>" if ch == "\n" else ""))
    return (f'<div class="tkz-row"><div class="tkz-head"><b>{tr(lang, "tok_ruler")}</b> <span class="tkz-kind">'
            f'{tr(lang, "tok_ruler_kind", total=total)}</span></div><div class="tkz-ruler">'
            f'{"".join(parts)}</div></div>')


def summary_html(results: list[Tokenization], lang: str = "en") -> str:
    """Counts per tokenizer, and whether decode(encode(text)) gives the text back."""
    head = "<tr>" + "".join(f"<th>{h}</th>" for h in tr(lang, "tok_summary")) + "</tr>"
    rows = "".join(
        f"<tr><td>{html.escape(r.tokenizer)}</td><td class='l'>{html.escape(kind(lang, r.kind))}</td>"
        f"<td>{r.count}</td><td>{len(r.text)}</td><td>{len(r.text.encode())}</td><td>{r.chars_per_token:.2f}</td>"
        f"<td>{sum(t.unknown for t in r.tokens)}</td><td class='l'>{_round_trip_cell(r, lang)}</td></tr>"
        for r in results)
    return f'<div class="tkz"><table>{head}{rows}</table>{round_trip_html(results, lang)}</div>'


def _round_trip_cell(r: Tokenization, lang: str) -> str:
    return tr(lang, {True: "tok_exact", False: "tok_differs", None: "tok_no_decode"}[r.round_trip_ok])


def round_trip_html(results: list[Tokenization], lang: str = "en") -> str:
    """decode(encode(text)) for each tokenizer that does not give the text back, with the changes marked."""
    parts = []
    for r in results:
        if r.round_trip_ok is False:
            marked = "".join(_diff_piece(op, a, b, lang) for op, a, b in diff(r.text, r.decoded or ""))
            parts.append(f"<div class='tkz-row'><div class='tkz-head'><b>{html.escape(r.tokenizer)}</b> "
                         f"{tr(lang, 'tok_decodes_to')}</div>"
                         f"<div class='tkz-ruler'>{marked}</div></div>")
    return "".join(parts)


def _diff_piece(op: str, original: str, decoded: str, lang: str = "en") -> str:
    if op == "equal":
        return html.escape(original)
    if op == "rest":
        return f" <i>{tr(lang, 'tok_rest')}</i>"
    removed = f"<del>{visible(original)}</del>" if original else ""
    added = f"<ins>{visible(decoded)}</ins>" if decoded else ""
    return removed + added


def ids_html(tokens: list[Token]) -> str:
    """Decoded ids as chips of their vocabulary entries (no text offsets here)."""
    chips = "".join(
        f'<span class="tkz-chip c{i % PALETTE}{" tkz-special" if t.special else ""}" title="id {t.id}">'
        f'<span class="tkz-text">{visible(t.token)}</span><span class="tkz-raw">{t.id}</span></span>'
        for i, t in enumerate(tokens))
    return f'<div class="tkz"><div class="tkz-chips">{chips}</div></div>'
