"""--engine and its environment variables, engine names, and where the API key goes (no engine needed)."""

from __future__ import annotations

import json

import httpx
import pytest

from llm_playground.backends.engine.client import EngineClient
from llm_playground.backends.engine.registry import EngineRegistry
from llm_playground.config import Settings, settings_from_args
from llm_playground.errors import EngineError
from llm_playground.service.playground import PlaygroundService

KEY = "sk-test-secret-123"


def test_engine_flags_and_environment(monkeypatch):
    monkeypatch.delenv("PLAYGROUND_ENGINE_URL", raising=False)
    monkeypatch.setenv("PLAYGROUND_ENGINE_API_KEY", KEY)
    s = settings_from_args(["--engine", "vllm=http://h:1", "--engine", "http://h:2", "--engine-timeout", "5"])
    assert s.engines == ("vllm=http://h:1", "http://h:2") and s.engine_api_key == KEY and s.engine_timeout == 5
    monkeypatch.setenv("PLAYGROUND_ENGINE_URL", "a=http://x:1, http://y:2,")
    assert settings_from_args([]).engines == ("a=http://x:1", "http://y:2")
    assert settings_from_args(["--engine", "http://z:3"]).engines == ("http://z:3",)  # the flag wins


def test_bad_engine_flag_stops_the_app_with_a_message(monkeypatch):
    import app

    with pytest.raises(SystemExit, match="must look like http://host:port"):
        app.main(["--engine", "localhost:8000"])
    with pytest.raises(SystemExit, match="share a name"):
        app.main(["--engine", "x=http://a:1", "--engine", "x=http://b:2"])


def test_names_and_labels():
    registry = EngineRegistry(Settings(engines=("http://a:1", "http://b:2", "mine=http://c:3")))
    assert [c.label for c in registry.clients] == ["engine", "engine2", "mine"]
    assert registry.is_engine_model("gpt2@mine") and not registry.is_engine_model("gpt2@other")
    assert not registry.is_engine_model("gpt2") and not registry.is_engine_model(None)


def test_a_down_engine_does_not_stop_the_service(models_dir):
    """Nothing is asked at construction; the picker keeps the local models; the name says what is down."""
    service = PlaygroundService(Settings(models_dir=models_dir, engines=("down=http://127.0.0.1:9",)),
                                hub_probe=lambda: False)
    try:
        assert service.engines.status()[0]["up"] is None  # not asked yet
        names = service.tab_model_names("generate")
        assert "stories260K" in names and not any("@" in n for n in names)
        status = service.engine_status()[0]
        assert status["up"] is False and "cannot be reached" in status["error"]
        with pytest.raises(EngineError, match="engine 'down', which is down"):
            service.generate("m@down", "Hi")
        assert service.generate("stories260K", "Hi", max_new_tokens=2).result.new_tokens == 2
    finally:
        service.close()


def test_the_api_key_goes_to_the_engine_only(models_dir):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"data": [{"id": "m", "max_model_len": 64}]})

    client = EngineClient("http://e:1", api_key=KEY, transport=httpx.MockTransport(handler))
    assert client.list_models()[0]["id"] == "m" and seen == [f"Bearer {KEY}"]
    service = PlaygroundService(Settings(models_dir=models_dir, engines=("http://e:1",), engine_api_key=KEY),
                                hub_probe=lambda: False)
    try:
        service.engines.clients[0].http = client.http  # the mock transport, with the key's header
        assert "m@engine" in service.tab_model_names("generate")
        assert KEY not in json.dumps(service.models())
        from llm_playground.backends.engine.backend import engine_info
        from llm_playground.service.outcome import Outcome

        values = service.check("generate", model="m@engine", prompt="Hi")
        served = service.engines.find("m@engine")
        code = service.python("generate", Outcome(None, engine_info(served), values | {"seed": 0}))
        assert "from openai import OpenAI" in code and KEY not in code and "OPENAI_API_KEY" in code
        compile(code, "<copy as python>", "exec")
    finally:
        service.close()


def test_credentials_in_an_engine_url_reach_the_engine_only(models_dir, caplog):
    """http://user:secret@host was shown to every visitor (Models tab, messages, Copy as Python) and logged
    (issue #33): only the engine's HTTP client keeps it."""
    caplog.set_level("INFO", logger="llm_playground")
    url = "http://user:s3cret@127.0.0.1:9/v1"
    service = PlaygroundService(Settings(models_dir=models_dir, engines=(f"down={url}",)), hub_probe=lambda: False)
    try:
        client = service.engines.clients[0]
        assert "s3cret" in client.url and client.shown_url == "http://127.0.0.1:9"
        shown = json.dumps(service.engine_status()) + json.dumps(service.models())
        with pytest.raises(EngineError) as failed:
            service.generate("m@down", "Hi")
        shown += str(failed.value) + failed.value.message("ja") + caplog.text
        assert "s3cret" not in shown and "user:" not in shown and "127.0.0.1:9" in shown
    finally:
        service.close()
