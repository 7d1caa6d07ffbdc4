"""Who is asking: the client address a request is counted against (rate limit, jobs in flight, exports).

Behind a reverse proxy the peer is the proxy; the client's address is in X-Forwarded-For. Each proxy
*appends* the address it received the request from, so only the right-most entries were written by
proxies we trust; anything to their left came from the client and can be forged. With `proxy_hops`
trusted proxies in front of the app, the client is the `proxy_hops`-th entry from the right. The header
is only read when the peer itself is a private or loopback address (a proxy): a client reaching a public
server directly cannot pick its own address, and an entry that is not an IP address is never believed.

Hugging Face Spaces: one proxy layer sits in front of the app (the peer is a private 10.x address) and
appends the client's address, hence the default of 1 hop.
"""

from __future__ import annotations

import ipaddress


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def behind_proxy(peer: str) -> bool:
    """A private or loopback peer is a proxy (Spaces, a local reverse proxy); a public one is the client."""
    address = _ip(peer)
    return bool(address and (address.is_private or address.is_loopback))


def client_address(peer: str | None, forwarded: str | None, proxy_hops: int = 1) -> str:
    peer = peer or "unknown"
    if proxy_hops <= 0 or not forwarded or not behind_proxy(peer):
        return peer
    entries = [e.strip() for e in forwarded.split(",") if e.strip()]
    if len(entries) < proxy_hops:
        return peer
    candidate = _ip(entries[-proxy_hops])
    return str(candidate) if candidate else peer


def of_request(request, proxy_hops: int = 1) -> str:
    """The client address of a starlette/fastapi/gradio request (anything with .client and .headers)."""
    if request is None:
        return "local"
    client = getattr(request, "client", None)
    peer = getattr(client, "host", None) if client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), proxy_hops)
