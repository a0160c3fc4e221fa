"""Case search on GET /api/v1/cases: every filter, secrecy inside the query, keyset pages,
party names (protected identity), and bad input as 400 problems."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime

from core.cases.tables import Case
from tests.core.cases.test_case_flow import open_case, register

PROBLEM = "application/problem+json"


async def new_party(client, headers, **extra) -> int:
    body = {"kind": "person", "name": f"Test {uuid.uuid4().hex[:8]}", **extra}
    created = await client.post("/api/v1/parties", headers=headers, json=body)
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def cases(client, headers, **params) -> dict:
    response = await client.get("/api/v1/cases", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def personnummer() -> str:
    """A valid personnummer nobody else in the session has (random serial, Luhn digit)."""
    digits = f"19{random.randint(40, 99)}0{random.randint(1, 9)}1{random.randint(0, 9)}"
    serial = f"{random.randint(0, 999):03d}"
    body = digits[2:] + serial
    total = 0
    for index, char in enumerate(body):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{digits}-{serial}{(10 - total % 10) % 10}"


def numbers(page: dict) -> list[str]:
    return [item["number"] for item in page["items"]]


async def test_secrecy_is_inside_the_query(client, auth_headers, org_setup):
    """An agent asking for 3 gets 3 visible cases even when newer secret ones exist."""
    agent, registrator = await auth_headers("agent"), await auth_headers("registrator")
    party = await new_party(client, agent)
    mine = [await open_case(client, agent, org_setup["bygglov"], party_id=party) for _ in range(3)]
    for _ in range(4):
        await open_case(client, registrator, org_setup["bygglov"], party_id=party, secret=True)
    page = await cases(client, agent, party=party, limit=3)
    assert sorted(numbers(page)) == sorted(mine)
    assert page["next_cursor"] is None and page["total"] == 3
    everything = await cases(client, await auth_headers("supervisor"), party=party, limit=3)
    assert len(everything["items"]) == 3 and everything["total"] == 7
    assert everything["next_cursor"] is not None


async def test_keyset_pages_cover_everything_once_newest_first(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    party = await new_party(client, agent)
    opened = [
        await open_case(client, agent, org_setup["bygglov"], party_id=party) for _ in range(5)
    ]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"party": party, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await cases(client, agent, **params)
        assert page["total"] == 5
        seen += numbers(page)
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == list(reversed(opened))


async def test_filters(client, auth_headers, org_setup, role_users):
    agent, officer = await auth_headers("agent"), await auth_headers("case_officer")
    pnr = personnummer()
    party = await new_party(client, agent, id_number=pnr)
    bygglov = await open_case(client, agent, org_setup["bygglov"], party_id=party)
    tillsyn = await open_case(
        client,
        agent,
        org_setup["tillsyn"],
        party_id=party,
        subject="Buller från fläktarna på taket",
    )
    await client.post(
        f"/api/v1/cases/{tillsyn}/forward",
        headers=agent,
        json={"kind": "user", "target": role_users["case_officer"], "reason": "Tillsyn"},
    )
    await client.post(
        f"/api/v1/cases/{tillsyn}/status", headers=officer, json={"status": "investigating"}
    )
    assert numbers(await cases(client, agent, id_number=pnr.replace("-", ""))) == [
        tillsyn,
        bygglov,
    ]
    assert numbers(await cases(client, agent, party=party, case_type=org_setup["tillsyn"])) == [
        tillsyn
    ]
    assert numbers(await cases(client, agent, party=party, status="investigating")) == [tillsyn]
    both = await client.get(
        "/api/v1/cases",
        headers=agent,
        params=[("party", party), ("status", "investigating"), ("status", "received")],
    )
    assert numbers(both.json()) == [tillsyn, bygglov]
    assert numbers(await cases(client, agent, party=party, status="closed")) == []
    assigned = await cases(client, agent, party=party, assignee=role_users["case_officer"])
    assert numbers(assigned) == [tillsyn]
    assert numbers(await cases(client, agent, party=party, owner=role_users["agent"])) == [
        tillsyn,
        bygglov,
    ]
    assert numbers(await cases(client, agent, party=party, owner=role_users["supervisor"])) == []
    assert numbers(await cases(client, agent, party=party, department=org_setup["department"])) == [
        tillsyn,
        bygglov,
    ]
    assert numbers(await cases(client, officer, party=party, mine=True)) == [tillsyn]
    # the stemmed Swedish full text: "fläkten" finds "fläktarna"
    assert numbers(await cases(client, agent, party=party, q="fläkten taket")) == [tillsyn]
    assert numbers(await cases(client, agent, party=party, q="och")) == []  # stop words only
    name = (await client.get(f"/api/v1/parties/{party}", headers=agent)).json()["name"]
    assert numbers(await cases(client, agent, name=name[5:].upper())) == [tillsyn, bygglov]
    now = time.time()
    later = datetime.fromtimestamp(now + 3600, UTC).isoformat()
    earlier = datetime.fromtimestamp(now - 3600, UTC).isoformat()
    assert numbers(await cases(client, agent, party=party, created_from=later)) == []
    assert numbers(await cases(client, agent, party=party, created_to=later)) == [
        tillsyn,
        bygglov,
    ]
    assert numbers(await cases(client, agent, party=party, updated_from=earlier)) == [
        tillsyn,
        bygglov,
    ]
    assert numbers(await cases(client, agent, party=party, updated_to=earlier)) == []
    await Case.update({Case.sla_state: "breached"}).where(Case.number == bygglov)
    assert numbers(await cases(client, agent, party=party, overdue=True)) == [bygglov]


async def test_no_filter_is_silently_ignored(client, auth_headers):
    """A search naming nobody finds nothing (it used to return the unfiltered list)."""
    agent = await auth_headers("agent")
    assert (await cases(client, agent, party=2**52))["items"] == []
    assert (await cases(client, agent, id_number=personnummer()))["items"] == []
    assert (await cases(client, agent, name="ingen-heter-så-här-" + uuid.uuid4().hex))[
        "items"
    ] == []
    assert (await cases(client, agent, q="zz" + uuid.uuid4().hex))["items"] == []


async def test_bad_input_is_a_problem(client, auth_headers):
    agent = await auth_headers("agent")
    for params in (
        {"status": "bogus"},
        {"cursor": "not-a-cursor"},
        {"created_from": "2026-01-01T00:00:00"},  # no time zone
        {"created_from": "yesterday"},
        {"case_type": "no-such-type"},
        {"department": "NOPE"},
        {"owner": "no-such-user"},
        {"id_number": "19900101-0018"},  # bad check digit
        {"party": 2**63},
        {"party": 0},
        {"q": "x" * 201},
        {"name": "a\x00b"},
        {"limit": 501},
    ):
        response = await client.get("/api/v1/cases", headers=agent, params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    other_list = (await client.get("/api/v1/contacts", headers=agent, params={"limit": 1})).json()
    if other_list["next_cursor"]:
        wrong = await client.get(
            "/api/v1/cases", headers=agent, params={"cursor": other_list["next_cursor"]}
        )
        assert wrong.status_code == 400


async def test_party_names_and_protected_identity(client, auth_headers, org_setup):
    agent, supervisor = await auth_headers("agent"), await auth_headers("supervisor")
    plain = await new_party(client, agent, name="Greta Gustafsson")
    shielded = await new_party(client, agent, name="Hemlig Person", protected_identity=True)
    open_plain = await open_case(client, agent, org_setup["bygglov"], party_id=plain)
    listed = (await cases(client, agent, party=plain))["items"][0]
    assert listed["party"] == plain and listed["party_name"] == "Greta Gustafsson"
    shown = (await client.get(f"/api/v1/cases/{open_plain}", headers=agent)).json()
    assert shown["party_name"] == "Greta Gustafsson"
    created = await register(
        client,
        agent,
        channel="phone",
        case_type=org_setup["bygglov"],
        open_case=True,
        party_id=shielded,
    )
    case = created.json()["case"]
    assert case["secret"] is True  # protected identity: secret by default
    assert case["party_name"] == "Skyddad identitet"
    english = await client.get(
        "/api/v1/cases", headers={**agent, "Accept-Language": "en"}, params={"party": shielded}
    )
    assert english.json()["items"][0]["party_name"] == "Protected identity"
    other = await auth_headers("crisis_team")
    assert (await client.get(f"/api/v1/cases/{case['number']}", headers=other)).status_code == 404
    assert (await cases(client, other, party=shielded))["items"] == []
    seen = (await cases(client, supervisor, party=shielded))["items"][0]
    assert seen["party_name"] == "Hemlig Person" and seen["secret"] is True


async def test_timeline_times_are_iso_8601(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["bygglov"])
    case = (await client.get(f"/api/v1/cases/{number}", headers=agent)).json()
    for entry in case["timeline"]:
        assert datetime.fromisoformat(entry["at"]).tzinfo is not None
    item = (await cases(client, agent, limit=1))["items"][0]
    assert datetime.fromisoformat(item["created_at"]).tzinfo is not None


async def test_openapi_lists_the_closed_lists(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert "received" in str(parameters["status"]["schema"])
    bodies = schema["components"]["schemas"]
    assert bodies["PriorityBody"]["properties"]["priority"]["enum"] == [
        "low",
        "normal",
        "high",
        "urgent",
    ]
    assert set(bodies["ForwardBody"]["properties"]["kind"]["enum"]) == {
        "user",
        "group",
        "department",
        "external",
    }
    assert "closed" in bodies["StatusBody"]["properties"]["status"]["enum"]
    outcome = {p["name"]: p for p in schema["paths"]["/api/v1/callbacks"]["get"]["parameters"]}[
        "outcome"
    ]
    assert set(outcome["schema"]["enum"]) == {"pending", "reached", "cancelled"}
    for item in ("CaseItem", "ContactItem", "CallbackItem", "HistoryItem"):
        properties = bodies[item]["properties"]
        times = [name for name in properties if name.endswith("_at") or name == "at"]
        assert times and all("date-time" in str(properties[name]) for name in times), item
    assert "enum" in str(bodies["CaseItem"]["properties"]["status"])


async def test_nul_characters_are_refused_naming_the_field(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    bad = await register(client, agent, channel="phone", summary="Hej\x00då")
    assert bad.status_code == 400, bad.text
    assert "summary" in bad.text
    number = await open_case(client, agent, org_setup["bygglov"])
    before = (await client.get(f"/api/v1/cases/{number}", headers=agent)).json()
    for path, body, name in (
        (f"/api/v1/cases/{number}/notes", {"text": "a\x00b"}, "text"),
        (
            f"/api/v1/cases/{number}/status",
            {"status": "waiting", "public_text": "\x00"},
            "public_text",
        ),
        ("/api/v1/callbacks", {"phone": "08-123 456 78", "notes": "\x00"}, "notes"),
        ("/api/v1/contacts", {"channel": "phone", "party": {"name": "A\x00"}}, "name"),
    ):
        response = await client.post(path, headers=agent, json=body)
        assert response.status_code == 400, (path, response.text)
        assert name in response.text
    after = (await client.get(f"/api/v1/cases/{number}", headers=agent)).json()
    assert after["timeline"] == before["timeline"] and after["status"] == "received"


async def test_an_unknown_value_names_the_valid_ones(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    listed = await client.get("/api/v1/cases", headers=agent, params={"status": "bogus"})
    assert listed.status_code == 400
    assert "in_progress" in listed.text and "investigating" in listed.text
    number = await open_case(client, agent, org_setup["bygglov"])
    for path, body, valid in (
        (f"/api/v1/cases/{number}/priority", {"priority": "asap"}, "urgent"),
        (f"/api/v1/cases/{number}/forward", {"kind": "x", "target": "t", "reason": "r"}, "group"),
        ("/api/v1/callbacks/1/attempts", {"outcome": "maybe"}, "no_answer"),
    ):
        response = await client.post(path, headers=agent, json=body)
        assert response.status_code == 400, response.text
        assert valid in response.text, response.text
    outcome = await client.get("/api/v1/callbacks", headers=agent, params={"outcome": "all"})
    assert outcome.status_code == 400 and "cancelled" in outcome.text


async def test_cases_inserted_in_bulk_are_indexed_by_index_cases(client, auth_headers, org_setup):
    """Bulk loaders (the demo history) write cases without the service; index_cases() makes
    them findable by free text."""
    from core import db
    from core.cases import search
    from core.db import raw

    agent = await auth_headers("agent")
    word = "snöskottning" + uuid.uuid4().hex[:6]
    number = await open_case(client, agent, org_setup["bygglov"], subject=f"Fråga om {word}")
    row = await raw.fetchrow("SELECT id FROM kc_case WHERE number = ?", number)
    postgres = db.get_engine().engine_type == "postgres"
    async with db.transaction():
        if postgres:
            await raw.fetch("DELETE FROM kc_case_search WHERE case_id = ?", row["id"])
        else:
            await raw.fetch("DELETE FROM kc_case_fts WHERE rowid = ?", row["id"])
    assert numbers(await cases(client, agent, q=word)) == []
    async with db.transaction():
        await search.index_cases([row["id"]])
    assert numbers(await cases(client, agent, q=word)) == [number]
