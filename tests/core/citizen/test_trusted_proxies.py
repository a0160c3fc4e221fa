"""The guessing guard behind a reverse proxy: X-Forwarded-For names the client only when the
connecting peer is a trusted proxy (the ``trusted_proxies`` setting)."""

from __future__ import annotations

import ipaddress
import random
import uuid

import pytest

from core.auth.client_address import forwarded_client
from core.citizen import status_page
from core.citizen.tables import AccessAttempt
from core.settings import parse_networks
from tests.core.citizen.conftest import unique_client_address

JSON_URL = "/api/v1/public/case-status"
PROXIES = parse_networks(["198.51.100.0/24", "2001:db8:ff::7"])


def wrong() -> dict[str, str]:
    """A look-up of a case nobody else tries (each case has its own budget too)."""
    return {"number": f"KC-1999-{uuid.uuid4().hex[:10]}", "code": "WRONG00000"}


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        # not a trusted peer: the header is ignored, whatever it says
        ("203.0.113.5", ["192.0.2.1"], "203.0.113.5"),
        ("203.0.113.5", ["192.0.2.1, 198.51.100.9"], "203.0.113.5"),
        # a trusted proxy: the address it saw
        ("198.51.100.9", ["192.0.2.1"], "192.0.2.1"),
        ("198.51.100.9", [], "198.51.100.9"),
        # a client's own header comes first; the right-most untrusted hop is the client
        ("198.51.100.9", ["10.9.9.9, 192.0.2.1"], "192.0.2.1"),
        ("2001:db8:ff::7", ["1.1.1.1, 192.0.2.1, 198.51.100.20"], "192.0.2.1"),
        ("198.51.100.9", ["1.1.1.1", "192.0.2.1, 198.51.100.20"], "192.0.2.1"),
        # only proxies: the left-most
        ("198.51.100.9", ["198.51.100.30, 198.51.100.20"], "198.51.100.30"),
        # ports, brackets, case and IPv4-mapped peers are normalised
        ("198.51.100.9", ["[2001:DB8:1::A]:443"], "2001:db8:1::a"),
        ("198.51.100.9", ["192.0.2.1:5123"], "192.0.2.1"),
        ("::ffff:198.51.100.9", ["192.0.2.1"], "192.0.2.1"),
        # something that is no address, written by the trusted proxy itself
        ("198.51.100.9", ["unknown"], "unknown"),
    ],
)
def test_forwarded_client(peer, forwarded_for, expected):
    assert forwarded_client(peer, forwarded_for, PROXIES) == expected


def test_without_trusted_proxies_the_header_never_counts():
    assert forwarded_client("198.51.100.9", ["192.0.2.1"], ()) == "198.51.100.9"


@pytest.fixture
def small_budget(monkeypatch):
    """Two failures per client and window, so a test needs only a few requests. A busy
    client's guess at a clean case is still checked and counted, but answered 429."""
    monkeypatch.setattr(status_page, "MAX_FAILURES", 2)


@pytest.fixture
def behind_proxy(app, monkeypatch):
    """The app with 198.51.100.0/24 and 2001:db8:ff::7 as trusted proxies."""
    settings = app.state.settings.replace(trusted_proxies=("198.51.100.0/24", "2001:db8:ff::7"))
    monkeypatch.setattr(app.state, "settings", settings)


def fresh() -> str:
    """A client address no other test uses, written as the guard stores forwarded ones."""
    return str(ipaddress.ip_address(unique_client_address()))


def proxy_address() -> str:
    return f"198.51.100.{random.randint(1, 254)}"


async def fail(api, client: str) -> int:
    response = await api.post(JSON_URL, json=wrong(), headers={"X-Forwarded-For": client})
    return response.status_code


async def attempts(client: str) -> int:
    return await AccessAttempt.count().where(AccessAttempt.client == client)


async def test_no_trusted_proxies_counts_the_peer(as_client, small_budget):
    peer = unique_client_address()  # counted as it connects
    api = as_client(peer)
    first, second, third = (fresh() for _ in range(3))
    assert await fail(api, first) == 404
    assert await fail(api, second) == 404
    assert await fail(api, third) == 429  # one budget for every X-Forwarded-For
    assert await attempts(peer) == 3
    assert await attempts(first) == await attempts(second) == 0


async def test_behind_a_trusted_proxy_each_client_has_its_own_budget(
    as_client, small_budget, behind_proxy
):
    proxy = proxy_address()
    api = as_client(proxy)
    guesser, citizen = fresh(), fresh()
    assert await fail(api, guesser) == 404
    assert await fail(api, guesser) == 404
    assert await fail(api, guesser) == 429
    assert await fail(api, citizen) == 404  # another citizen behind the same proxy may try
    assert await fail(api, f"{fresh()}, {citizen}") == 404  # its own header
    assert await fail(api, citizen) == 429
    assert (await attempts(guesser), await attempts(citizen)) == (3, 3)
    assert await attempts(proxy) == 0


async def test_a_spoofed_header_from_an_untrusted_peer_does_not_help(
    as_client, small_budget, behind_proxy
):
    peer = unique_client_address()  # counted as it connects
    api = as_client(peer)
    assert await fail(api, fresh()) == 404
    assert await fail(api, f"{fresh()}, {proxy_address()}") == 404
    assert await fail(api, fresh()) == 429
    assert await attempts(peer) == 3


async def test_the_html_form_uses_the_same_client(as_client, small_budget, behind_proxy):
    api = as_client(proxy_address())
    client = fresh()
    headers = {"X-Forwarded-For": client}
    for status in (404, 404, 429):
        page = await api.post("/mina-arenden", data=wrong(), headers=headers)
        assert page.status_code == status
    assert await attempts(client) == 3
