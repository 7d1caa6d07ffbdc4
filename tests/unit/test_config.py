"""Flags and environment variables: a bad value is refused with a message naming it, never changed silently."""

from __future__ import annotations

import pytest

from llm_playground.config import settings_from_args


@pytest.mark.parametrize("variable,value,field,expected", [
    ("PLAYGROUND_PROXY_HOPS", "0", "proxy_hops", 0),  # 0 (trust no proxy) became 1 (issue #33)
    ("PLAYGROUND_PROXY_HOPS", "2", "proxy_hops", 2),
    ("PLAYGROUND_QUEUE_SIZE", "5", "queue_size", 5),
    ("PLAYGROUND_ENGINE_STREAM_INTERVAL", "1", "engine_stream_interval", 1),
])
def test_environment_values_are_taken_as_given(monkeypatch, variable, value, field, expected):
    monkeypatch.setenv(variable, value)
    assert getattr(settings_from_args([]), field) == expected


@pytest.mark.parametrize("argv,env,message", [
    ([], {"PLAYGROUND_PROXY_HOPS": "x"}, "--proxy-hops: 'x' is not a whole number"),
    (["--proxy-hops", "-1"], {}, "--proxy-hops: -1 is below 0"),
    (["--engine-stream-interval", "0"], {}, "--engine-stream-interval: 0 is below 1"),  # became 1
    (["--fine-tune-jobs", "0"], {}, "--fine-tune-jobs: 0 is below 1"),  # became 1
    ([], {"PLAYGROUND_QUEUE_SIZE": "0"}, "--queue-size: 0 is below 1"),
    ([], {"PLAYGROUND_RATE_LIMIT": "-5"}, "--rate-limit: -5 is below 0"),
])
def test_bad_values_are_refused_with_their_name(monkeypatch, capsys, argv, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit):
        settings_from_args(argv)
    assert message in capsys.readouterr().err
