"""Deep links in the page: restoring a tab and its inputs from the URL on load (and the page language,
the offline banner and the model pickers with it), the Copy-link and address-bar scripts, and wiring them
to a tab's events. The URL is parsed and checked on the server by llm_playground.deeplink; the browser
builds links with LINK_JS (the same rules as deeplink.query) so copying needs no server round trip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import gradio as gr

from .. import deeplink
from ..i18n.messages import Message, joined
from ..i18n.words import tr
from ..models.catalog import HUB_ID_RE
from ..plots.text import plain
from ..serving.body_limit import MAX_URL_BYTES
from ..specs import NOT_RUN_BY_LINKS, Param, link_params
from .tab_link import TabLink

# ---- links in the browser -------------------------------------------------------------------------

LINK_JS = """
(...values) => {
  %(guard)s
  const spec = %(spec)s;
  const shown = %(shown)s ? values[values.length - 1] : null;  // the result's own values, while one is shown
  const q = new URLSearchParams({tab: %(tab)s});
  spec.forEach((s, i) => {
    if (!s.name) return;
    let v = values[i];
    if (shown && typeof shown === "object" && s.name in shown) v = shown[s.name];
    if (s.when && values[s.when[0]] !== s.when[1]) return;
    if (s.random !== undefined && v === s.random && values[s.from] !== null && values[s.from] !== undefined
        && values[s.from] !== "") v = values[s.from];
    if (s.map && String(v) in s.map) v = s.map[String(v)];
    if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) return;
    if (Array.isArray(v)) v = v.join(",");
    if (s.default !== null && String(v) === String(s.default)) return;
    q.append(s.name, String(v));
  });
  if (%(run)s) q.append("run", "1");
  const lang = document.querySelector("#lang input:checked")?.value;
  if (lang && lang !== "en") q.append("lang", lang);
  const url = location.origin + location.pathname + "?" + q.toString();
  const fits = url.length <= %(max)d;  // longer links cannot be opened: the server refuses the request
  window.playgroundReplaceUrl(fits ? url : location.origin + location.pathname + "?tab=" + %(tab)s);
  %(action)s
}
"""
# The server refuses a longer address (serving/body_limit.py: Gradio could not parse it), so links stop there,
# origin included (links are percent-encoded ASCII).
MAX_LINK_BYTES = MAX_URL_BYTES
MODELS_URL_JS = """() => window.__playgroundRestored && window.playgroundReplaceUrl(
  location.origin + location.pathname + "?tab=models")"""
COPY_ACTION = """if (!fits) return %(too_long)s[lang === "ja" ? 1 : 0].replace("{kb}", Math.round(url.length / 1000));
  try { navigator.clipboard.writeText(url).catch(() => {}); } catch (e) {}
  return url;"""
TOO_LONG = ("This link would be {kb} KB: too long to open (links stop at 60 KB). Shorten the text to share it as a "
            "link, or share the JSON export.",
            "このリンクは {kb} KB になり、長すぎて開けません（リンクは 60 KB まで）。リンクで共有するにはテキストを短く"
            "するか、JSON の書き出しを共有してください。")


def link_js(link: TabLink, defaults: dict, action: str) -> str:
    """action: copy (URL to the clipboard and the link box), run (address bar after a run), select (tab)."""
    spec = []
    for f in link.fields:
        spec.append({"name": f.name, "default": defaults.get(f.name), **f.js})
    spec += [{"name": None} for _ in link.extra_js]
    # Gradio selects the first tab while the page starts, before the link is restored: leave the URL alone.
    guard = "if (!window.__playgroundRestored) return;" if action == "select" else ""
    copy = COPY_ACTION.replace("%(too_long)s", json.dumps(TOO_LONG))
    return LINK_JS % {"guard": guard, "spec": json.dumps(spec), "tab": json.dumps(link.tab),
                      "shown": "true" if link.shown is not None else "false",
                      # a tab whose link never runs (fine-tuning: specs' link_runs) gets no run=1, after a run either
                      "run": "true" if action != "select" and link.tab not in NOT_RUN_BY_LINKS else "false",
                      "max": MAX_LINK_BYTES,
                      "action": copy if action == "copy" else ""}


def js_inputs(link: TabLink) -> list:
    return [f.component for f in link.fields] + list(link.extra_js) + ([link.shown] if link.shown is not None else [])


# ---- restoring from the URL -----------------------------------------------------------------------

MODEL_FIELDS = ("model", "model_a", "model_b")  # the link fields that are model pickers

def tab_specs(service) -> dict[str, tuple[Param, ...]]:
    return link_params(service.specs)


def known_models(service) -> dict[str, Callable[[str], bool]]:
    """Which model names a link may set, per tab: the catalogue's (and any valid id where custom is allowed)."""
    custom = service.settings.allow_custom_models

    def checker(names: Callable[[], list[str]]) -> Callable[[str], bool]:
        # Asked when a link is opened: an engine that was down at start-up may serve its models by now.
        return lambda name: name in names() or (custom and bool(HUB_ID_RE.match(name)) and ".." not in name)

    known = {tab: checker(lambda tab=tab: service.tab_model_names(tab, usable_now=False))
             for tab, spec in service.specs.items() if spec.tab and spec.model_task}
    return known | {"tokenizer": checker(service.tokenizer_names)}


