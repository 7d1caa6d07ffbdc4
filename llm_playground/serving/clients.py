"""Who is asking: the client address a request is counted against (rate limit, jobs in flight, exports).

Behind a reverse proxy the peer is the proxy; the client's address is in X-Forwarded-For. Each proxy
*appends* the address it received the request from, so only the right-most entries were written by
proxies we trust; anything to their left came from the client and can be forged. With `proxy_hops`
trusted proxies in front of the app, the client is the `proxy_hops`-th entry from the right. The header
is only read when the peer itself is a private or loopback address (a proxy): a client reaching a public
server directly cannot pick its own address, and an entry that is not an IP address is never believed.

Hugging Face Spaces: one proxy layer sits in front of the app (the peer is a private 10.x address) and
appends the client's address, hence the default of 1 hop.

MCP: Gradio's MCP server replays each queued tool call over loopback with the MCP request's headers. The gate
(serving/gate.py) stamps an MCP request with the client it came from and this process's REPLAY_SECRET, so the
replay counts against that client: not against loopback (which every MCP user would share), nor an address a
forged X-Forwarded-For names where no proxy stands in front of the app. Only this process knows the secret.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

CLIENT_HEADER, SECRET_HEADER = "x-playground-client", "x-playground-vouch"
REPLAY_SECRET = secrets.token_urlsafe(24)  # drawn once per process, never sent to a client


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_loopback(peer: str | None) -> bool:
    address = _ip(peer or "")
    return bool(address and address.is_loopback)


def behind_proxy(peer: str) -> bool:
    """A private or loopback peer is a proxy (Spaces, a local reverse proxy); a public one is the client."""
    address = _ip(peer)
    return bool(address and (address.is_private or address.is_loopback))


def vouched_headers(headers: list[tuple[bytes, bytes]], client: str) -> list[tuple[bytes, bytes]]:
    """`headers` (an ASGI scope's) saying that the request, and a replay of it, comes from `client`."""
    ours = (CLIENT_HEADER.encode(), SECRET_HEADER.encode())
    kept = [(k, v) for k, v in headers if k.lower() not in ours]
    return kept + [(ours[0], client.encode()), (ours[1], REPLAY_SECRET.encode())]


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
    vouched = request.headers.get(SECRET_HEADER)
    # only a replay from this machine is vouched for (a leaked secret is no use from outside); bytes: a header
    # is latin-1, and compare_digest refuses non-ASCII str (a 500 at every door)
    if vouched is not None and _is_loopback(peer) and hmac.compare_digest(vouched.encode("latin-1"),
                                                                          REPLAY_SECRET.encode()):
        return request.headers.get(CLIENT_HEADER) or "unknown"
    return client_address(peer, request.headers.get("x-forwarded-for"), proxy_hops)
