"""``GET /api/v1/cases?follow_ups=true``: the cases the signed-in user owns that are handled
elsewhere (forwarded to a department, a group or a colleague): the contact center's follow-ups."""

from __future__ import annotations

from tests.core.cases.test_case_flow import open_case
from tests.core.cases.test_case_search import cases, new_party, numbers


async def forward(client, headers, number: str, kind: str, target: str) -> None:
    moved = await client.post(
        f"/api/v1/cases/{number}/forward",
        headers=headers,
        json={"kind": kind, "target": target, "reason": "Förvaltningen handlägger"},
    )
    assert moved.status_code == 200, moved.text


async def test_owned_cases_forwarded_elsewhere(client, auth_headers, org_setup, role_users):
    agent, supervisor = await auth_headers("agent"), await auth_headers("supervisor")
    party = await new_party(client, agent)
    kind = org_setup["bygglov"]
    to_department = await open_case(client, agent, kind, party_id=party)
    await forward(client, agent, to_department, "department", org_setup["department"])
    to_colleague = await open_case(client, agent, kind, party_id=party)
    await forward(client, agent, to_colleague, "user", role_users["supervisor"])
    kept = await open_case(client, agent, kind, party_id=party)  # nobody else has it
    back_to_me = await open_case(client, agent, kind, party_id=party)
    await forward(client, agent, back_to_me, "user", role_users["agent"])
    someone_elses = await open_case(client, supervisor, kind, party_id=party)
    await forward(client, supervisor, someone_elses, "department", org_setup["department"])

    mine = await cases(client, agent, party=party, follow_ups="true")
    assert numbers(mine) == [to_colleague, to_department]  # newest first
    assert kept in numbers(await cases(client, agent, party=party, mine="true"))
    theirs = await cases(client, supervisor, party=party, follow_ups="true")
    assert numbers(theirs) == [someone_elses]
    # with the other filters: closed ones are not in the open list
    closed = await cases(client, agent, party=party, follow_ups="true", status="closed")
    assert closed["items"] == []
    bad = await client.get("/api/v1/cases", headers=agent, params={"follow_ups": "maybe"})
    assert bad.status_code == 400
