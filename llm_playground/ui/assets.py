"""The page's own CSS and the small browser scripts the app needs (in the page head)."""

from __future__ import annotations

import json

from ..i18n.words import tr

CSS = """
/* anywhere: a text with no spaces (code, a URL) is one word, and would run off the page unbroken */
.tok-view { font-family: ui-monospace, monospace; line-height: 2.1; white-space: pre-wrap; overflow-wrap: anywhere; }
.tok-view .prompt { color: #555; }
.tok { border-radius: 4px; padding: 1px 2px; margin: 0 1px; border: 1px solid rgba(0,0,0,.12); color: #111;
  white-space: nowrap; }  /* one token, one chip: ' the' wrapped at its space and looked like two */
.tok-legend { font-size: 0.85em; color: #666; margin-top: 6px; }
.ft-compare { border-top: 1px solid rgba(0,0,0,.1); padding: 6px 0; }
.ft-row { margin: 4px 0 8px 0; }
.ft-who { display: block; font-size: 0.85em; font-weight: 600; color: #555; }
.ft-cont { font-size: 0.9em; color: #444; }
.tok-seq { font-weight: 600; font-size: 0.9em; margin-top: 8px; }
.share-row { align-items: end; }
.run-error { background: #fff1f2; border: 1px solid #fda4af; border-radius: 6px; padding: 4px 10px; color: #9f1239; }
/* Wide views keep readable cells and scroll sideways in their box (Gradio writes overflow: hidden inline) */
#ll-grid, #att-plot { overflow-x: auto !important; }
/* Plotly's toolbar sits above a chart, not over its title */
.js-plotly-plot { padding-top: 28px; }
.js-plotly-plot .modebar-container { top: -28px !important; }
/* Table headers break between words, never inside one */
table th, table th * { word-break: normal !important; overflow-wrap: normal !important; hyphens: none; }
.cut-note { margin-top: 4px; padding: 3px 8px; border-radius: 6px; background: #fff4e6; color: #9a3412;
  font-size: 0.9em; }
#offline-banner { background: #fefce8; border: 1px solid #fde68a; border-radius: 6px; padding: 4px 10px; }
#lang { flex-grow: 0 !important; min-width: 230px; }
#lang .wrap { flex-wrap: nowrap; }
#lang label { white-space: nowrap; }
@media (max-width: 640px) {
  #header { flex-direction: column-reverse; gap: 4px; }
  #lang { align-self: flex-end; }
  #intro h1 { font-size: 1.6em; }
  #intro p { font-size: 0.92em; }
}
"""

# In the page head, once per page:
# - Plotly writes SVG references (the colour bar's gradient, clip paths) as url('<page URL>#id') when the
#   page has a <base> element, as Gradio's does, using the URL at the time it drew. The app rewrites the
#   address bar (deep links follow the inputs), after which such references point to another document
#   and the colour bar loses its gradient. fixPlotUrls points every plot's references, and Plotly's own
#   base for later redraws (Plotly.react keeps the old one), at the current URL, after each address-bar
#   change; plots drawn later take the current URL themselves.
# - setLanguage switches Gradio's own translations (labels, guides, Gradio's texts) through its i18n store.
HEAD = """
<script>
window.playgroundFixPlotUrls = () => {
  const base = location.href.split("#")[0];
  const rebase = (value) => value.replace(/url\\((['"]?)[^#'")]*#/g, (_, q) => `url(${q}${base}#`);
  const names = ["fill", "clip-path", "stroke", "filter", "mask"];
  document.querySelectorAll(".js-plotly-plot").forEach((gd) => {
    if (gd._context) gd._context._baseUrl = base;
    gd.querySelectorAll("[style*='url('], [fill^='url('], [clip-path^='url('], [stroke^='url('], [mask^='url(']")
      .forEach((el) => {
        for (const name of names) {  // Plotly writes some as attributes, others (fill) as inline styles
          const attr = el.getAttribute(name);
          if (attr && attr.startsWith("url(")) el.setAttribute(name, rebase(attr));
          const style = el.style.getPropertyValue(name);
          if (style && style.startsWith("url(")) el.style.setProperty(name, rebase(style));
        }
      });
  });
};
window.playgroundReplaceUrl = (url) => {
  history.replaceState(history.state, "", url);
  window.playgroundFixPlotUrls();
};
window.playgroundSetLanguage = async (lang) => {
  document.documentElement.lang = lang;
  try {
    const core = performance.getEntriesByType("resource").map((e) => e.name)
      .find((name) => /\\/assets\\/core-[^/]*\\.js$/.test(name));
    if (core) (await import(core)).changeLocale(lang);
  } catch (e) { console.warn("language switch:", e); }
  const url = new URL(location.href);
  if (lang === "en") url.searchParams.delete("lang"); else url.searchParams.set("lang", lang);
  window.playgroundReplaceUrl(url.toString());
};
// Gradio 6.31 does not open its API page for a link to ?view=api: its code is fetched when the pointer
// enters the footer's "Use via API" button, and the page only appears when the button then toggles the
// view. Do the same for such a link: load the code, then toggle off and on.
if (new URLSearchParams(location.search).get("view") === "api") {
  const openApiPage = (tries) => {
    const button = document.querySelector("footer .show-api");
    if (!button) {
      if (tries > 0) setTimeout(() => openApiPage(tries - 1), 200);
      return;
    }
    button.dispatchEvent(new MouseEvent("mouseenter"));
    setTimeout(() => {
      if (document.querySelector(".api-docs")) return;
      button.click();
      setTimeout(() => button.click(), 50);
    }, 1000);
  };
  // gradio may add this script after the page has loaded
  if (document.readyState === "complete") openApiPage(100);
  else window.addEventListener("load", () => openApiPage(100));
}
</script>
"""

