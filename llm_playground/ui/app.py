"""The Gradio Blocks app: header (with the language switch), one tab per task spec, the Models view, the
public API."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

import gradio as gr
from gradio.i18n import I18nData
from starlette.middleware import Middleware

from ..i18n.labels import I18N, TEXTS, t
from ..service.generations import CONCURRENCY
from ..service.playground import PlaygroundService
from ..serving import api, gradio_messages, gradio_patches, raw_peers, rest
from ..serving.body_limit import BodyLimit
from ..serving.gate import Doorway, Gate
from ..tasks.text_upload import MAX_UPLOAD_BYTES
from . import handoff, links, share
from . import tabs as tabs_package
from .assets import CSS, HEAD, SWITCH_LANGUAGE_JS
from .common import bind, client_key
from .tabs import generation_popover as popover
from .tabs import models as models_tab


def tab_modules() -> dict:
    """The UI module of each tab spec, found by convention: a module of ui/tabs/ with `TAB = "<spec id>"` and a
    `build(service, lang)`. specs/ gives the order, ids and labels; a new tab only adds its module."""
    found = {}
    for info in pkgutil.iter_modules(tabs_package.__path__):
        module = importlib.import_module(f"{tabs_package.__name__}.{info.name}")
        build = getattr(module, "build", None)
        if hasattr(module, "TAB") and build is not None and build.__module__ == module.__name__:
            assert module.TAB not in found, f"two tab modules for {module.TAB}"
            found[module.TAB] = module
    return found


TAB_MODULES = tab_modules()


def register_api(service: PlaygroundService) -> None:
    """Public JSON endpoints: one per spec, sharing the concurrency id of the tab's buttons."""
    def caller() -> api.Caller:  # Gradio's queue can only be asked whether the event is still wanted
        return api.Caller(gradio_patches.still_wanted())

    for name, (fn, spec) in api.endpoints(service, caller).items():
        limit = {"concurrency_limit": None} if spec.concurrency_id is None else {
            "concurrency_id": spec.concurrency_id, "concurrency_limit": service.concurrency_limit(spec.concurrency_id)}
        endpoint = _no_files(bind(service, fn, for_page=False))
        endpoint.api_name = name  # marks an API endpoint: omitted trailing values take defaults (gradio_patches)
        endpoint.__doc__ = api.docstring(spec)  # "Args:" lines: MCP tools describe each parameter from them
        gr.api(endpoint, api_name=name, **limit)


def _no_files(endpoint):
    """The endpoint's dict results marked as holding no files: gradio passes them through unwalked."""
    if inspect.isgeneratorfunction(endpoint):
        return endpoint  # fine-tuning's progress: small dicts, a few per second

    @functools.wraps(endpoint)
    def call(*args, **kwargs):
        out = endpoint(*args, **kwargs)
        return gradio_patches.NoFiles(out) if type(out) is dict else out
    return call


def build_tabs(service: PlaygroundService, tabs: gr.Tabs, lang: gr.Radio | None = None) -> list[share.TabLink]:
    lang = lang if lang is not None else gr.State("en")  # tests build tabs without the header
    tab_links = []
    for tab_id, spec in service.specs.items():
        if tab_id not in TAB_MODULES:
            continue
        with gr.Tab(t(spec.label), id=tab_id, elem_id=f"tab-{tab_id}") as tab:
            link = TAB_MODULES[tab_id].build(service, lang)
        tab_links.append(link)
        # Switching tabs puts that tab's inputs in the address bar (without run=1).
        tab.select(None, links.js_inputs(link), None, api_visibility="private",
                   js=links.link_js(link, share.defaults_of(service, tab_id), "select"))
    share.wire_language(lang)  # every tab's result follows the language switch, in one event
    by_tab = {link.tab: link for link in tab_links}
    if "generate" in by_tab and "attention" in by_tab:
        handoff.wire(service, tabs, by_tab["generate"], by_tab["attention"], lang)
    with gr.Tab(t("tab_models"), id="models", elem_id="tab-models") as models:
        refresh, inputs, outputs = models_tab.build(service, lang)
    models.select(refresh, inputs, outputs, api_visibility="private")
    lang.change(refresh, inputs, outputs, api_visibility="private", show_progress="hidden")  # follows it (#32)
    models.select(None, None, None, api_visibility="private", js=links.MODELS_URL_JS)
    return tab_links


