"""kc_may_close on every path that ends a case, for every role; the closing reason."""

from __future__ import annotations

import json
import uuid

import pytest

from core.audit.tables import AuditEntry
from core.auth import service as users
from core.cases.tables import Case
from core.org import service as org
from tests.conftest import ROLE_PASSWORD, login
from tests.core.cases.test_case_flow import open_case

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
async def officers(client, org_setup) -> dict[str, dict[str, str]]:
    """Headers of case officers of the case type's department: one in its answer group, one
    with the case type in their competence profile."""
    suffix = uuid.uuid4().hex[:6]
    member, competent = f"officer-group-{suffix}", f"officer-competence-{suffix}"
    for username in (member, competent):
        await users.create_user("test", username, username, ROLE_PASSWORD, ["case_officer"])
    group = f"tillsyn-{suffix}"
    await org.save_group(
        "test", group, {"name_sv": "Tillsyn", "department": org_setup["department"]}
    )
    await org.set_members("test", group, [{"username": member, "virtual": True}])
    await org.set_competence("test", competent, [org_setup["tillsyn"]], [])
    return {
        "group": await login(client, member, ROLE_PASSWORD),
        "competence": await login(client, competent, ROLE_PASSWORD),
    }


async def close(client, headers, number: str, reason: str = "Beslut meddelat"):
    return await client.post(
        f"/api/v1/cases/{number}/status",
        headers=headers,
        json={"status": "closed", "reason": reason},
    )


async def status_of(number: str) -> str:
    return (await Case.select(Case.status).where(Case.number == number).first())["status"]


@pytest.mark.parametrize(
    "role", ["agent", "supervisor", "crisis_team", "registrator", "case_officer", "admin"]
)
async def test_the_contact_center_may_not_close_a_back_office_case(
    client, auth_headers, org_setup, role
):
    """Agents, supervisors, the crisis team, the registrator, a case officer of another
    department and the administrator are refused, and nothing changes."""
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["tillsyn"])
    response = await close(client, await auth_headers(role), number)
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert await status_of(number) == "received"


@pytest.mark.parametrize("role", ["reception", "it_admin"])
async def test_roles_without_case_work_cannot_close_at_all(client, auth_headers, org_setup, role):
    number = await open_case(client, await auth_headers("agent"), org_setup["bygglov"])
    assert (await close(client, await auth_headers(role), number)).status_code == 403
    assert await status_of(number) == "received"


@pytest.mark.parametrize("how", ["group", "competence"])
async def test_the_departments_case_officer_may_close(
    client, auth_headers, org_setup, officers, how
):
    number = await open_case(client, await auth_headers("agent"), org_setup["tillsyn"])
    response = await close(client, officers[how], number, "Tillsynen avslutad utan åtgärd")
    assert response.status_code == 200, response.text
    last = response.json()["timeline"][-1]
    assert last["data"] == {
        "from": "received",
        "to": "closed",
        "reason": "Tillsynen avslutad utan åtgärd",
    }
    assert await status_of(number) == "closed"
    entry = (
        await AuditEntry.select(AuditEntry.details)
        .where((AuditEntry.object_id == number) & (AuditEntry.action == "case.status"))
        .first()
    )
    assert json.loads(entry["details"])["reason"] == "Tillsynen avslutad utan åtgärd"


async def test_the_assigned_case_officer_may_close(client, auth_headers, org_setup, role_users):
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["tillsyn"])
    forwarded = await client.post(
        f"/api/v1/cases/{number}/forward",
        headers=agent,
        json={"kind": "user", "target": role_users["case_officer"], "reason": "Tillsyn"},
    )
    assert forwarded.status_code == 200, forwarded.text
    assert (await close(client, await auth_headers("case_officer"), number)).status_code == 200


@pytest.mark.parametrize("role", ["agent", "supervisor", "case_officer"])
async def test_a_kc_closable_case_closes_for_every_case_worker(
    client, auth_headers, org_setup, role
):
    number = await open_case(client, await auth_headers("agent"), org_setup["bygglov"])
    assert (await close(client, await auth_headers(role), number)).status_code == 200


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 2001])
async def test_closing_needs_a_reason(client, auth_headers, org_setup, reason):
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["bygglov"])
    body = {"status": "closed"} if reason is None else {"status": "closed", "reason": reason}
    response = await client.post(f"/api/v1/cases/{number}/status", headers=agent, json=body)
    assert response.status_code == 400, response.text
    assert await status_of(number) == "received"


async def test_merge_is_an_end_too(client, auth_headers, org_setup, officers):
    agent = await auth_headers("agent")
    duplicate = await open_case(client, agent, org_setup["tillsyn"])
    target = await open_case(client, agent, org_setup["tillsyn"])
    body = {"into": target, "reason": "Samma tillsyn"}
    refused = await client.post(f"/api/v1/cases/{duplicate}/merge", headers=agent, json=body)
    assert refused.status_code == 403, refused.text
    assert await status_of(duplicate) == "received"
    no_reason = await client.post(
        f"/api/v1/cases/{duplicate}/merge", headers=officers["group"], json={"into": target}
    )
    assert no_reason.status_code == 400
    merged = await client.post(
        f"/api/v1/cases/{duplicate}/merge", headers=officers["group"], json=body
    )
    assert merged.status_code == 200, merged.text
    assert await status_of(duplicate) == "closed"
    shown = (await client.get(f"/api/v1/cases/{duplicate}", headers=officers["group"])).json()
    assert shown["timeline"][-1]["data"]["reason"] == "Samma tillsyn"


async def test_closing_at_the_first_contact_is_refused_for_back_office_types(
    client, auth_headers, org_setup
):
    agent = await auth_headers("agent")
    response = await client.post(
        "/api/v1/contacts",
        headers=agent,
        json={
            "channel": "phone",
            "case_type": org_setup["tillsyn"],
            "open_case": True,
            "resolved_first_contact": True,
        },
    )
    assert response.status_code == 400
    resolved = await client.post(
        "/api/v1/contacts",
        headers=agent,
        json={
            "channel": "phone",
            "case_type": org_setup["bygglov"],
            "open_case": True,
            "resolved_first_contact": True,
        },
    )
    assert resolved.status_code == 201, resolved.text
    case = await client.get(f"/api/v1/cases/{resolved.json()['case']['number']}", headers=agent)
    closing = [e for e in case.json()["timeline"] if e["data"].get("to") == "closed"]
    assert closing[0]["data"]["reason"] == "Resolved at the first contact"


async def test_priority_of_a_closed_case_is_refused(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["bygglov"])
    assert (await close(client, agent, number)).status_code == 200
    response = await client.post(
        f"/api/v1/cases/{number}/priority", headers=agent, json={"priority": "urgent"}
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    row = await Case.select(Case.priority).where(Case.number == number).first()
    assert row["priority"] == "normal"
