"""The documentation site builds strictly, its generated pages cover the code, and README stays a front page."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from llm_playground import config, specs

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 260


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """`mkdocs build --strict` of the repository into a temporary folder (a warning fails it: broken links or
    anchors, a page missing from the nav, an endpoint without its generated table)."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's end-of-life banner
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, (f"mkdocs build --strict failed (pip install -r requirements-docs.txt?):\n"
                                  f"{proc.stdout}\n{proc.stderr}")
    return out


def page(site: Path, name: str) -> str:
    return html.unescape((site / name / "index.html").read_text(encoding="utf-8"))


def test_every_api_parameter_is_in_its_generated_table(site):
    text = page(site, "api")
    tables = dict(re.findall(r'data-endpoint="(\w+)">(.*?)</div>', text, flags=re.DOTALL))
    endpoints = [s for s in specs.build_specs().values() if s.api_name]
    assert endpoints
    for spec in endpoints:
        assert spec.api_name in tables, f"no generated parameter table for /{spec.api_name}"
        for param in spec.api_params():
            assert f"<code>{param.name}</code>" in tables[spec.api_name], f"/{spec.api_name}: {param.name}"


def test_every_endpoint_is_listed_as_an_mcp_tool(site):
    """The MCP tool list is generated (README and the docs once left out logit_lens, compare and fine_tune)."""
    text = page(site, "api")
    tools = text[text.index("MCP tools"):]
    tools = tools[:tools.index("Each is described")]
    for spec in specs.for_settings(config.Settings()).values():
        if spec.api_name:
            assert f"{spec.api_name}" in tools, spec.api_name


def test_every_flag_and_environment_variable_is_on_the_configuration_page(site):
    text = page(site, "configuration")
    flags = [o for a in config.build_parser()._actions for o in a.option_strings if o.startswith("--")]
    assert "--models-dir" in flags and "--engine" in flags
    for flag in flags:
        if flag == "--help":
            continue
        assert re.search(rf"<code>{re.escape(flag)}[ <]", text), flag
    for name in set(re.findall(r'"((?:PLAYGROUND|GRADIO)_\w+)"', Path(config.__file__).read_text())):
        assert f"<code>{name}</code>" in text, name


def test_architecture_page_includes_architecture_md(site):
    text = page(site, "architecture")
    headings = re.findall(r"^## (.+)$", (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert headings
    for heading in headings:
        assert heading.replace("`", "") in re.sub(r"<[^>]+>", "", text), heading


def test_readme_is_a_short_front_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines: move text into docs/"
    assert lines[0] == "---"
    front_matter = lines[1:lines.index("---", 1)]  # the Hugging Face Space's configuration
    assert "sdk: gradio" in front_matter and "app_file: app.py" in front_matter
    assert any(line.startswith("sdk_version: ") for line in front_matter)
    assert "bash scripts/test.sh" in lines  # CI's .ci/run runs exactly README's test command
    for target in re.findall(r"\]\((docs/[^)#\s]+)", readme):  # its links into the docs point at real files
        assert (ROOT / target).is_file(), target
