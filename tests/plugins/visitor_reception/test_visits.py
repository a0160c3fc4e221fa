"""A visit from kiosk check-in to sign-out: the core contact (channel ``visit``), the host's
e-mail in the outbox, the badge, the reception's lists, protected visits kept off shared
screens with audited reads, sign-out by QR code, by the reception and automatically."""

from __future__ import annotations

import time
from typing import Any

from core.db import raw
from plugins.visitor_reception import runtime, visits
from tests.plugins.visitor_reception.conftest import BASE, kiosk_headers


async def check_in(client, reception, host: str = "host", **fields: Any) -> dict[str, Any]:
    body = {
        "visitor_name": "Ada Andersson",
        "organisation": "Bygg & Co AB",
        "purpose": "Bygglovsmöte",
        "host_id": reception[host]["id"],
        **fields,
    }
    response = await client.post(
        f"{BASE}/kiosk/check-in", json=body, headers=kiosk_headers(reception["kiosk"]["token"])
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_kiosk_check_in_is_a_contact_tells_the_host_and_prints_a_badge(
    client, auth_headers, reception
):
    done = await check_in(client, reception, needs_assistance=True)
    visit = done["visit"]
    assert visit["number"].startswith("B") and visit["status"] == "inside"
    # the answer is built from what the check-in wrote: it is the stored visit's view
    assert visit == visits.view(await visits.get_row(visit["number"]), reveal=True)
    assert visit["host"]["name"] == "Vera Värdsson" and visit["location"] == "Plan 3, rum 301"
    assert done["signout_code"].startswith("VR1-")
    contact = await raw.fetchrow(
        "SELECT channel, summary FROM contact WHERE number = ?", visit["contact_number"]
    )
    assert contact["channel"] == "visit" and visit["number"] in contact["summary"]
    assert "Ada" not in contact["summary"]  # the visitor's name stays in the plugin
    mail = await raw.fetchrow(
        "SELECT recipient, subject, body FROM outbound_message WHERE template = ? "
        "ORDER BY id DESC LIMIT 1",
        "visitor_arrived",
    )
    assert mail["recipient"] == "vera@ekeby.example"
    assert visit["number"] in mail["subject"] and "Ada Andersson" in mail["subject"]
    assert "Bygglovsmöte" in mail["body"]
    audit = await raw.fetchrow(
        "SELECT actor FROM audit_entry WHERE action = ? AND object_id = ?",
        "reception.checked_in",
        visit["number"],
    )
    assert audit["actor"] == f"kiosk:{reception['kiosk']['id']}"

    kiosk = kiosk_headers(reception["kiosk"]["token"])
    badge = await client.post(
        f"{BASE}/kiosk/badge", json={"code": done["signout_code"]}, headers=kiosk
    )
    assert badge.status_code == 200 and badge.headers["content-type"] == "application/pdf"
    assert badge.content.startswith(b"%PDF-") and b"/Type /Page" in badge.content

    desk = await auth_headers("reception")
    inside = (await client.get(f"{BASE}/visits/inside", headers=desk)).json()
    mine = [v for v in inside["items"] if v["number"] == visit["number"]]
    assert mine and mine[0]["visitor_name"] == "Ada Andersson" and mine[0]["needs_assistance"]
    one = await client.get(f"{BASE}/visits/{visit['number']}", headers=desk)
    assert one.status_code == 200 and one.json()["organisation"] == "Bygg & Co AB"
    assert (await client.get(f"{BASE}/visits/not-a-number", headers=desk)).status_code == 400
    assert (await client.get(f"{BASE}/visits/B2026-99999", headers=desk)).status_code == 404

    signed_out = await client.post(
        f"{BASE}/kiosk/sign-out", json={"code": done["signout_code"]}, headers=kiosk
    )
    assert signed_out.status_code == 200, signed_out.text
    out = signed_out.json()["visit"]
    assert out["status"] == "out" and out["checkout_kind"] == "kiosk"
    again = await client.post(
        f"{BASE}/kiosk/sign-out", json={"code": done["signout_code"]}, headers=kiosk
    )
    assert again.status_code == 409
    inside = (await client.get(f"{BASE}/visits/inside", headers=desk)).json()
    assert visit["number"] not in [v["number"] for v in inside["items"]]


async def test_the_reception_searches_hosts_to_register_a_visitor(client, auth_headers, reception):
    desk = await auth_headers("reception")
    found = await client.get(f"{BASE}/visits/hosts", params={"q": "värdss"}, headers=desk)
    assert found.status_code == 200, found.text
    assert found.json()["items"] == [
        {"id": reception["host"]["id"], "name": "Vera Värdsson", "unit": "Bygglov"}
    ]
    # every word in the name or the unit
    both = await client.get(f"{BASE}/visits/hosts", params={"q": "vera bygg"}, headers=desk)
    assert [h["id"] for h in both.json()["items"]] == [reception["host"]["id"]]
    wrong = await client.get(f"{BASE}/visits/hosts", params={"q": "vera omsorg"}, headers=desk)
    assert wrong.json()["items"] == []
    short = await client.get(f"{BASE}/visits/hosts", params={"q": "v"}, headers=desk)
    assert short.status_code == 400 and short.headers["content-type"].startswith(
        "application/problem+json"
    )
    agent = await auth_headers("agent")
    denied = await client.get(f"{BASE}/visits/hosts", params={"q": "värdss"}, headers=agent)
    assert denied.status_code == 403


async def test_the_reception_registers_and_signs_out_on_the_visitors_behalf(
    client, auth_headers, reception
):
    desk = await auth_headers("reception")
    body = {"visitor_name": "Bo Berg", "host_id": reception["host"]["id"], "language": "en"}
    created = await client.post(f"{BASE}/visits", json=body, headers=desk)
    assert created.status_code == 201, created.text
    number = created.json()["visit"]["number"]
    assert (
        await client.post(f"{BASE}/visits", json={**body, "x": 1}, headers=desk)
    ).status_code == 400
    done = await client.post(f"{BASE}/visits/{number}/sign-out", headers=desk)
    assert done.status_code == 200 and done.json()["checkout_kind"] == "reception"
    assert (await client.post(f"{BASE}/visits/{number}/sign-out", headers=desk)).status_code == 409
    for role in ("agent", "it_admin"):
        denied = await client.get(f"{BASE}/visits/inside", headers=await auth_headers(role))
        assert denied.status_code == 403


async def test_a_protected_visit_keeps_the_name_off_shared_screens_and_audits_reads(
    client, auth_headers, reception
):
    done = await check_in(client, reception, host="social", visitor_name="Cilla Carlsson")
    number = done["visit"]["number"]
    assert done["visit"]["protected"] is True
    assert done["visit"] == visits.view(await visits.get_row(number), reveal=True)
    desk = await auth_headers("reception")
    shown = (await client.get(f"{BASE}/visits/{number}", headers=desk)).json()
    assert shown["visitor_name"] is None and shown["purpose"] is None
    assert shown["host"]["name"] == "Sixten Socialsekreterare"
    kiosk = kiosk_headers(reception["kiosk"]["token"])
    badge = await client.post(
        f"{BASE}/kiosk/badge", json={"code": done["signout_code"]}, headers=kiosk
    )
    assert badge.status_code == 200
    reads = "SELECT actor FROM audit_entry WHERE action = 'read' AND object_id = ?"
    assert await raw.fetch(reads, number) == []
    supervisor = await auth_headers("supervisor")
    revealed = (await client.get(f"{BASE}/visits/{number}", headers=supervisor)).json()
    assert revealed["visitor_name"] == "Cilla Carlsson"
    assert [r["actor"] for r in await raw.fetch(reads, number)] == ["supervisor-user"]
    await client.post(f"{BASE}/visits/{number}/sign-out", headers=desk)


async def test_overdue_visits_are_signed_out_automatically_and_recorded_as_such(
    client, auth_headers, reception, monkeypatch
):
    monkeypatch.setitem(runtime.CONFIG, "auto_signout_time", "18:30")
    number = (await check_in(client, reception, visitor_name="Dan Dahl"))["visit"]["number"]
    desk = await auth_headers("reception")
    overdue = (await client.get(f"{BASE}/visits/overdue", headers=desk)).json()["items"]
    assert number not in [v["number"] for v in overdue]
    later = int(time.time()) + 2 * 86400
    assert number in [v["number"] for v in await visits.overdue(later)]
    assert await visits.auto_sign_out(later) >= 1
    row = await visits.get_row(number)
    assert row["status"] == "out" and row["checkout_kind"] == "auto"
    assert row["checked_out_at"] == later
    assert await visits.auto_sign_out(later) == 0
    entry = await raw.fetchrow(
        "SELECT details FROM audit_entry WHERE action = 'reception.auto_signed_out' "
        "ORDER BY seq DESC LIMIT 1"
    )
    assert '"count"' in entry["details"]


async def test_the_retention_job_removes_last_years_visits_with_an_audit_entry(
    client, auth_headers, reception, monkeypatch
):
    from core import db
    from plugins.visitor_reception import retention

    monkeypatch.setitem(runtime.CONFIG, "retention_days", 365)
    monkeypatch.setitem(runtime.CONFIG, "retention_decision", "KS 2026/123")
    desk = await auth_headers("reception")
    numbers = []
    for name in ("Hugo Holm", "Ines Ibsen", "Jon Jarl"):
        number = (await check_in(client, reception, visitor_name=name))["visit"]["number"]
        await client.post(f"{BASE}/visits/{number}/sign-out", headers=desk)
        numbers.append(number)
    old, older, recent = numbers
    last_year = int(time.time()) - 400 * 86400
    async with db.transaction():
        await raw.fetch(
            "UPDATE visitor_visit SET checked_out_at = ? WHERE number IN (?, ?)",
            last_year,
            old,
            older,
        )
    done = await retention.purge()
    assert done["count"] >= 2 and done["decision"] == "KS 2026/123"
    row = await visits.get_row(old)
    assert row["visitor_name"] == "" and row["organisation"] == "" and row["purpose"] == ""
    assert row["contact_number"]  # the contact (and the statistics) stay
    assert (await visits.get_row(recent))["visitor_name"] == "Jon Jarl"
    entry = await raw.fetchrow(
        "SELECT actor, details FROM audit_entry WHERE action = 'reception.retention' "
        "ORDER BY seq DESC LIMIT 1"
    )
    assert entry["actor"] == "system" and "KS 2026/123" in entry["details"]
    again = await retention.purge()
    assert again["count"] == 0  # anonymised rows are not counted twice

    monkeypatch.setitem(runtime.CONFIG, "retention_action", "delete")
    assert (await retention.purge())["count"] >= 2
    assert await raw.fetch("SELECT id FROM visitor_visit WHERE number IN (?, ?)", old, older) == []
    assert (await visits.get_row(recent))["visitor_name"] == "Jon Jarl"
