"""Pre-registration: the host invites a visitor, the invitation e-mail carries the code and a
link to its QR code, the reception sees the visitor expected today, and the QR code checks
the visitor in at the kiosk in one step (once)."""

from __future__ import annotations

import re
import time

from core.db import raw
from tests.conftest import ROLE_PASSWORD, login
from tests.plugins.visitor_reception.conftest import BASE, kiosk_headers


async def test_an_invitation_checks_the_visitor_in_in_one_step(client, auth_headers, reception):
    host = await login(client, "vr-host", ROLE_PASSWORD)
    body = {
        "visitor_name": "Karl Kvist",
        "email": "karl@firma.example",
        "expected_at": int(time.time()),
        "purpose": "Slutsamråd",
        "language": "en",
    }
    invited = await client.post(f"{BASE}/invitations", json=body, headers=host)
    assert invited.status_code == 201, invited.text
    number = invited.json()["number"]
    assert invited.json()["status"] == "expected" and invited.json()["host"]["name"] == (
        "Vera Värdsson"
    )
    mail = await raw.fetchrow(
        "SELECT recipient, subject, body, language FROM outbound_message WHERE template = ? "
        "ORDER BY id DESC LIMIT 1",
        "visitor_invitation",
    )
    assert mail["recipient"] == "karl@firma.example" and mail["language"] == "en"
    assert "Vera Värdsson" in mail["subject"] and number in mail["body"]
    code = re.search(r"Code \(to type it in\): (VI1-[\w-]+)", mail["body"]).group(1)
    assert f"invitation-qr?code={code}" in mail["body"]

    qr = await client.get(f"{BASE}/invitation-qr", params={"code": code})
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.startswith("<svg")
    assert (await client.get(f"{BASE}/invitation-qr", params={"code": "x"})).status_code == 400

    desk = await auth_headers("reception")
    expected = (await client.get(f"{BASE}/visits/expected", headers=desk)).json()["items"]
    assert number in [v["number"] for v in expected]

    kiosk = kiosk_headers(reception["kiosk"]["token"])
    arrived = await client.post(f"{BASE}/kiosk/arrive", json={"code": code}, headers=kiosk)
    assert arrived.status_code == 201, arrived.text
    visit = arrived.json()["visit"]
    assert visit["number"] == number and visit["status"] == "inside"
    assert visit["visitor_name"] == "Karl Kvist" and visit["contact_number"]
    assert arrived.json()["signout_code"].startswith("VR1-")
    told = await raw.fetchrow(
        "SELECT subject FROM outbound_message WHERE template = 'visitor_arrived' "
        "ORDER BY id DESC LIMIT 1"
    )
    assert number in told["subject"]
    again = await client.post(f"{BASE}/kiosk/arrive", json={"code": code}, headers=kiosk)
    assert again.status_code == 404
    expected = (await client.get(f"{BASE}/visits/expected", headers=desk)).json()["items"]
    assert number not in [v["number"] for v in expected]
    await client.post(f"{BASE}/visits/{number}/sign-out", headers=desk)


async def test_who_may_invite_whom(client, auth_headers, reception):
    body = {"visitor_name": "Lo Lind", "email": "lo@example.org", "expected_at": int(time.time())}
    agent = await auth_headers("agent")
    not_a_host = await client.post(f"{BASE}/invitations", json=body, headers=agent)
    assert not_a_host.status_code == 400
    other = {**body, "host_id": reception["host"]["id"]}
    assert (await client.post(f"{BASE}/invitations", json=other, headers=agent)).status_code == 403
    desk = await auth_headers("reception")
    assert (await client.post(f"{BASE}/invitations", json=other, headers=desk)).status_code == 201
    for bad in ({**other, "email": "not-an-address"}, {**other, "expected_at": -1},
                {**other, "expected_at": 2**41}, {**other, "visitor_name": ""}):  # fmt: skip
        assert (await client.post(f"{BASE}/invitations", json=bad, headers=desk)).status_code == 400
    kiosk = kiosk_headers(reception["kiosk"]["token"])
    for code in ("VI1-unknown", "VR1-not-an-invitation"):
        response = await client.post(f"{BASE}/kiosk/arrive", json={"code": code}, headers=kiosk)
        assert response.status_code == 404
