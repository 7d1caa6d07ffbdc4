"""mkdocs hook: the parts of the documentation that are generated from the code, so that they cannot drift.

A page asks for a generated part with an HTML comment on a line of its own:

    <!-- generated: api-params NAME -->       the parameters of the endpoint /NAME (llm_playground.specs)
    <!-- generated: config-flags -->          the command-line flags and environment variables (llm_playground.config)
    <!-- generated: endpoint-list -->         every endpoint's name, comma separated (the MCP tools)
    <!-- generated: include ARCHITECTURE.md -->  the repository's ARCHITECTURE.md, without its title

Only `llm_playground.specs` and `llm_playground.config` are imported: both are free of torch and gradio. A
page that names an unknown endpoint, an API page that leaves an endpoint out, or an environment variable
that config.py reads and this file does not describe stops the build.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]  # the repository: docs/hooks/generated.py
if str(ROOT) not in sys.path:  # `mkdocs serve` runs from its own script folder
    sys.path.insert(0, str(ROOT))

from llm_playground import config, specs

MARKER = re.compile(r"^<!-- generated: (?P<what>[\w-]+)(?: (?P<arg>\S+))? -->$", re.MULTILINE)


def on_page_markdown(markdown: str, *, page, **_) -> str:
    def replace(match: re.Match) -> str:
        what, arg = match["what"], match["arg"]
        if what == "api-params":
            return api_params(arg)
        if what == "config-flags":
            return config_flags()
        if what == "endpoint-list":  # every endpoint, so a list of tools cannot leave one out
            return ", ".join(f"`{s.api_name}`" for s in endpoint_specs())
        if what == "include":
            return include(arg)
        raise PluginError(f"{page.file.src_path}: unknown generated part {match[0]!r}")

    if page.file.src_path == "api.md":
        wanted = {s.api_name for s in endpoint_specs()}
        present = {m["arg"] for m in MARKER.finditer(markdown) if m["what"] == "api-params"}
        if wanted - present:
            raise PluginError(f"api.md has no parameter table for {sorted(wanted - present)}: add "
                              "'<!-- generated: api-params NAME -->' where the endpoint is described")
    return MARKER.sub(replace, markdown)


# --- API parameters, from the task specs ------------------------------------------------------------------

def endpoint_specs() -> list[specs.TaskSpec]:
    """The specs with an endpoint, with the limits of the default settings (the text and generation caps)."""
    return [s for s in specs.for_settings(config.Settings()).values() if s.api_name]


def _number(x) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        x = int(x)
    if isinstance(x, int):
        if x > 2**20 and (x + 1) & x == 0:  # 2**k - 1
            return f"2<sup>{(x + 1).bit_length() - 1}</sup> − 1"
        return f"{x:,}"
    return f"{x:g}".replace("e-0", "e-")


def _cell(text: str) -> str:
    """Plain text for a table cell: backticks kept (code spans), markup and pipes made literal."""
    return html.escape(text, quote=False).replace("|", "\\|")


def _default(p: specs.Param) -> str:
    if p.default is None:
        if p.optional:
            return "`null`"
        if p.name == "model":
            return "required (plain REST: the task's default model)"
        return "required"
    return f"`{json.dumps(p.default, ensure_ascii=False)}`"


def _range(p: specs.Param) -> str:
    kind = p.kind
    if kind == specs.TEXT:
        return f"up to {_number(int(p.high))} characters" + ("; may be empty" if p.optional else "")
    if p.task_checked:
        return "checked against the model (its layers, its heads)"
    if kind in (specs.INT, specs.FLOAT):
        low, high = p.api_range
        text = (f"> {_number(low)} and ≤ {_number(high)}" if p.low_open else f"{_number(low)} – {_number(high)}")
        if p.limits and (p.low, p.high) != tuple(p.limits):
            text += f" (the tab's control: {_number(p.low)} – {_number(p.high)})"
        return text
    if kind == specs.BOOL:
        return "`true` or `false`"
    if kind == specs.CHOICE:
        return "one of " + ", ".join(f"`{c}`" for c in p.choices)
    if kind == specs.MODELS:
        return f"1 – {_number(int(p.high))} names" if p.high else "a list of names"
    if kind == specs.IDS:
        return f"up to {_number(int(p.high))} ids" if p.high else "a list of ids"
    return "—"


def api_params(api_name: str | None) -> str:
    spec = next((s for s in endpoint_specs() if s.api_name == api_name), None)
    if spec is None:
        raise PluginError(f"api-params: no spec has the endpoint {api_name!r}")
    params = spec.api_params()
    lines = [f'<div class="generated-params" data-endpoint="{spec.api_name}" markdown="1">', ""]
    if params:
        lines += ["| parameter | kind | default | range | meaning |", "|---|---|---|---|---|"]
        for p in params:
            doc = _cell(p.doc)
            if p.aliases:
                doc += " (plain REST also accepts " + ", ".join(f"`{a}`" for a in p.aliases) + ")"
            lines.append(f"| `{p.name}` | {p.kind} | {_default(p)} | {_range(p)} | {doc} |")
    else:
        lines.append("No parameters.")
    lines += ["", f"*The endpoint's description (its spec's doc line, also the MCP tool's):* {spec.doc}", "", "</div>"]
    return "\n".join(lines)


# --- Flags and environment variables, from config.py's parser -----------------------------------------------

# Environment variables config.py reads outside the parser (settings_from_args, engine_urls): which flag's row
# they belong to, or None for their own row / a note below the table.
OUTSIDE_PARSER = {
    "PLAYGROUND_CUSTOM_MODELS": "custom",
    "SPACE_ID": None,  # Hugging Face Spaces sets it: the note below the table
    "PLAYGROUND_ENGINE_URL": "engine",
    "PLAYGROUND_ENGINE_API_KEY": None,  # a row of its own
    "SPACES_ZERO_GPU": None,  # ZeroGPU sets it: a row of its own
}
ENV_NOTES = {"PLAYGROUND_CUSTOM_MODELS": "`0`/`1`", "PLAYGROUND_MCP": "`0` turns it off",
             "PLAYGROUND_ENGINE_URL": "comma-separated", "PLAYGROUND_FINE_TUNE": "`1`/`0`"}
# What the help texts leave out (the rest of each row is generated).
MORE = {
    "models_dir": "each serves every task its architecture and weights support (a tokenizer-only folder serves the "
                  "tokenizer tab; a bare encoder the tokenizer and attention tabs)",
    "dtype": "on GPU: bfloat16, float16 where bf16 is missing; also selectable per request in the Generate tab",
    "custom": "off = **public mode**: no cache deletion, no unloading, the rate and in-flight limits below on",
    "host": "where to listen",
    "port": "where to listen",
    "rate_limit": "counted when a request is queued (re-plots of stored results are free)",
    "jobs_per_client": "UI, Gradio API, REST and OpenAI routes together",
    "proxy_hops": "only read when the peer is a private/loopback address",
    "queue_size": "the REST and OpenAI routes: at most this many at once, then 503",
    "engine": "offered as `model@NAME`",
    "engine_stream_interval": "the first token comes at once",
    "decode": "compiled once per model and cache length; see [Decode steps](performance.md#decode-steps)",
    "fine_tune": "off: the tab says why and the endpoint refuses",
    "fine_tune_jobs": "each visitor: one",
}
# Flags whose parser default is None: the setting is decided later (public mode); show the Settings value.
SETTING_OF = {"custom": "allow_custom_models", "fine_tune": "fine_tune", "engine": "engines",
              "rate_limit": "rate_limit", "jobs_per_client": "jobs_per_client"}


class _Environ:
    """os.environ as config.py sees it while the table is made: `values`, and every name it asks for."""

    def __init__(self, values: dict[str, str]):
        self.values, self.names = values, []

    def get(self, name, default=None):
        self.names.append(name)
        return self.values.get(name, default)

    def __contains__(self, name):
        self.names.append(name)
        return name in self.values

    def __getitem__(self, name):
        self.names.append(name)
        return self.values[name]


def _read_config(environ: dict[str, str], argv: list[str] | None = None):
    """(every parser action with the environment variables read for its default, the names read after the
    parser, the Settings) in an environment of exactly `environ`."""
    env = _Environ(environ)
    actions: list[tuple[argparse.Action, list[str]]] = []

    class Parser(argparse.ArgumentParser):
        def _add_action(self, action):
            actions.append((action, list(dict.fromkeys(env.names))))
            env.names.clear()
            return super()._add_action(action)

    with mock.patch.object(config, "os", SimpleNamespace(environ=env)), \
            mock.patch.object(config, "argparse", SimpleNamespace(ArgumentParser=Parser)):
        settings = config.settings_from_args(argv or [])
    return [(a, names) for a, names in actions if a.option_strings and "-h" not in a.option_strings], \
        list(dict.fromkeys(env.names)), settings


def _value(x) -> str:
    if x is None or x == ():
        return "none"
    if isinstance(x, bool):
        return "on" if x else "off"
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return f"`{x}`"


def config_flags() -> str:
    actions, outside, local = _read_config({})
    spaces_actions, _, spaces = _read_config({"SPACE_ID": "user/space"})
    _, _, public = _read_config({}, ["--no-custom-models"])
    unknown = [n for n in outside if n not in OUTSIDE_PARSER]
    if unknown:
        raise PluginError(f"config.py reads {unknown}: describe them in docs/hooks/generated.py's OUTSIDE_PARSER")
    spaces_default: dict[str, object] = {}
    for action, _ in spaces_actions:  # argparse: the first action of a dest sets its default
        spaces_default.setdefault(action.dest, action.default)

    stale = (set(MORE) | set(SETTING_OF)) - {a.dest for a, _ in actions}
    if stale:
        raise PluginError(f"docs/hooks/generated.py describes flags config.py no longer has: {sorted(stale)}")
    rows: dict[str, dict] = {}  # dest -> row, in the parser's order
    for action, names in actions:
        row = rows.setdefault(action.dest, {"flags": [], "env": [], "help": [], "action": action})
        takes_value = action.nargs != 0
        placeholder = action.metavar or ("N" if action.type in (int, float) else action.dest.upper())
        row["flags"].append(f"`{action.option_strings[0]}{' ' + placeholder if takes_value else ''}`")
        row["env"] += [n for n in names if n not in row["env"]]
        if action.help:
            row["help"].append((action.option_strings[0], action.help))
    for name in outside:
        dest = OUTSIDE_PARSER[name]
        if dest is not None and name not in rows[dest]["env"]:
            rows[dest]["env"].append(name)

    lines = ["| flag | environment variable | default | meaning |", "|---|---|---|---|"]
    for dest, row in rows.items():
        action = row["action"]
        env = ", ".join(f"`{n}`" + (f" ({ENV_NOTES[n]})" if n in ENV_NOTES else "") for n in row["env"])
        if action.default is None and dest in SETTING_OF:  # decided by settings_from_args
            here, there, on_spaces = (getattr(s, SETTING_OF[dest]) for s in (local, public, spaces))
            default = _value(here)
            if here != there and dest != "custom":
                default += f", **{_value(there)} in public mode**"
            elif here != on_spaces:
                default += f", **{_value(on_spaces)} when `SPACE_ID` is set** (Spaces)"
        else:
            default = _value(action.default)
        if spaces_default.get(dest) != action.default:
            default += f" ({_value(spaces_default[dest])} when `SPACE_ID` is set)"
        helps = row["help"]
        meaning = "; ".join(_cell(h) if len(helps) == 1 else f"`{flag}`: {_cell(h)}" for flag, h in helps)
        if action.choices:
            meaning += "; one of " + ", ".join(f"`{c}`" for c in action.choices)
        if dest in MORE:
            meaning = f"{meaning}; {MORE[dest]}" if meaning else MORE[dest]
        lines.append(f"| {' / '.join(row['flags'])} | {env} | {default} | {meaning} |")
    if "PLAYGROUND_ENGINE_API_KEY" in outside:
        lines.append("| | `PLAYGROUND_ENGINE_API_KEY` | none | bearer token sent to the engines (an environment "
                     "variable only, never a flag) |")
    if "SPACES_ZERO_GPU" in outside:
        lines.append("| | `SPACES_ZERO_GPU` | unset | set by a ZeroGPU Space: every model computation runs in a "
                     "`spaces.GPU` call sized to the request ([deploy](deploy.md)) |")
    lines += ["", (f"Public mode (no custom models) is on where `SPACE_ID` is set (Hugging Face Spaces: custom "
                   f"models {_value(spaces.allow_custom_models)}), in the Docker image "
                   "(`PLAYGROUND_CUSTOM_MODELS=0`) and with `--no-custom-models`.")]
    return "\n".join(lines)


# --- Files of the repository --------------------------------------------------------------------------------

FENCE = re.compile(r"^(```|~~~)")
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\((?!https?://|#)([^)\s]+)\)")


def include(name: str | None) -> str:
    """A markdown file of the repository, without its title; links to repository files become code spans
    (they are outside docs_dir)."""
    path = (ROOT / (name or "")).resolve()
    if not name or ROOT not in path.parents or path.suffix != ".md" or not path.is_file():
        raise PluginError(f"include: {name!r} is not a markdown file of the repository")
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    out, fenced = [], False
    for line in lines:
        if FENCE.match(line.lstrip()):
            fenced = not fenced
        elif not fenced:
            line = LINK.sub(lambda m: m[1] if m[1].strip("`") == m[2] else f"{m[1]} (`{m[2]}`)", line)
        out.append(line)
    return "\n".join(out).strip() + "\n"
