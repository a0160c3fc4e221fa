"""A visitor who came with a question: the reception opens a case from the visit's core
contact, or lets it join an open case; one case per visit, closed cases refused, protected
visits open secret cases whose number only the host and ``reception.protected`` see."""

from __future__ import annotations

import time
import uuid

import pytest

from core.auth import service as auth
from core.cases import service as cases
from core.db import raw
from core.org import service as org
from tests.conftest import ROLE_PASSWORD, login
from tests.plugins.visitor_reception.conftest import BASE, kiosk_headers
from tests.plugins.visitor_reception.test_visits import check_in


@pytest.fixture(scope="module")
async def case_type(reception) -> str:
    """An active case type (and its department) to open visits' cases in."""
    suffix = uuid.uuid4().hex[:6]
    dept = f"VRD{suffix.upper()}"
    await org.save_department("test", dept, {"name_sv": "Bygglovsenheten"})
    code = f"besok-{suffix}"
    await org.save_case_type("test", code, {"name_sv": "Fråga vid besök", "department": dept})
    return code


def url(number: str) -> str:
    return f"{BASE}/visits/{number}/case"


async def test_a_visit_opens_a_case_and_another_joins_it(
    client, auth_headers, reception, case_type
):
    desk = await auth_headers("reception")
    checked_in = await check_in(client, reception)
    first = checked_in["visit"]
    assert first["case"] is None
    opened = await client.post(
        url(first["number"]),
        json={"case_type": case_type, "summary": "Frågar om bygglov för altan"},
        headers=desk,
    )
    assert opened.status_code == 200, opened.text
    number = opened.json()["case"]
    assert opened.json()["visit"]["case"] == number
    shown = await client.get(f"{BASE}/visits/{first['number']}", headers=desk)
    assert shown.json()["case"] == number
    row = await raw.fetchrow(
        "SELECT c.subject, c.channel, c.secret, u.username AS owner FROM kc_case c "
        "JOIN kc_user u ON u.id = c.owner WHERE c.number = ?",
        number,
    )
    assert row["subject"] == "Frågar om bygglov för altan" and row["channel"] == "visit"
    assert (
        not row["secret"]
        and row["owner"]
        == (await auth.authenticate(desk["Authorization"].removeprefix("Bearer "))).username
    )
    audited = await raw.fetchrow(
        "SELECT details FROM audit_entry WHERE action = 'reception.case' AND object_id = ?",
        first["number"],
    )
    assert number in audited["details"]

    # the kiosk's screen never shows the case: signing out there answers without it
    out = await client.post(
        f"{BASE}/kiosk/sign-out",
        json={"code": checked_in["signout_code"]},
        headers=kiosk_headers(reception["kiosk"]["token"]),
    )
    assert out.status_code == 200 and out.json()["visit"]["case"] is None
    assert (await client.get(f"{BASE}/visits/{first['number']}", headers=desk)).json()[
        "case"
    ] == number

    second = (await check_in(client, reception, visitor_name="Bo Berg"))["visit"]
    joined = await client.post(url(second["number"]), json={"case": number}, headers=desk)
    assert joined.status_code == 200, joined.text
    assert joined.json()["case"] == number
    contacts = await raw.fetch(
        'SELECT k.number FROM contact k JOIN kc_case c ON c.id = k."case" WHERE c.number = ?',
        number,
    )
    assert {r["number"] for r in contacts} == {first["contact_number"], second["contact_number"]}

    # a visit is in one case only
    for body in ({"case": number}, {"case_type": case_type}):
        again = await client.post(
            url(second["number"]), json=body, headers={**desk, "Accept-Language": "sv"}
        )
        assert again.status_code == 409
        assert again.json()["detail"] == f"Besök {second['number']} hör redan till ett ärende"


async def test_refusals(client, auth_headers, reception, case_type):
    desk = await auth_headers("reception")
    visit = (await check_in(client, reception))["visit"]
    target = url(visit["number"])
    unknown_visit = await client.post(
        url("B2026-99999"), json={"case_type": case_type}, headers=desk
    )
    assert unknown_visit.status_code == 404
    unknown_type = await client.post(
        target, json={"case_type": "finns-inte"}, headers={**desk, "Accept-Language": "sv"}
    )
    assert unknown_type.status_code == 404
    assert unknown_type.json()["detail"] == "Okänd ärendetyp: finns-inte"
    assert (
        await client.post(target, json={"case": "KC-1999-0001"}, headers=desk)
    ).status_code == 404
    for bad in ({}, {"case": "X", "case_type": case_type}, {"case_type": case_type, "x": 1}):
        refused = await client.post(target, json=bad, headers=desk)
        assert refused.status_code == 400, bad
        assert refused.headers["content-type"].startswith("application/problem+json")
    denied = await client.post(
        target, json={"case_type": case_type}, headers=await auth_headers("agent")
    )
    assert denied.status_code == 403

    # a closed case must be reopened first
    token = (await auth_headers("agent"))["Authorization"].removeprefix("Bearer ")
    agent = await auth.authenticate(token)
    closed = await cases.register_contact(
        agent,
        cases.ContactInput(
            channel="phone",
            summary="Klart direkt",
            case_type=case_type,
            open_case=True,
            resolved_first_contact=True,
        ),
    )
    shut = await client.post(target, json={"case": closed["case"]["number"]}, headers=desk)
    assert shut.status_code == 409
    # none of the refusals put the visit in a case
    assert (await client.get(f"{BASE}/visits/{visit['number']}", headers=desk)).json()[
        "case"
    ] is None

    # an expected visit has no contact yet
    host = await login(client, "vr-host", ROLE_PASSWORD)
    invited = await client.post(
        f"{BASE}/invitations",
        json={
            "visitor_name": "Ines Ivarsson",
            "email": "ines@firma.example",
            "expected_at": int(time.time()),
        },
        headers=host,
    )
    early = await client.post(
        url(invited.json()["number"]), json={"case_type": case_type}, headers=desk
    )
    assert early.status_code == 409


async def test_a_protected_visit_opens_a_secret_case(client, auth_headers, reception, case_type):
    desk = await auth_headers("reception")
    visit = (await check_in(client, reception, host="social"))["visit"]
    opened = await client.post(
        url(visit["number"]), json={"case_type": case_type, "summary": "Samtal"}, headers=desk
    )
    assert opened.status_code == 200, opened.text
    number = opened.json()["case"]
    secret = await raw.fetchrow("SELECT secret FROM kc_case WHERE number = ?", number)
    assert secret["secret"]
    # the reception's view keeps the protected visit's details, its case included, hidden
    assert opened.json()["visit"]["case"] is None
    assert opened.json()["visit"]["visitor_name"] is None
    listed = await client.get(f"{BASE}/visits/inside", headers=desk)
    mine = [v for v in listed.json()["items"] if v["number"] == visit["number"]]
    assert mine[0]["case"] is None
    supervisor = await client.get(
        f"{BASE}/visits/{visit['number']}", headers=await auth_headers("supervisor")
    )
    assert supervisor.json()["case"] == number