# Gradio 6.31 titles a toast by its type in English ("Warning"), whatever title it was given: the page's
# language renames it (a title Gradio writes again is renamed again).
TOAST_TITLES = {"ja": {kind: tr("ja", key) for kind, key in
                       (("Warning", "warning_title"), ("Info", "info_title"), ("Error", "error_title"))}}
HEAD += """
<script>
window.playgroundToastTitles = %s;
new MutationObserver(() => {
  const names = window.playgroundToastTitles[document.documentElement.lang];
  if (!names) return;
  document.querySelectorAll(".toast-title").forEach((title) => {
    const text = title.firstChild;
    const name = text && text.nodeType === Node.TEXT_NODE ? names[text.data.trim()] : undefined;
    if (name) text.data = name + " ";
  });
}).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
</script>
""" % json.dumps(TOAST_TITLES, ensure_ascii=False)

# A paste longer than a text box's limit (maxlength, from the spec) is cut by the browser without a word: 28,000
# pasted characters silently became 5,000. Say so under the box, and where the text now ends. The note is made
# with textContent (the pasted text is anybody's); it goes with the next paste into that box or when it is emptied.
CUT_NOTE = {lang: tr(lang, "cut_note") for lang in ("en", "ja")}
HEAD += """
<script>
window.playgroundCutNote = %s;
(() => {
  // below the box's own row (Gradio lays a textarea out in a flex row with its buttons)
  const rowOf = (box) => box.closest(".input-container") || box;
  const noteOf = (box) => rowOf(box).parentElement?.querySelector(":scope > .cut-note");
  document.addEventListener("paste", (e) => {
    const box = e.target;
    if (!(box instanceof HTMLTextAreaElement || box instanceof HTMLInputElement) || !(box.maxLength > 0)) return;
    noteOf(box)?.remove();
    const pasted = e.clipboardData ? e.clipboardData.getData("text") : "";
    const kept = box.maxLength - (box.value.length - (box.selectionEnd - box.selectionStart));
    if (pasted.length <= kept) return;
    const words = window.playgroundCutNote[document.documentElement.lang] || window.playgroundCutNote.en;
    const n = (x) => Math.max(0, x).toLocaleString(document.documentElement.lang || "en");
    const note = document.createElement("div");
    note.className = "cut-note";
    note.setAttribute("role", "status");
    note.textContent = words.replace("{pasted}", n(pasted.length)).replace("{limit}", n(box.maxLength))
      .replace("{kept}", n(kept))  // a function: a replacement string would read "$&" in the text as a pattern
      .replace("{end}", () => pasted.slice(Math.max(0, kept - 30), Math.max(0, kept)));
    rowOf(box).insertAdjacentElement("afterend", note);
    const gone = () => { if (!box.value) { note.remove(); box.removeEventListener("input", gone); } };
    box.addEventListener("input", gone);
  }, true);
})();
</script>
""" % json.dumps(CUT_NOTE, ensure_ascii=False)

SWITCH_LANGUAGE_JS = "async (lang) => { await window.playgroundSetLanguage(lang); return lang; }"
