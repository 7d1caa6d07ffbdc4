"""/fine_tune through gradio_client (streaming) and plain REST; the model it registers answers /generate."""

from __future__ import annotations

import httpx
import pytest
from gradio_client.exceptions import AppError

from llm_playground.errors import InvalidInput

from ..service.test_finetune import HELD_OUT, RUN, SENTENCE, TRAIN


def test_fine_tune_streams_progress_and_the_model_answers_generate(client):
    job = client.submit(model="stories260K", train_text=TRAIN, eval_text=HELD_OUT, api_name="/fine_tune", **RUN)
    final = job.result(timeout=300)
    states = job.outputs()
    assert len(states) >= 2 and states[0]["status"] == "running" and final["status"] == "done"
    assert final["step"] == RUN["max_steps"] and final["train_loss"][-1][1] < final["train_loss"][0][1]
    result = final["result"]
    assert result["perplexity_after"] < result["perplexity_before"] and result["reason"] == "finished"
    name = result["model"]
    assert name in client.predict(api_name="/models")["tasks"]["generation"]
    out = client.predict(model=name, prompt="Zorbly the green", max_new_tokens=40, api_name="/generate")
    assert out["text"].startswith(SENTENCE) and out["model"] == name


@pytest.mark.parametrize("kwargs,message", [
    (dict(train_text=""), "empty"), (dict(max_steps=0), "max_steps"), (dict(model="no/such-model"), "cannot be"),
])
def test_fine_tune_errors_are_clear(client, kwargs, message):
    with pytest.raises(AppError, match=message):
        client.predict(api_name="/fine_tune", **(dict(model="stories260K", train_text=TRAIN) | kwargs))
    assert client.predict(model="stories260K", prompt="Once", max_new_tokens=2, api_name="/generate")["tokens"]


def test_fine_tune_over_rest_returns_the_final_state(app_server):
    url = app_server[0].rstrip("/") + "/api/v1/fine_tune"
    answer = httpx.post(url, json={"train_text": TRAIN, "max_steps": 2, "max_seq_len": 32}, timeout=300)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "done" and body["step"] == 2 and body["result"]["model"].startswith("stories260K+ft-")
    bad = httpx.post(url, json={"train_text": TRAIN, "learning_rate": 5}, timeout=60)
    assert bad.status_code == 400 and "learning_rate" in bad.json()["error"]


def test_the_tab_says_why_when_fine_tuning_is_off(models_dir):
    from llm_playground.config import Settings
    from llm_playground.i18n.labels import TEXTS
    from llm_playground.service.playground import PlaygroundService
    from llm_playground.ui.app import build_app

    service = PlaygroundService(Settings(models_dir=models_dir, allow_custom_models=False), hub_probe=lambda: False)
    try:
        blocks = {getattr(b, "elem_id", None): b for b in build_app(service).blocks.values()}
        assert blocks["ft-run"].interactive is False and blocks["ft-stop"].interactive is False
        off = str(blocks["ft-off"].value)
        assert "ft_off" in off or "off on this deployment" in off
        assert "--allow-fine-tune" in TEXTS["ft_off"][0] and "--allow-fine-tune" in TEXTS["ft_off"][1]
        with pytest.raises(InvalidInput, match="off on this deployment"):
            service.fine_tuner.start("stories260K", TRAIN)
    finally:
        service.close()


def test_rest_fine_tune_runs_belong_to_their_own_clients(models_dir):
    """Each REST client's run is its own (all REST runs counted as one visitor, "local": with two training
    slots, a second client was refused naming the first one's model, issue #33)."""
    import threading
    import time

    from llm_playground.config import Settings

    from ..conftest import free_port, launched

    settings = Settings(models_dir=models_dir, port=free_port(), allow_fine_tune=True, fine_tune_jobs=2)
    for url, service in launched(settings):
        post = lambda who, **kw: httpx.post(  # noqa: E731
            url.rstrip("/") + "/api/v1/fine_tune", headers={"X-Forwarded-For": who}, timeout=300,
            json={"train_text": TRAIN, "max_seq_len": 32, **kw})
        first = threading.Thread(target=post, args=("192.0.2.30",), kwargs={"max_steps": 500, "max_seconds": 8})
        first.start()
        deadline = time.monotonic() + 60
        while service.fine_tuner.job("192.0.2.30") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        second = post("192.0.2.31", max_steps=2)
        again = post("192.0.2.30", max_steps=2)  # its own run is still going: refused, naming its own model
        first.join()
        assert second.status_code == 200 and second.json()["status"] == "done", second.text
        mine = service.fine_tuner.job("192.0.2.30").name
        assert again.status_code == 400 and mine in again.json()["error"], again.text