def relabel_page(service: PlaygroundService, app: gr.Blocks, page: links.Page):
    """What the server sends when the page's language changes. Gradio's i18n store relabels the controls,
    but not the headers of tabs not shown (they keep their first language until shown), nor what the server
    wrote: example headers, the offline banner, the pickers' offline notes (tests/unit/test_i18n.py)."""
    tabs = [(block, block.label.key) for block in app.blocks.values()
            if isinstance(block, gr.Tab) and isinstance(block.label, I18nData)]
    datasets = [block for block in app.blocks.values() if getattr(block, "header_keys", None)]

    def relabel(lang: str) -> dict:
        index = 1 if lang == "ja" else 0
        note = service.offline_note(lang)
        return {**{tab: gr.Tab(label=TEXTS[key][index]) for tab, key in tabs},
                **{d: gr.Dataset(headers=[TEXTS[key][index] for key in d.header_keys]) for d in datasets},
                page.banner: gr.update(value=note, visible=bool(note)), **links.pickers(service, page, lang)}

    return relabel, [tab for tab, _ in tabs] + datasets + [page.banner] + links.picker_components(page)


def header() -> tuple[gr.Radio, gr.Markdown]:
    with gr.Row(equal_height=False, elem_id="header"):
        gr.Markdown(t("intro"), elem_id="intro")
        lang = gr.Radio([("English", "en"), ("日本語", "ja")], value="en", show_label=False, container=False,
                        elem_id="lang", scale=0, min_width=190)
    banner = gr.Markdown(visible=False, elem_id="offline-banner")
    return lang, banner


def build_app(service: PlaygroundService) -> gr.Blocks:
    # Fine-tuning runs are counted per visitor, whichever door (tab or /fine_tune) starts them.
    service.fine_tuner.client_key = lambda: client_key(service.settings.proxy_hops)
    # delete_cache: what Gradio itself puts in its cache (uploads nobody read, examples) goes after an hour.
    with gr.Blocks(title="LLM Playground", delete_cache=(600, 3600)) as app:
        lang, banner = header()
        with gr.Tabs(elem_id="tabs", overflow_behavior="wrap") as tabs:  # a phone shows every tab
            tab_links = build_tabs(service, tabs, lang)
        page = links.Page(tabs, gr.Textbox(visible=False, elem_id="share-run"), lang, banner, tab_links)
        links.install(service, page, app)
        # Models registered while the server runs (fine-tuned ones) join every picker when a tab is opened.
        tabs.select(bind(service, lambda lang_: links.pickers(service, page, lang_), rate_limited=False), [lang],
                    links.picker_components(page), api_visibility="private", queue=False, show_progress="hidden")
        register_api(service)
    relabel, outputs = relabel_page(service, app, page)
    with app:
        lang.change(None, [lang], None, js=SWITCH_LANGUAGE_JS, api_visibility="private", queue=False)
        lang.change(relabel, [lang], outputs, api_visibility="private", queue=False, show_progress="hidden")
    # api_open=False: /gradio_api/run|api/<name> refuse queued events (they ran outside every limit); the
    # gate (serving/gate.py) refuses them too and admits the page's unqueued ones, which need those routes.
    app.queue(max_size=service.settings.queue_size, default_concurrency_limit=CONCURRENCY, api_open=False)
    gradio_patches.fewer_analytics_summaries(app)
    gradio_patches.quieter_queue_polling(app)
    # Exports are written inside Gradio's cache, which serves them as they are: a file from anywhere else
    # it would copy there, and its copies are bounded by age only (service/exports.py).
    service.exports.place_under(app.GRADIO_CACHE)
    app.playground_gate = Gate(service, app)  # every door's state; launch puts it in front of every route
    gradio_patches.admission(app, app.playground_gate)
    return app


def launch(app: gr.Blocks, service: PlaygroundService, **kwargs):
    s = service.settings
    gradio_patches.lazy_session_configs()
    raw_peers.apply()
    gradio_patches.no_file_scan_of_plain_results()
    gradio_messages.mcp_refusals_say_why()  # an MCP agent refused by the limits reads why, not "429"
    gradio_messages.no_server_paths_in_file_errors()  # a refused file's message names no server path
    # i18n: gr.I18n translates labels and guides in the browser; the header's switch changes the language
    # in the page (assets.SWITCH_LANGUAGE_JS) and the server writes results in the page's language.
    # show_error: gradio's own refusals (a value a control cannot take) reach the caller with their reason;
    # the app's handlers never let an exception through unexplained (ui/binding.bind).
    options = dict(server_name=s.host, server_port=s.port, share=s.share, theme=gr.themes.Soft(), css=CSS + popover.CSS,
                   head=HEAD + popover.HEAD, show_error=True, footer_links=["api", "gradio"], i18n=I18N,
                   # no allowed_paths: files are served only from gradio's own upload/cache folders
                   # max_file_size: gradio's own refusal of a bigger file (the gate refuses it first)
                   max_file_size=MAX_UPLOAD_BYTES,
                   # The REST and OpenAI routes join Gradio's FastAPI app, behind the same middleware: the body
                   # limit, then the gate (each request held to its door: serving/doors.py).
                   app_kwargs={"middleware": [Middleware(BodyLimit), Middleware(Doorway, gate=app.playground_gate)],
                               "routes": rest.build_routes(service, app.playground_gate)},
                   mcp_server=s.mcp)
    return app.launch(**(options | kwargs))
