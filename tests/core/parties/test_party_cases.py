"""What a party's later changes mean for its contacts and cases: a contact for a merged
party lands on the survivor, and a party marked protected later makes its open cases secret."""

from __future__ import annotations

import json

from core.audit.tables import AuditEntry
from core.db import raw
from tests.core.parties.conftest import register, unique_name
from tests.core.parties.test_merge import create, merge


async def test_a_contact_for_a_merged_party_goes_to_the_survivor(client, auth_headers, case_type):
    agent, supervisor = await auth_headers("agent"), await auth_headers("supervisor")
    name = unique_name("Siv")
    survivor = await create(client, agent, name=name, phone="0705550411")
    twin = await create(client, agent, name=name, email="siv@example.org")
    done = await merge(client, supervisor, twin, into=survivor, reason="Samma person")
    assert done.status_code == 200, done.text
    opened = await register(client, agent, party_id=twin, case_type=case_type, open_case=True)
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert body["contact"]["party"] == survivor and body["case"]["party"] == survivor
    for table, number in (
        ("contact", body["contact"]["number"]),
        ("kc_case", body["case"]["number"]),
    ):
        row = await raw.fetchrow(f"SELECT party FROM {table} WHERE number = ?", number)
        assert row["party"] == survivor
    missing = await register(client, agent, party_id=2**40)
    assert missing.status_code == 400


async def test_marking_a_party_protected_makes_its_open_cases_secret(
    client, auth_headers, case_type
):
    agent = await auth_headers("agent")
    party = await create(client, agent, name=unique_name("Eva"))
    open_case = (
        await register(client, agent, party_id=party, case_type=case_type, open_case=True)
    ).json()["case"]
    closed_case = (
        await register(
            client,
            agent,
            party_id=party,
            case_type=case_type,
            open_case=True,
            resolved_first_contact=True,
        )
    ).json()["case"]
    assert not open_case["secret"] and closed_case["status"] == "closed"
    changed = await client.patch(
        f"/api/v1/parties/{party}", headers=agent, json={"protected_identity": True}
    )
    assert changed.status_code == 200, changed.text
    rows = {
        row["number"]: bool(row["secret"])
        for row in await raw.fetch("SELECT number, secret FROM kc_case WHERE party = ?", party)
    }
    assert rows == {open_case["number"]: True, closed_case["number"]: False}
    entries = await AuditEntry.select().where(
        (AuditEntry.action == "case.secrecy") & (AuditEntry.object_id == open_case["number"])
    )
    assert len(entries) == 1
    assert json.loads(entries[0]["details"]) == {
        "secret": True,
        "reason": "protected_identity",
        "party": party,
    }
    timeline = await raw.fetch(
        'SELECT e.kind FROM case_event e JOIN kc_case c ON c.id = e."case" WHERE c.number = ?',
        open_case["number"],
    )
    assert "secrecy" in [row["kind"] for row in timeline]
    # marking it again (or changing something else) audits no second change
    again = await client.patch(
        f"/api/v1/parties/{party}", headers=agent, json={"protected_identity": True}
    )
    assert again.status_code == 200
    assert (
        await AuditEntry.count().where(
            (AuditEntry.action == "case.secrecy") & (AuditEntry.object_id == open_case["number"])
        )
        == 1
    )
