"""Share and reproduce: deep links (restore on load, copy link, URL kept current), the share panel
(copy link, JSON download, Copy as Python) and the learner guide accordion of every tab. The files
and code behind the panel come from exports.py.

Each tab builds a `panel(...)` and returns a `TabLink` (its URL parameters -> its input components);
app.py hands them all to `install`, which restores the page from the URL on load. The URL is parsed and
checked on the server by llm_playground.deeplink; the browser builds links with LINK_JS (the same rules
as deeplink.query) so copying needs no server round trip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import gradio as gr

from .. import deeplink
from ..catalog import HUB_ID_RE
from ..specs import Param, link_params
from .i18n import t

@dataclass
class Field:
    """One URL parameter of a tab and the component holding it."""
    name: str
    component: gr.components.Component
    update: Callable[[Any], Any] | None = None  # parsed value -> gr.update(...) (default: value=...)
    js: dict = field(default_factory=dict)  # browser side: map (UI value -> URL value), when [index, value]


@dataclass
class Panel:
    copy: gr.Button
    link: gr.Textbox
    code: gr.Code
    json: gr.DownloadButton | None = None


@dataclass
class TabLink:
    tab: str
    fields: list[Field]
    panel: Panel | None = None
    run_button: str | None = None  # elem_id pressed when the link says run=1
    extra_js: list = field(default_factory=list)  # hidden components LINK_JS may read (spec "from": index)
    on_load: Callable | None = None  # called with the restore event (e.g. to render after restoring)
    ui: Any = None  # the tab's output components (its handlers' first argument): tests call handlers with it


def fields(spec, components: dict, **special: Field) -> list[Field]:
    """The tab's link fields in its spec's order: component by parameter name, or a special Field."""
    return [special.get(p.name) or Field(p.name, components[p.name]) for p in spec.link_params()]


def examples(rows: list, inputs: list, label, headers: list[str]) -> gr.Examples:
    """gr.Examples whose table headers are plain text (the table shows translated labels untranslated)."""
    ex = gr.Examples(rows, inputs=inputs, label=label)
    ex.dataset.headers = headers
    return ex


def guide(key: str, elem_id: str) -> None:
    """The learner guide of a tab: a closed accordion at its top."""
    with gr.Accordion(t("guide_title"), open=False, elem_id=elem_id, elem_classes=["guide"]):
        gr.Markdown(t(key))


def panel(prefix: str, with_json: bool = True) -> Panel:
    """🔗 Copy link + the link box, ⬇ JSON, and the Copy as Python accordion."""
    with gr.Row(equal_height=True, elem_classes=["share-row"]):
        copy = gr.Button(t("copy_link"), size="sm", scale=0, min_width=150, elem_id=f"{prefix}-copy-link")
        link = gr.Textbox(label=t("link"), show_label=False, placeholder=t("link_placeholder"), interactive=False,
                          buttons=["copy"], max_lines=1, scale=4, container=False, elem_id=f"{prefix}-link")
        download = (gr.DownloadButton(t("json"), size="sm", scale=0, min_width=170, visible=False,
                                      elem_id=f"{prefix}-json") if with_json else None)
    with gr.Accordion(t("python"), open=False, elem_id=f"{prefix}-python"):
        gr.Markdown(t("python_info"))
        code = gr.Code(language="python", interactive=False, elem_id=f"{prefix}-code")
    return Panel(copy, link, code, download)


# ---- links in the browser -------------------------------------------------------------------------

LINK_JS = """
(...values) => {
  %(guard)s
  const spec = %(spec)s;
  const q = new URLSearchParams({tab: %(tab)s});
  spec.forEach((s, i) => {
    if (!s.name) return;
    let v = values[i];
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
  const url = location.origin + location.pathname + "?" + q.toString();
  history.replaceState(history.state, "", url);
  %(action)s
}
"""
MODELS_URL_JS = """() => window.__playgroundRestored && history.replaceState(
  history.state, "", location.origin + location.pathname + "?tab=models")"""
COPY_ACTION = """try { navigator.clipboard.writeText(url).catch(() => {}); } catch (e) {}
  return url;"""


def link_js(link: TabLink, defaults: dict, action: str) -> str:
    """action: copy (URL to the clipboard and the link box), run (address bar after a run), select (tab)."""
    spec = []
    for f in link.fields:
        spec.append({"name": f.name, "default": defaults.get(f.name), **f.js})
    spec += [{"name": None} for _ in link.extra_js]
    # Gradio selects the first tab while the page starts, before the link is restored: leave the URL alone.
    guard = "if (!window.__playgroundRestored) return;" if action == "select" else ""
    return LINK_JS % {"guard": guard, "spec": json.dumps(spec), "tab": json.dumps(link.tab),
                      "run": "false" if action == "select" else "true",
                      "action": COPY_ACTION if action == "copy" else ""}


def js_inputs(link: TabLink) -> list:
    return [f.component for f in link.fields] + list(link.extra_js)


# ---- restoring from the URL -----------------------------------------------------------------------

def tab_specs(service) -> dict[str, tuple[Param, ...]]:
    return link_params(service.specs)


def known_models(service) -> dict[str, Callable[[str], bool]]:
    """Which model names a link may set, per tab: the catalogue's (and any valid id where custom is allowed)."""
    custom = service.settings.allow_custom_models

    def checker(names: Callable[[], list[str]]) -> Callable[[str], bool]:
        # Asked when a link is opened: an engine that was down at start-up may serve its models by now.
        return lambda name: name in names() or (custom and bool(HUB_ID_RE.match(name)) and ".." not in name)

    known = {tab: checker(lambda tab=tab: service.tab_model_names(tab)) for tab, spec in service.specs.items()
             if spec.tab and spec.model_task}
    return known | {"tokenizer": checker(service.tokenizer_names)}


def install(service, tabs: gr.Tabs, links: list[TabLink], app: gr.Blocks) -> None:
    """On page load: restore the tab and inputs from the URL, warn about what was changed, press run."""
    specs, known = tab_specs(service), known_models(service)
    run_target = gr.Textbox(visible=False, elem_id="share-run")
    by_tab = {link.tab: link for link in links}
    outputs = [tabs, run_target] + [f.component for link in links for f in link.fields]

    def restore(request: gr.Request):
        try:
            parsed = deeplink.parse(request.query_params if request else {}, specs, known)
        except Exception:  # noqa: BLE001 - a link must never break the page
            parsed = deeplink.Restored(problems=["The link could not be read; ignored."])
        if parsed.problems:
            gr.Warning("Link: " + " ".join(parsed.problems))
        if parsed.tab is None:
            return {run_target: ""}
        updates: dict = {tabs: gr.Tabs(selected=parsed.tab)}
        link = by_tab.get(parsed.tab)
        for f in (link.fields if link else []):
            if f.name in parsed.values:
                v = parsed.values[f.name]
                updates[f.component] = f.update(v) if f.update else gr.update(value=v)
        updates[run_target] = parsed.tab if parsed.run and link and link.run_button else ""
        return updates

    event = app.load(restore, None, outputs, api_visibility="private", show_progress="hidden")
    buttons = {link.tab: link.run_button for link in links if link.run_button}
    event.then(None, [run_target], None, api_visibility="private", js=CLICK_JS % json.dumps(buttons))
    for link in links:
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