@dataclass
class Page:
    """What the page-load event sets: the tab and its inputs, the language, the offline banner, the pickers."""
    tabs: gr.Tabs
    run_target: gr.Textbox
    lang: gr.Radio
    banner: gr.Markdown
    links: list[TabLink]

    def outputs(self) -> list:
        return [self.tabs, self.run_target, self.lang, self.banner] + [f.component for link in self.links
                                                                       for f in link.fields]


def page_language(request) -> str:
    """?lang= when the link says, else the browser's first language (Accept-Language): ja or en."""
    asked = (request.query_params.get("lang") or "").strip().lower() if request else ""
    if asked in ("en", "ja"):
        return asked
    first = ((request.headers.get("accept-language") or "") if request else "").split(",")[0].strip().lower()
    return "ja" if first.startswith("ja") else "en"


def picker_components(page: Page) -> list:
    return [f.component for link in page.links for f in link.fields if f.name in (*MODEL_FIELDS, "tokenizers")]


def pickers(service, page: Page, lang: str) -> dict:
    """While the Hub cannot be reached the pickers offer only what works offline, and say so."""
    updates = {}
    for link in page.links:
        spec = service.specs.get(link.tab)
        for f in link.fields:
            if f.name in MODEL_FIELDS and spec and spec.model_task:
                hidden = service.hidden_offline(spec.model_task)
                note = tr(lang, "picker_offline", hidden=", ".join(hidden[:3]) + (" …" if len(hidden) > 3 else ""))
                updates[f.component] = gr.update(choices=service.tab_model_names(link.tab),
                                                  **({"info": note} if hidden else {}))
            elif f.name == "tokenizers":
                updates[f.component] = gr.update(choices=service.tokenizer_choices())
    return updates


def restore(service, page: Page, request: gr.Request) -> dict:
    lang = page_language(request)
    try:
        parsed = deeplink.parse(request.query_params if request else {}, tab_specs(service), known_models(service))
    except Exception:  # noqa: BLE001 - a link must never break the page
        parsed = deeplink.Restored(problems=[Message("link.unreadable")])
    if parsed.problems:  # the link's values are anybody's text: escaped
        gr.Warning(plain(tr(lang, "link_problems", problems=joined(parsed.problems, lang))),
                   title=tr(lang, "warning_title"))
    note = service.offline_note(lang)
    updates: dict = {page.lang: lang, page.banner: gr.update(value=note, visible=bool(note)), page.run_target: "",
                     **pickers(service, page, lang)}
    link = next((link for link in page.links if link.tab == parsed.tab), None)
    if parsed.tab is not None:
        updates[page.tabs] = gr.Tabs(selected=parsed.tab)
    for f in (link.fields if link else []):
        if f.name in parsed.values:
            v = parsed.values[f.name]
            updates[f.component] = {**(updates.get(f.component) or {}),
                                    **(f.update(v) if f.update else gr.update(value=v))}
    updates[page.run_target] = parsed.tab if parsed.run and link and link.run_button else ""
    return updates


def install(service, page: Page, app: gr.Blocks) -> None:
    """On page load: restore the tab and inputs from the URL, warn about what was changed, press run."""
    def on_load(request: gr.Request):  # a plain function: gradio finds the request by this annotation
        return restore(service, page, request)

    event = app.load(on_load, None, page.outputs(), api_visibility="private", show_progress="hidden")
    buttons = {link.tab: link.run_button for link in page.links if link.run_button}
    event.then(None, [page.run_target], None, api_visibility="private", js=CLICK_JS % json.dumps(buttons))
    for link in page.links:
        if link.on_load:
            link.on_load(event)


# The tab's content may still be rendering right after the switch: retry for up to 5 s.
CLICK_JS = """
(tab) => {
  window.__playgroundRestored = true;
  const ids = %s;
  if (!tab || !ids[tab]) return;
  const press = (n) => {
    const b = document.getElementById(ids[tab]);
    if (b && b.offsetParent !== null) b.click(); else if (n > 0) setTimeout(() => press(n - 1), 100);
  };
  press(50);
}
"""


def wire(link: TabLink, defaults: dict, run_events: list) -> None:
    """Copy link, and the address bar updated after every successful run (or re-plot) of the tab."""
    inputs = js_inputs(link)
    if link.panel:
        link.panel.copy.click(None, inputs, [link.panel.link], js=link_js(link, defaults, "copy"),
                              api_visibility="private")
    for event in run_events:
        event.success(None, inputs, None, js=link_js(link, defaults, "run"), api_visibility="private")


def defaults_of(service, tab: str) -> dict:
    return service.specs[tab].defaults(link=True)
