"""The peer a request really came from reaches the app: uvicorn does not rewrite it from X-Forwarded-For.

uvicorn (as gradio starts it) believes X-Forwarded-For from 127.0.0.1 and puts its last entry in the
request's client address. The app judges that header itself (serving/clients.py: how many proxy hops to
trust, private peers only, and MCP's replays over loopback vouched for by this process). With uvicorn's
rewrite first, a replayed MCP call whose caller forged the header reached the app from the forged address
instead of loopback, so each forged value got a fresh rate limit (issue #33's hostile load test).
"""

from __future__ import annotations

import functools
import types


def apply() -> None:
    """Make gradio's server start uvicorn with proxy_headers=False (gradio.http_server looks up
    `uvicorn.Config` on its module at each launch; only that module's reference is replaced)."""
    from gradio import http_server

    if getattr(http_server.uvicorn, "playground_raw_peers", False):
        return
    import uvicorn

    patched = {"Config": functools.partial(uvicorn.Config, proxy_headers=False), "playground_raw_peers": True}
    http_server.uvicorn = types.SimpleNamespace(**(vars(uvicorn) | patched))
