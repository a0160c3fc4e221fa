"""The client address of a request, behind the reverse proxies named in ``trusted_proxies``.

Both guessing guards count against it: the login back-off (core/auth/throttle.py) and the
Mina ärenden look-up limiter (core/citizen/status_page.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from litestar.connection import ASGIConnection

from core.settings import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_LENGTH = 64


def _ip(text: str) -> IPAddress | None:
    """An address from a peer or an X-Forwarded-For hop (``[v6]:port`` and ``v4:port`` too);
    IPv4-mapped IPv6 addresses as IPv4. None when it is no IP address."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress | None, networks: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in networks)


def forwarded_client(peer: str, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]) -> str:
    """The client behind trusted reverse proxies.

    ``peer`` is the connecting address and ``forwarded_for`` the X-Forwarded-For header values.
    Unless the peer is a trusted proxy the header is ignored (anyone can send one). Otherwise
    the hops are read from the right, since each proxy appends the address it saw: the first
    one that is not itself a trusted proxy is the client (the left-most when all are trusted).
    """
    client = _ip(peer)
    if not _trusted(client, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        client = _ip(hop)
        if not _trusted(client, trusted):
            return str(client) if client else hop
    return str(client)


def client_address(connection: ASGIConnection) -> str:
    """The address a guessing guard counts against (see :func:`forwarded_client` and the
    ``trusted_proxies`` setting), at most 64 characters; ``unknown`` when there is none."""
    peer = (connection.client.host if connection.client else "") or "unknown"
    settings = connection.app.state.settings
    forwarded = connection.headers.getall("x-forwarded-for", [])
    found = forwarded_client(peer, forwarded, settings.trusted_proxy_networks) or "unknown"
    return found[:MAX_LENGTH]
