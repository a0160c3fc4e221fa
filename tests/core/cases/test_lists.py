"""Contacts, call-backs and a citizen's history: listing with filters, fetching one, keyset
pages, secrecy, and every filter value validated (400 problems, never ignored)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.core.cases.test_case_flow import open_case, register
from tests.core.cases.test_case_search import new_party

PROBLEM = "application/problem+json"


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


async def listing(client, headers, path: str, **params) -> dict:
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor", "total"}
    return body


async def contact(client, headers, **body) -> dict:
    response = await register(client, headers, **body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_contacts_list_filters_and_fetch(client, auth_headers, org_setup):
    agent, reception = await auth_headers("agent"), await auth_headers("registrator")
    party = await new_party(client, agent, name="Karl Kontakt")
    first = await contact(
        client, agent, channel="phone", party_id=party, answer_group=org_setup["group"]
    )
    second = await contact(
        client, agent, channel="email", party_id=party, case_type=org_setup["bygglov"]
    )
    case = await contact(
        client,
        reception,
        channel="letter",
        party_id=party,
        case_type=org_setup["bygglov"],
        open_case=True,
    )
    numbers = [first["contact"]["number"], second["contact"]["number"]]
    path = "/api/v1/contacts"
    everything = await listing(client, agent, path, party=party)
    assert [c["number"] for c in everything["items"]] == [
        case["contact"]["number"],
        *reversed(numbers),
    ]
    assert everything["total"] == 3 and everything["items"][0]["party_name"] == "Karl Kontakt"
    by_channel = await listing(client, agent, path, party=party, channel="email")
    assert [c["number"] for c in by_channel["items"]] == [numbers[1]]
    by_group = await listing(client, agent, path, party=party, answer_group=org_setup["group"])
    assert [c["number"] for c in by_group["items"]] == [numbers[0]]
    by_case = await listing(client, agent, path, case=case["case"]["number"])
    assert [c["number"] for c in by_case["items"]] == [case["contact"]["number"]]
    mine = await listing(client, reception, path, party=party, mine=True)
    assert [c["number"] for c in mine["items"]] == [case["contact"]["number"]]
    now = time.time()
    assert (await listing(client, agent, path, party=party, received_from=iso(now + 600)))[
        "items"
    ] == []
    assert (
        len(
            (
                await listing(
                    client,
                    agent,
                    path,
                    party=party,
                    received_from=iso(now - 600),
                    received_to=iso(now + 600),
                )
            )["items"]
        )
        == 3
    )
    pages = [await listing(client, agent, path, party=party, limit=2)]
    pages.append(
        await listing(client, agent, path, party=party, limit=2, cursor=pages[0]["next_cursor"])
    )
    assert [c["number"] for p in pages for c in p["items"]] == [
        c["number"] for c in everything["items"]
    ]
    assert pages[1]["next_cursor"] is None
    one = await client.get(f"{path}/{numbers[0]}", headers=agent)
    assert one.status_code == 200 and one.json()["channel"] == "phone"
    assert datetime.fromisoformat(one.json()["received_at"]).tzinfo is not None


async def test_contacts_of_a_secret_case_are_hidden(client, auth_headers, org_setup):
    registrator, agent = await auth_headers("registrator"), await auth_headers("agent")
    party = await new_party(client, agent)
    secret = await contact(
        client,
        registrator,
        channel="letter",
        party_id=party,
        case_type=org_setup["bygglov"],
        open_case=True,
        secret=True,
    )
    number = secret["contact"]["number"]
    assert (await listing(client, agent, "/api/v1/contacts", party=party))["items"] == []
    assert (await client.get(f"/api/v1/contacts/{number}", headers=agent)).status_code == 404
    owner = await client.get(f"/api/v1/contacts/{number}", headers=registrator)
    assert owner.status_code == 200 and owner.json()["case"] == secret["case"]["number"]


async def test_contact_bad_input(client, auth_headers):
    agent = await auth_headers("agent")
    for params in (
        {"channel": "pigeon"},
        {"party": "abc"},
        {"received_from": "2026-01-01"},
        {"received_from": "2026-01-01T00:00:00"},
        {"answer_group": "no-such-group"},
        {"mine": "maybe"},
        {"cursor": "x"},
    ):
        response = await client.get("/api/v1/contacts", headers=agent, params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    unknown = await client.get("/api/v1/contacts", headers=agent, params={"channel": "pigeon"})
    assert "phone" in unknown.json()["detail"]  # the valid channels are named
    missing = await client.get("/api/v1/contacts/K1999-0000000", headers=agent)
    assert missing.status_code == 404


async def test_callbacks_by_assignee_mine_overdue(client, auth_headers, org_setup, role_users):
    agent, officer = await auth_headers("agent"), await auth_headers("case_officer")
    now = time.time()
    late = await client.post(
        "/api/v1/callbacks",
        headers=agent,
        json={
            "phone": "08-123 456 70",
            "preferred_from": iso(now - 7200),
            "preferred_to": iso(now - 3600),
            "assignee": role_users["case_officer"],
        },
    )
    assert late.status_code == 201, late.text
    assert late.json()["assignee"] == role_users["case_officer"]
    later = await client.post(
        "/api/v1/callbacks",
        headers=agent,
        json={"phone": "08-123 456 71", "preferred_to": iso(now + 3600)},
    )
    path = "/api/v1/callbacks"
    ids = {late.json()["id"], later.json()["id"]}
    mine = await listing(client, officer, path, mine=True, limit=500)
    assert late.json()["id"] in {c["id"] for c in mine["items"]}
    assert later.json()["id"] not in {c["id"] for c in mine["items"]}
    theirs = await listing(client, agent, path, assignee=role_users["case_officer"], limit=500)
    assert {c["assignee"] for c in theirs["items"]} == {role_users["case_officer"]}
    overdue = await listing(client, agent, path, overdue=True, limit=500)
    assert late.json()["id"] in {c["id"] for c in overdue["items"]}
    assert later.json()["id"] not in {c["id"] for c in overdue["items"]}
    pending = await listing(client, agent, path, limit=500)
    assert ids <= {c["id"] for c in pending["items"]}
    await client.post(
        f"{path}/{later.json()['id']}/attempts", headers=agent, json={"outcome": "cancelled"}
    )
    cancelled = await listing(client, agent, path, outcome="cancelled", limit=500)
    assert later.json()["id"] in {c["id"] for c in cancelled["items"]}
    one = await client.get(f"{path}/{late.json()['id']}", headers=agent)
    assert one.status_code == 200 and one.json()["phone"] == "+46812345670"


async def test_callback_bad_input(client, auth_headers):
    agent = await auth_headers("agent")
    for params in (
        {"outcome": "all"},
        {"outcome": "no_answer"},
        {"assignee": "no-such-user"},
        {"overdue": "maybe"},
        {"cursor": "eyJ4Ijox"},
    ):
        response = await client.get("/api/v1/callbacks", headers=agent, params=params)
        assert response.status_code == 400, (params, response.text)
    assert (await client.get("/api/v1/callbacks/999999", headers=agent)).status_code == 404
    for bad in ("0", str(2**64)):
        assert (await client.get(f"/api/v1/callbacks/{bad}", headers=agent)).status_code == 400
    assert (await client.get("/api/v1/callbacks/abc", headers=agent)).status_code == 404
    unknown_assignee = await client.post(
        "/api/v1/callbacks", headers=agent, json={"phone": "0812345678", "assignee": "nobody-x"}
    )
    assert unknown_assignee.status_code == 400


async def test_callback_of_a_secret_case_is_hidden(client, auth_headers, org_setup):
    registrator, agent = await auth_headers("registrator"), await auth_headers("agent")
    number = await open_case(client, registrator, org_setup["bygglov"], secret=True)
    created = await client.post(
        "/api/v1/callbacks", headers=registrator, json={"phone": "0812345672", "case": number}
    )
    callback = created.json()["id"]
    assert (await client.get(f"/api/v1/callbacks/{callback}", headers=agent)).status_code == 404
    listed = await listing(client, agent, "/api/v1/callbacks", limit=500)
    assert callback not in {c["id"] for c in listed["items"]}
    attempt = await client.post(
        f"/api/v1/callbacks/{callback}/attempts", headers=agent, json={"outcome": "reached"}
    )
    assert attempt.status_code == 404


async def test_a_citizens_history(client, auth_headers, org_setup):
    agent, registrator = await auth_headers("agent"), await auth_headers("registrator")
    party = await new_party(client, agent)
    asked = await contact(client, agent, channel="phone", party_id=party, summary="Fråga")
    opened = await contact(
        client,
        agent,
        channel="email",
        party_id=party,
        case_type=org_setup["bygglov"],
        open_case=True,
    )
    await contact(
        client,
        registrator,
        channel="letter",
        party_id=party,
        case_type=org_setup["bygglov"],
        open_case=True,
        secret=True,
    )
    path = f"/api/v1/parties/{party}/history"
    history = await listing(client, agent, path)
    kinds = [(item["kind"], item["number"]) for item in history["items"]]
    assert set(kinds) == {
        ("contact", asked["contact"]["number"]),
        ("contact", opened["contact"]["number"]),
        ("case", opened["case"]["number"]),
    }
    assert history["total"] == 3
    times = [item["at"] for item in history["items"]]
    assert times == sorted(times, reverse=True)
    first = await listing(client, agent, path, limit=2)
    rest = await listing(client, agent, path, limit=2, cursor=first["next_cursor"])
    assert first["items"] + rest["items"] == history["items"] and rest["next_cursor"] is None
    everything = await listing(client, await auth_headers("supervisor"), path)
    assert everything["total"] == 5
    assert (await client.get("/api/v1/parties/999999/history", headers=agent)).status_code == 404
    for bad in ("0", str(2**64), "abc"):
        response = await client.get(f"/api/v1/parties/{bad}/history", headers=agent)
        assert response.status_code in (400, 404), response.text
    wrong = await client.get(path, headers=agent, params={"cursor": first["next_cursor"][:-2]})
    assert wrong.status_code == 400
