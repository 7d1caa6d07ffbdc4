"""Deep links: a tab and its inputs in the page URL, parsed and checked on the server (no gradio here).

`?tab=generate&model=stories260K&prompt=Once+upon+a+time&max_new_tokens=20&run=1` restores the Generate
tab with those inputs and presses Generate. The parameters of each tab are its spec's link parameters
(specs.link_params), with the ranges of the tab's own controls; names are the public API's; a parameter equal to
its default may be left out. Every value is validated: numbers are clamped to the control's range, an
unknown model, view or dtype is replaced by the default, over-long text is cut; each such change is
reported in `Restored.problems`, as Messages (the UI shows them as one warning, in the page's language).
Unknown parameters are ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from .errors import Message
from .specs import NOT_RUN_BY_LINKS, Param

TRUE, FALSE = ("1", "true", "yes", "on", "sampling"), ("0", "false", "no", "off", "greedy")
MAX_NAME = 200  # a model or tokenizer name longer than this is not a name


@dataclass
class Restored:
    tab: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    run: bool = False
    problems: list[Message] = field(default_factory=list)


def _short(value: str, n: int = 40) -> str:
    return repr(value if len(value) <= n else value[:n - 3] + "...")


def _number(raw: str, p: Param, problems: list[Message]):
    """The value of a numeric parameter, clamped to [low, high]; None when it is not a number."""
    raw = raw.strip()
    if raw.lower() in p.special:
        return raw.lower()
    try:
        x = float(raw)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or (p.kind == "int" and x != int(x)):
        whole = p.kind == "int"
        key = (("link.not_a_whole_number_or" if whole else "link.not_a_number_or") if p.special else
               ("link.not_a_whole_number" if whole else "link.not_a_number"))
        problems.append(Message(key, name=p.name, raw=_short(raw), special=" / ".join(p.special)))
        return None
    clamped = min(max(x, p.low), p.high)
    if clamped != x:
        problems.append(Message("link.outside", name=p.name, raw=raw, low=_fmt(p.low), high=_fmt(p.high),
                                used=_fmt(clamped)))
    return int(clamped) if p.kind == "int" else float(clamped)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _text(raw: str, p: Param, problems: list[Message]) -> str:
    text = raw.replace("\x00", "")
    if p.high is not None and len(text) > p.high:
        problems.append(Message("link.cut", name=p.name, n=len(text), limit=int(p.high)))
        text = text[:int(p.high)]
    return text


def _ids(raw: str, p: Param, problems: list[Message]) -> list[int] | None:
    """Token ids written 12,7,431 (a branch's forced start); at most `high` of them."""
    parts = [v for v in raw.replace(",", " ").split() if v]
    if not all(v.isascii() and v.isdigit() and len(v) <= 9 for v in parts):  # "²" is a digit to isdigit only
        problems.append(Message("link.not_ids", name=p.name, raw=_short(raw)))
        return None
    if p.high is not None and len(parts) > p.high:
        problems.append(Message("link.ids_cut", name=p.name, n=int(p.high)))
        parts = parts[:int(p.high)]
    return [int(v) for v in parts]


def _model(raw: str, p: Param, known: Callable[[str], bool], problems: list[Message]) -> str | None:
    name = raw.strip()
    if name and len(name) <= MAX_NAME and known(name):
        return name
    problems.append(Message("link.model_unavailable", name=p.name, raw=_short(name)))
    return None


def _models(raws: list[str], p: Param, known: Callable[[str], bool], problems: list[Message]) -> list[str] | None:
    names = [n.strip() for raw in raws for n in raw.split(",") if n.strip()]
    names = list(dict.fromkeys(names))
    good = [n for n in names if len(n) <= MAX_NAME and known(n)]
    if len(good) < len(names):
        bad = ", ".join(_short(n) for n in names if n not in good)
        problems.append(Message("link.models_unavailable", name=p.name, bad=bad))
    if p.high is not None and len(good) > p.high:
        problems.append(Message("link.models_cut", name=p.name, n=int(p.high)))
        good = good[:int(p.high)]
    return good or None


def _one(raw: str, p: Param, known: Callable[[str], bool], problems: list[Message]):
    if p.kind == "text":
        return _text(raw, p, problems)
    if p.kind in ("int", "float"):
        return _number(raw, p, problems)
    if p.kind == "bool":
        word = raw.strip().lower()
        if word in TRUE or word in FALSE:
            return word in TRUE
        problems.append(Message("link.not_a_flag", name=p.name, raw=_short(raw)))
        return None
    if p.kind == "ids":
        return _ids(raw, p, problems)
    if p.kind == "choice":
        word = raw.strip().lower().replace("_", " ").replace("-", " ")
        match = next((c for c in p.choices if c.lower().replace("-", " ") == word), None)
        if match is None:
            problems.append(Message("link.not_a_choice", name=p.name, raw=_short(raw), choices=", ".join(p.choices)))
        return match
    return _model(raw, p, known, problems)


def parse(query: Mapping[str, str] | Iterable[tuple[str, str]], tab_specs: Mapping[str, tuple[Param, ...]],
          known: Mapping[str, Callable[[str], bool]] | None = None) -> Restored:
    """Read a query string's (key, value) pairs. `known[tab]` says whether a model name may be used there
    (a catalogue name, or any id where custom models are allowed). Never raises."""
    pairs = list(query.multi_items() if hasattr(query, "multi_items") else
                 query.items() if isinstance(query, Mapping) else query)
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        multi.setdefault(str(key), []).append(str(value))
    out = Restored()
    if not multi:
        return out
    if "tab" not in multi and not any(p.name in multi for p in tab_specs.get("generate", ())):
        return out  # e.g. gradio's own ?view=api or ?__theme=dark: not a link to a tab
    tab = (multi.get("tab") or ["generate"])[-1].strip().lower().replace("_", "-").replace(" ", "-")
    if tab not in tab_specs:
        out.problems.append(Message("link.not_a_tab", raw=_short(tab), tabs=", ".join(tab_specs)))
        return out
    out.tab = tab
    check = (known or {}).get(tab) or (lambda name: False)
    for p in tab_specs[tab]:
        if p.name not in multi:
            continue
        raws = multi[p.name]
        value = _models(raws, p, check, out.problems) if p.kind == "models" else _one(raws[-1], p, check, out.problems)
        if value is not None:
            out.values[p.name] = value
    run = (multi.get("run") or ["0"])[-1].strip().lower()
    out.run = run in TRUE and tab not in NOT_RUN_BY_LINKS  # fine-tuning starts from its button only
    if out.run and any(p.kind == "model" and p.name in multi and p.name not in out.values for p in tab_specs[tab]):
        out.run = False  # the model asked for cannot be used: do not run another one on the visitor's text
        out.problems.append(Message("link.not_run"))
    return out


def query(tab: str, values: Mapping[str, Any], tab_specs: Mapping[str, tuple[Param, ...]], run: bool = True) -> str:
    """The query string (without '?') for a tab's values; parameters at their default are left out.
    The browser builds the same string (ui/share.py LINK_JS); this is the reference and is what tests use."""
    from urllib.parse import urlencode

    pairs = [("tab", tab)]
    for p in tab_specs[tab]:
        v = values.get(p.name)
        if v is None or v == "" or v == [] or (p.default is not None and _same(v, p.default)):
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, (list, tuple)):
            v = ",".join(map(str, v))
        elif isinstance(v, float) and v.is_integer():
            v = int(v)
        pairs.append((p.name, str(v)))
    if run and tab not in NOT_RUN_BY_LINKS:
        pairs.append(("run", "1"))
    return urlencode(pairs)


def _same(value, default) -> bool:
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default or (isinstance(value, bool) and value == default)
    if isinstance(value, (int, float)) and isinstance(default, (int, float)):
        return float(value) == float(default)
    return str(value) == str(default)
