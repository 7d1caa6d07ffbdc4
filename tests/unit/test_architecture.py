"""ARCHITECTURE.md stays true: every path and name it mentions exists, no import crosses its layer table, the
package has no import cycle (lazy imports inside functions included) and few top-level modules."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "llm_playground"
DOC = ROOT / "ARCHITECTURE.md"
MAX_TOP_LEVEL_MODULES = 8  # __init__.py not counted
# Backticked words that are not the app's: libraries, flags, values, URL paths, shell.
EXTERNAL = {"torch", "gradio", "gr", "transformers", "plotly", "numpy", "starlette", "httpx", "pandas", "fastapi",
            "gc", "threading", "json", "os", "sys", "openai", "vllm", "peft", "accelerate", "mcp"}


# a file path (name.py, a/b.md, not `<tab>.en.md`) or a folder (a/b/)
PATH_WORD = r"(?<![<>\w./-])[\w/.-]*\w\.(?:py|md|sh|yaml|txt|json)\b|(?<![\w.])[\w-]+(?:/[\w.-]+)*/(?=\s|$|,)"
# a dotted name (checks.checked, service.workers), a CamelCase class or a CONSTANT_NAME, maybe called
NAME_WORD = r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Z][a-z]+[A-Z]\w*|[A-Z][A-Z0-9]*_[A-Z0-9_]+)(?:\(.*\))?"
FILE_SUFFIX = r"\.(py|md|sh|yml|yaml|json|txt)$"


def code_spans(text: str) -> list[str]:
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # the package tree is checked by path below, not as names
    return re.findall(r"`([^`\n]+)`", text)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


def imports_of(name: str, path: Path) -> set[str]:
    """Everything a module imports, at its top or inside functions: package modules by dotted name, other
    libraries by their top-level name."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            found |= {a.name if a.name.startswith("llm_playground") else a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                target = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module
            if not target.startswith("llm_playground"):
                found.add(target.split(".")[0])
                continue
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules() else target)
    return found - {name}


def resolve(path_text: str) -> list[str]:
    """A path as ARCHITECTURE.md writes it (package-relative, repo-relative or a module's bare file name) ->
    the dotted modules it covers."""
    text = path_text.rstrip("/")
    for base in (PACKAGE, ROOT):
        target = base / text
        if target.is_dir():
            return [m for m, p in modules().items() if target in p.parents]
        if target.is_file() and target.suffix == ".py":
            return [module_name(target)]
    return [m for m, p in modules().items()
            if p.as_posix().endswith("/" + text) or ("/" + text + "/") in p.as_posix()]


def test_every_path_it_names_exists():
    missing = []
    for span in code_spans(DOC.read_text()) + re.findall(r"^\s*([\w/.]+\.py|[\w/]+/)\s", DOC.read_text(), re.M):
        if span.startswith(("/", "?", "http")):  # a URL's path, not a file
            continue
        for word in re.findall(PATH_WORD, span):
            bare_file = "/" not in word and any(PACKAGE.rglob(word))  # a data file named alone, e.g. a guide
            if not (PACKAGE / word).exists() and not (ROOT / word).exists() and not resolve(word) and not bare_file:
                missing.append(word)
    assert not missing, f"ARCHITECTURE.md names paths that do not exist: {sorted(set(missing))}"


@cache
def defined_names() -> set[str]:
    """Every name the package defines: functions, classes, module constants, attributes set on self."""
    names = set()
    for path in modules().values():
        for node in ast.walk(tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return names


def test_every_name_it_mentions_exists():
    """`checks.checked`, `service.workers`, `PlaygroundService.next_token`, `TAB_MODULES`: the last name is defined."""
    missing = []
    for span in code_spans(DOC.read_text()):
        match = re.fullmatch(NAME_WORD, span.strip())
        if not match or match.group(1).split(".")[0] in EXTERNAL or re.search(FILE_SUFFIX, match.group(1)):
            continue
        last = match.group(1).rsplit(".", 1)[-1]
        if last not in defined_names() and last not in {m.rsplit(".", 1)[-1] for m in modules()}:
            missing.append(span)
    assert not missing, f"ARCHITECTURE.md mentions names the code does not define: {missing}"


def layer_table() -> list[tuple[list[str], list[str]]]:
    """The rows of the table under '## The layers': (the layer's paths, what it must not import)."""
    text = DOC.read_text().split("## The layers", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert rows, "ARCHITECTURE.md has no layer table"
    table = []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        table.append((re.findall(r"`([^`]+)`", cells[0]), re.findall(r"`([^`]+)`", cells[2])))
    return table


def test_no_import_crosses_the_layer_table():
    crossings = []
    for layer, forbidden in layer_table():
        members = [m for path in layer for m in resolve(path)]
        assert members, f"layer {layer} matches no module"
        for name in members:
            imported = imports_of(name, modules()[name])
            for rule in forbidden:
                banned = set(resolve(rule)) if ("/" in rule or rule.endswith(".py")) else {rule}
                assert banned, f"the rule {rule!r} matches nothing"
                crossings += [f"{name} imports {hit} ({rule})" for hit in sorted(imported & banned)]
    assert not crossings, "\n".join(crossings)


def test_no_import_cycles():
    graph = {name: {i for i in imports_of(name, path) if i in modules()} for name, path in modules().items()}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_few_top_level_modules_and_every_package_on_the_map():
    top = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    doc = DOC.read_text()
    packages = sorted({p.parent.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("__init__.py")} - {"."})
    unmapped = [p for p in packages if f"{p.rsplit('/', 1)[-1]}/" not in doc] + [m for m in top if m not in doc]
    assert not unmapped, f"missing from ARCHITECTURE.md's map: {unmapped}"


def test_the_checks_can_fail(tmp_path):
    """The checkers themselves: a forbidden import and a cycle are found (a test must be able to fail)."""
    assert "torch" in imports_of("llm_playground.tasks.encoder", modules()["llm_playground.tasks.encoder"])
    assert "llm_playground.checks" in imports_of("llm_playground.tasks.generation_params",
                                                 modules()["llm_playground.tasks.generation_params"])
    assert resolve("runtime/cores.py") == ["llm_playground.runtime.cores"] == resolve("cores.py")
    assert "llm_playground.ui.tabs.generation" in resolve("ui/")
    assert not resolve("no_such_module.py")
