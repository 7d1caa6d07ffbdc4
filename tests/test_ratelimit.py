"""Per-client rate limit: counted per key, window slides, off when 0."""

import pytest

from llm_playground.ratelimit import RateLimited, RateLimiter


def test_limit_per_key_and_window_slides():
    now = [0.0]
    limiter = RateLimiter(3, window=60, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("a")
    with pytest.raises(RateLimited, match="3 per minute"):
        limiter.check("a")
    limiter.check("b")  # other clients are unaffected
    now[0] = 60.0
    limiter.check("a")  # the window moved on


def test_zero_means_off():
    limiter = RateLimiter(0)
    for _ in range(1000):
        limiter.check("a")


def test_rate_limit_through_the_api(models_dir):
    """A launched app with --rate-limit 2 refuses the third call with a clear message."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from llm_playground.config import Settings

    from .conftest import free_port, launched

    for url, _ in launched(Settings(models_dir=models_dir, port=free_port(), rate_limit=2)):
        client = Client(url, verbose=False)
        client.predict(api_name="/models")
        client.predict(api_name="/models")
        with pytest.raises(AppError, match="Too many requests"):
            client.predict(api_name="/models")


@pytest.mark.parametrize("peer,forwarded,key", [
    ("8.8.8.8", "1.2.3.4", "8.8.8.8"),  # a public peer is the client itself: its header is not believed
    ("10.16.3.80", "1.2.3.4, 10.0.0.1", "1.2.3.4"),  # behind the Spaces proxy: the forwarded client
    ("127.0.0.1", "", "127.0.0.1"),
    ("127.0.0.1", "5.6.7.8", "5.6.7.8"),  # a local reverse proxy
])
def test_client_key_trusts_forwarded_for_only_behind_a_proxy(peer, forwarded, key):
    from types import SimpleNamespace

    from gradio.context import LocalContext

    from llm_playground.ui.common import client_key

    request = SimpleNamespace(headers={"x-forwarded-for": forwarded} if forwarded else {},
                              client=SimpleNamespace(host=peer))
    token = LocalContext.request.set(request)
    try:
        assert client_key() == key
    finally:
        LocalContext.request.reset(token)
