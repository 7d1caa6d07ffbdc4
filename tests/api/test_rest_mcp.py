"""MCP: Gradio's MCP server lists the API endpoints as tools described by their specs, and runs them;
--no-mcp (or PLAYGROUND_MCP=0) turns it off."""

from __future__ import annotations

import ast
import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx

from llm_playground.config import Settings, settings_from_args
from llm_playground.serving import api

from ..conftest import free_port, launched


async def _session(url: str, work):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async with streamablehttp_client(f"{url}gradio_api/mcp/") as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await work(session)


def mcp(url: str, work):
    """Run an MCP client session on its own thread and loop (Playwright's sync API may own this thread's)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(asyncio.wait_for(_session(url, work), 120))).result()


def test_tools_are_the_api_endpoints_described_by_their_specs(app_server):
    url, service = app_server
    assert httpx.get(f"{url}gradio_api/mcp/").status_code == 200  # on by default (a landing page for browsers)
    tools = {t.name: t for t in mcp(url, lambda s: s.list_tools()).tools}
    specs = {s.api_name: s for s in service.specs.values() if s.api_name}
    assert set(tools) == set(specs)  # the UI's own events are not tools
    for name, spec in specs.items():
        assert tools[name].description.startswith(spec.doc.split(". ")[0])
        props = tools[name].inputSchema.get("properties", {})
        assert list(props) == [p.name for p in spec.api_params()]
        for p in spec.api_params():  # parameter descriptions come from the spec's docs (api.docstring)
            assert props[p.name]["description"].startswith(p.doc), (name, p.name)
    assert "default 40; from 1 to 512" in tools["generate"].inputSchema["properties"]["max_new_tokens"]["description"]
    assert api.docstring(service.specs["generate"]).startswith(service.specs["generate"].doc)


def test_an_agent_calls_tokenize(app_server, client):
    """tools/call tokenize returns the same result as the API (Gradio renders the dict as text)."""
    args = {"tokenizers": ["gpt2-tokenizer", "characters (baseline)"], "text": "Hello 東京"}

    async def call(session):
        return await session.call_tool("tokenize", args), await session.call_tool(
            "tokenize", {"tokenizers": ["no/such-tokenizer"], "text": "Hi"})

    ok, bad = mcp(app_server[0], call)
    assert not ok.isError
    assert ast.literal_eval(ok.content[0].text) == client.predict(**args, api_name="/tokenize")
    assert bad.isError and "no/such-tokenizer" in bad.content[0].text and "Traceback" not in bad.content[0].text


def test_mcp_can_be_turned_off(models_dir, monkeypatch):
    assert settings_from_args([]).mcp is True
    assert settings_from_args(["--no-mcp"]).mcp is False
    monkeypatch.setenv("PLAYGROUND_MCP", "0")
    assert settings_from_args([]).mcp is False
    for url, _ in launched(Settings(models_dir=models_dir, port=free_port(), mcp=False)):
        assert httpx.get(f"{url}gradio_api/mcp/").status_code == 404
        assert httpx.get(f"{url}api/v1/health").status_code == 200
