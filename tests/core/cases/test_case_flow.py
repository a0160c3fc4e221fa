"""The main road: register a contact, find the citizen, forward, follow up, close."""

from __future__ import annotations

import re
import time

from core.cases.tables import Case, Contact
from core.parties.tables import Party

PNR = "19900101-0017"
SAMORDNING = "701063-2391"


async def register(client, headers, **body):
    return await client.post("/api/v1/contacts", json=body, headers=headers)


async def open_case(client, headers, case_type, **extra) -> str:
    response = await register(
        client, headers, channel="phone", case_type=case_type, open_case=True, **extra
    )
    assert response.status_code == 201, response.text
    return response.json()["case"]["number"]


async def test_phone_contact_opens_a_case_with_timers(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    response = await register(
        client,
        agent,
        channel="phone",
        summary="Frågar om bygglov för altan",
        case_type=org_setup["bygglov"],
        answer_group=org_setup["group"],
        open_case=True,
        party={
            "kind": "person",
            "name": "Anna Andersson",
            "id_number": PNR,
            "email": "anna@example.org",
            "phone": "070-123 45 67",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    year = time.gmtime().tm_year
    assert re.fullmatch(rf"KC-{year}-\d{{6}}", body["case"]["number"])
    assert re.fullmatch(rf"K{year}-\d{{7}}", body["contact"]["number"])
    assert len(body["access_code"]) == 10
    case = body["case"]
    assert case["status"] == "received" and case["owner"] == "agent-user"
    assert case["timers"]["first_response"]["due"] is not None
    assert case["timers"]["resolution"]["due"] is not None
    stored = await Party.select().where(Party.id == case["party"]).first()
    assert "0101" not in (stored["id_number_cipher"] or "")
    assert stored["phone"] == "+46701234567"
    # The case in the registration answer is built without reading it back: it must be what
    # reading the case gives (apart from the timers' business seconds left, which tick).
    shown = (await client.get(f"/api/v1/cases/{case['number']}", headers=agent)).json()
    for view in (case, shown):
        for timer in ("first_response", "resolution"):
            view["timers"][timer].pop("business_seconds_left")
    assert {k: v for k, v in shown.items() if k not in ("timeline", "contacts")} == case


async def test_find_the_citizen_by_personnummer_and_samordningsnummer(client, auth_headers):
    agent = await auth_headers("agent")
    created = await client.post(
        "/api/v1/parties",
        headers=agent,
        json={"kind": "person", "name": "Samir", "id_number": SAMORDNING},
    )
    assert created.status_code == 201, created.text
    found = await client.get("/api/v1/parties", params={"id_number": "197010632391"}, headers=agent)
    assert found.status_code == 200, found.text
    assert [p["name"] for p in found.json()["items"]] == ["Samir"]
    assert found.json()["items"][0]["id_number_kind"] == "samordningsnummer"
    assert found.json()["items"][0]["id_number"] == "19701063-XXXX"


async def test_invalid_personnummer_is_refused(client, auth_headers):
    agent = await auth_headers("agent")
    response = await client.post(
        "/api/v1/parties", headers=agent, json={"kind": "person", "id_number": "19900101-0018"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_forward_keeps_the_owner_and_records_the_reason(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    created = (
        await register(
            client,
            agent,
            channel="email",
            summary="Trasig gunga",
            case_type=org_setup["bygglov"],
            open_case=True,
        )
    ).json()
    number = created["case"]["number"]
    forwarded = await client.post(
        f"/api/v1/cases/{number}/forward",
        headers=agent,
        json={
            "kind": "department",
            "target": org_setup["department"],
            "reason": "Kräver handläggning av nämnden",
        },
    )
    assert forwarded.status_code == 200, forwarded.text
    case = forwarded.json()
    assert case["owner"] == "agent-user"
    assert case["assignee"] == {"kind": "department", "target": org_setup["department"]}
    assert case["status"] == "in_progress"
    assert any(
        e["kind"] == "forward" and e["text"] == "Kräver handläggning av nämnden"
        for e in case["timeline"]
    )
    contact = (
        await Contact.select(Contact.forwarded)
        .where(Contact.number == created["contact"]["number"])
        .first()
    )
    assert contact["forwarded"]


async def test_forward_to_an_inactive_user_is_refused(client, auth_headers, org_setup):
    from core.auth import service as users

    await users.create_user("test", "gone-officer", "Gone", "password-123", ["case_officer"])
    await users.update_user("test", "gone-officer", active=False)
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["bygglov"])
    response = await client.post(
        f"/api/v1/cases/{number}/forward",
        headers=agent,
        json={"kind": "user", "target": "gone-officer", "reason": "x"},
    )
    assert response.status_code == 409
    case = (await client.get(f"/api/v1/cases/{number}", headers=agent)).json()
    assert case["assignee"]["kind"] == "none" and case["status"] == "received"


async def test_impossible_transitions_and_unknown_types_change_nothing(
    client, auth_headers, org_setup
):
    agent = await auth_headers("agent")
    unknown = await register(
        client, agent, channel="phone", case_type="no-such-type", open_case=True
    )
    assert unknown.status_code == 400
    number = await open_case(client, agent, org_setup["bygglov"])
    closed = await client.post(
        f"/api/v1/cases/{number}/status",
        headers=agent,
        json={"status": "closed", "reason": "Besvarat"},
    )
    assert closed.status_code == 200
    again = await client.post(
        f"/api/v1/cases/{number}/status", headers=agent, json={"status": "in_progress"}
    )
    assert again.status_code == 409
    row = await Case.select(Case.status).where(Case.number == number).first()
    assert row["status"] == "closed"


async def test_waiting_pauses_the_clock_and_reply_resumes_it(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["bygglov"])
    waiting = (
        await client.post(
            f"/api/v1/cases/{number}/status", headers=agent, json={"status": "waiting"}
        )
    ).json()
    assert waiting["timers"]["paused"] is True
    row = await Case.select().where(Case.number == number).first()
    assert row["sla_next_check"] is None and row["paused_since"] is not None
    resumed = (
        await client.post(
            f"/api/v1/cases/{number}/status", headers=agent, json={"status": "in_progress"}
        )
    ).json()
    assert resumed["timers"]["paused"] is False
    kinds = [e["kind"] for e in resumed["timeline"]]
    assert kinds.count("pause") == 1 and kinds.count("resume") == 1


async def test_contact_joins_a_case_and_duplicates_merge(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    first = await open_case(client, agent, org_setup["bygglov"])
    joined = await register(client, agent, channel="email", summary="Kompletterar", join_case=first)
    assert joined.status_code == 201 and joined.json()["contact"]["case"] == first
    second = await open_case(client, agent, org_setup["bygglov"])
    merged = await client.post(
        f"/api/v1/cases/{second}/merge",
        headers=agent,
        json={"into": first, "reason": "Samma ärende"},
    )
    assert merged.status_code == 200, merged.text
    assert len(merged.json()["contacts"]) == 3
    dup = (await client.get(f"/api/v1/cases/{second}", headers=agent)).json()
    assert dup["status"] == "closed" and dup["merged_into"] == first
    reopen = await client.post(
        f"/api/v1/cases/{second}/reopen", headers=agent, json={"reason": "fel"}
    )
    assert reopen.status_code == 409


async def test_resolved_at_first_contact_and_rosa_levels(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    simple = await register(
        client, agent, channel="phone", summary="Öppettider", resolved_first_contact=True
    )
    assert simple.status_code == 201 and simple.json()["case"] is None
    closed = await register(
        client,
        agent,
        channel="phone",
        case_type=org_setup["bygglov"],
        open_case=True,
        resolved_first_contact=True,
    )
    assert closed.json()["case"]["status"] == "closed"
    refused = await register(
        client,
        agent,
        channel="phone",
        case_type=org_setup["tillsyn"],
        open_case=True,
        resolved_first_contact=True,
    )
    assert refused.status_code == 400


async def test_bad_contact_input(client, auth_headers):
    agent = await auth_headers("agent")
    future = "2999-01-01T10:00:00+01:00"
    for body in (
        {"channel": "pigeon"},
        {"channel": "phone", "received_at": future},
        {"channel": "phone", "received_at": "2026-01-01T10:00:00"},
        {"channel": "phone", "open_case": True},
        {"channel": "phone", "priority": "whenever"},
        {"channel": "phone", "wait_seconds": -1},
    ):
        response = await register(client, agent, **body)
        assert response.status_code == 400, (body, response.text)


async def test_yesterdays_letter_keeps_its_received_time(client, auth_headers):
    agent = await auth_headers("agent")
    yesterday = time.strftime("%Y-%m-%dT09:00:00+00:00", time.gmtime(time.time() - 86400))
    response = await register(
        client, agent, channel="letter", received_at=yesterday, summary="Brev"
    )
    assert response.status_code == 201, response.text
    assert response.json()["contact"]["received_at"] == yesterday.replace("+00:00", "Z")


async def test_callbacks(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    created = await client.post(
        "/api/v1/callbacks",
        headers=agent,
        json={"phone": "08-123 456 78", "answer_group": org_setup["group"]},
    )
    assert created.status_code == 201, created.text
    callback = created.json()
    assert callback["phone"] == "+46812345678" and callback["outcome"] == "pending"
    attempt = await client.post(
        f"/api/v1/callbacks/{callback['id']}/attempts", headers=agent, json={"outcome": "no_answer"}
    )
    assert attempt.json()["attempts"] == 1 and attempt.json()["outcome"] == "pending"
    done = await client.post(
        f"/api/v1/callbacks/{callback['id']}/attempts", headers=agent, json={"outcome": "reached"}
    )
    assert done.json()["outcome"] == "reached"
    again = await client.post(
        f"/api/v1/callbacks/{callback['id']}/attempts", headers=agent, json={"outcome": "reached"}
    )
    assert again.status_code == 409
    bad = await client.post("/api/v1/callbacks", headers=agent, json={"phone": "abc"})
    assert bad.status_code == 400
