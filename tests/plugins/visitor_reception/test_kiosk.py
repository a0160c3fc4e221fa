"""Kiosk pairing and its token: accepted by the kiosk endpoints alone (a stolen token gets 401
from the core), refused once revoked, users' tokens refused by the kiosk; the host search
exposes id, name and unit only; every kiosk field bounded; rate limits per kiosk."""

from __future__ import annotations

import asyncio
import time

from plugins.visitor_reception import kiosks, runtime
from tests.plugins.visitor_reception.conftest import BASE, kiosk_headers


async def test_a_kiosk_token_opens_the_kiosk_endpoints_and_nothing_else(
    client, auth_headers, reception
):
    admin = await auth_headers("it_admin")
    paired = await client.post(
        f"{BASE}/kiosks", json={"name": "Plan 2", "location": "Hiss B"}, headers=admin
    )
    assert paired.status_code == 201, paired.text
    token = paired.json()["token"]
    assert token.startswith("kiosk_") and "token_hash" not in paired.json()
    kiosk = kiosk_headers(token)
    found = await client.get(f"{BASE}/kiosk/hosts", params={"q": "värd"}, headers=kiosk)
    assert found.status_code == 200, found.text
    assert found.json()["items"] == [
        {"id": reception["host"]["id"], "name": "Vera Värdsson", "unit": "Bygglov"}
    ]
    # a stolen kiosk token can do nothing else
    for method, path in (
        ("GET", "/api/v1/cases"),
        ("GET", "/api/v1/auth/me"),
        ("GET", f"{BASE}/visits/inside"),
        ("GET", f"{BASE}/kiosks"),
    ):
        response = await client.request(method, path, headers=kiosk)
        assert response.status_code == 401, (path, response.status_code)
    # a user's token is no kiosk token
    staff = await client.get(
        f"{BASE}/kiosk/hosts", params={"q": "värd"}, headers=await auth_headers("reception")
    )
    assert staff.status_code == 401
    assert (await client.get(f"{BASE}/kiosk/hosts", params={"q": "värd"})).status_code == 401

    listed = await client.get(f"{BASE}/kiosks", headers=admin)
    assert paired.json()["id"] in [k["id"] for k in listed.json()["items"]]
    revoked = await client.delete(f"{BASE}/kiosks/{paired.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    after = await client.get(f"{BASE}/kiosk/hosts", params={"q": "värd"}, headers=kiosk)
    assert after.status_code == 401
    assert after.json()["detail"] == "Kioskens token saknas eller är fel"
    assert (await client.delete(f"{BASE}/kiosks/999999", headers=admin)).status_code == 404


async def test_the_host_search_shows_only_hosts_accepting_visitors(client, reception):
    kiosk = kiosk_headers(reception["kiosk"]["token"])
    by_unit = await client.get(f"{BASE}/kiosk/hosts", params={"q": "familje"}, headers=kiosk)
    assert [h["name"] for h in by_unit.json()["items"]] == ["Sixten Socialsekreterare"]
    # staff not marked as accepting visitors are not found, nor usernames
    for query in ("Test agent", "vr-host", "%%", "__"):
        response = await client.get(f"{BASE}/kiosk/hosts", params={"q": query}, headers=kiosk)
        assert response.status_code == 200 and response.json()["items"] == [], query
    for params in ({"q": "a"}, {}, {"q": "x" * 61}, {"q": "ab", "extra": "1"}):
        response = await client.get(f"{BASE}/kiosk/hosts", params=params, headers=kiosk)
        assert response.status_code == 400, params


async def test_every_kiosk_field_is_bounded(client, reception):
    kiosk = kiosk_headers(reception["kiosk"]["token"])
    good = {"visitor_name": "Ada Andersson", "host_id": reception["host"]["id"]}
    for bad in (
        {**good, "visitor_name": ""},
        {**good, "visitor_name": "x" * 121},
        {**good, "visitor_name": "Ada\x00"},
        {**good, "organisation": "o" * 121},
        {**good, "purpose": "p" * 301},
        {**good, "host_id": 0},
        {**good, "host_id": 2**70},
        {**good, "language": "de"},
        {**good, "needs_assistance": "yes"},
        {**good, "unknown": 1},
        {"visitor_name": "Ada"},
    ):
        response = await client.post(f"{BASE}/kiosk/check-in", json=bad, headers=kiosk)
        assert response.status_code == 400, (bad, response.text)
    blank = await client.post(
        f"{BASE}/kiosk/check-in", json={**good, "visitor_name": "   "}, headers=kiosk
    )
    assert blank.status_code == 400
    nobody = await client.post(
        f"{BASE}/kiosk/check-in", json={**good, "host_id": 999999}, headers=kiosk
    )
    assert nobody.status_code == 400
    for path, body in (("sign-out", {"code": ""}), ("sign-out", {"code": "c" * 81})):
        assert (
            await client.post(f"{BASE}/kiosk/{path}", json=body, headers=kiosk)
        ).status_code == 400
    unknown = await client.post(f"{BASE}/kiosk/sign-out", json={"code": "VR1-nope"}, headers=kiosk)
    assert unknown.status_code == 404


async def test_each_kiosk_is_rate_limited(client, reception, monkeypatch):
    kiosk = kiosk_headers(reception["kiosk"]["token"])
    if time.time() % kiosks.WINDOW_S > kiosks.WINDOW_S - 5:  # the fixed window is about to turn
        await asyncio.sleep(6)
    kiosks.reset_limits()
    monkeypatch.setitem(runtime.CONFIG, "kiosk_searches_per_minute", 3)
    statuses = [
        (await client.get(f"{BASE}/kiosk/hosts", params={"q": "värd"}, headers=kiosk)).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    kiosks.reset_limits()
    assert (
        await client.get(f"{BASE}/kiosk/hosts", params={"q": "värd"}, headers=kiosk)
    ).status_code == 200
