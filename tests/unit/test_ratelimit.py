"""Per-client rate limit: counted per key, window slides, off when 0."""

import pytest

from llm_playground.service.ratelimit import RateLimited, RateLimiter


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
    """A launched app with --rate-limit 2 refuses the third call when it is queued: HTTP 429 with the reason."""
    import json

    from gradio_client import Client

    from llm_playground.config import Settings

    from ..conftest import free_port, launched
    from ..http_calls import HttpCaller

    for url, _ in launched(Settings(models_dir=models_dir, port=free_port(), rate_limit=2)):
        client = Client(url, verbose=False)
        client.predict(api_name="/models")
        client.predict(api_name="/models")
        with pytest.raises(Exception, match="429"):
            client.predict(api_name="/models")
        http = HttpCaller(url)
        event, response = http.start("/models", json.dumps({"data": []}))
        assert event is None and response.status_code == 429
        assert "Too many requests: this deployment allows 2 per minute" in response.json()["detail"]
        http.close()


@pytest.mark.parametrize("peer,forwarded,hops,key", [
    ("8.8.8.8", "1.2.3.4", 1, "8.8.8.8"),  # a public peer is the client itself: its header is not believed
    ("10.16.3.80", "1.2.3.4", 1, "1.2.3.4"),  # behind the Spaces proxy: the address it appended
    ("10.16.3.80", "6.6.6.6, 1.2.3.4", 1, "1.2.3.4"),  # the left entry came from the client: forged
    ("10.16.3.80", "6.6.6.6, 1.2.3.4, 10.0.0.7", 2, "1.2.3.4"),  # two trusted proxies
    ("127.0.0.1", "x7", 1, "127.0.0.1"),  # not an IP address: never believed
    ("127.0.0.1", "", 1, "127.0.0.1"),
    ("127.0.0.1", "5.6.7.8", 1, "5.6.7.8"),  # a local reverse proxy
    ("127.0.0.1", "5.6.7.8", 0, "127.0.0.1"),  # no trusted proxy configured
])
def test_client_key_trusts_only_what_the_proxies_appended(peer, forwarded, hops, key):
    from types import SimpleNamespace

    from gradio.context import LocalContext

    from llm_playground.ui.common import client_key

    request = SimpleNamespace(headers={"x-forwarded-for": forwarded} if forwarded else {},
                              client=SimpleNamespace(host=peer))
    token = LocalContext.request.set(request)
    try:
        assert client_key(hops) == key
    finally:
        LocalContext.request.reset(token)
