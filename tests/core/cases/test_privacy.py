"""Protected identities and secret cases: hidden from those without a need, every view audited."""

from __future__ import annotations

from core.audit.tables import AuditEntry
from tests.core.cases.test_case_flow import open_case, register


async def test_protected_identity_is_hidden_and_views_are_audited(client, auth_headers):
    agent = await auth_headers("agent")
    created = await client.post(
        "/api/v1/parties",
        headers=agent,
        json={
            "kind": "person",
            "name": "Skyddad Person",
            "id_number": "19121212-1212",
            "phone": "0701112233",
            "protected_identity": True,
        },
    )
    assert created.status_code == 201, created.text
    party_id = created.json()["id"]
    seen_by_agent = (await client.get(f"/api/v1/parties/{party_id}", headers=agent)).json()
    assert seen_by_agent["name"] == "Skyddad identitet"
    assert "phone" not in seen_by_agent and "id_number" not in seen_by_agent
    officer = await auth_headers("case_officer")
    before = await AuditEntry.count().where(
        (AuditEntry.object_type == "party")
        & (AuditEntry.object_id == str(party_id))
        & (AuditEntry.action == "read")
    )
    seen = (await client.get(f"/api/v1/parties/{party_id}", headers=officer)).json()
    assert seen["name"] == "Skyddad Person" and seen["phone"] == "+46701112233"
    after = await AuditEntry.count().where(
        (AuditEntry.object_type == "party")
        & (AuditEntry.object_id == str(party_id))
        & (AuditEntry.action == "read")
    )
    assert after == before + 1


async def test_secret_case_is_invisible_to_other_agents(client, auth_headers, org_setup):
    registrator = await auth_headers("registrator")
    created = await register(
        client,
        registrator,
        channel="letter",
        open_case=True,
        case_type=org_setup["bygglov"],
        secret=True,
    )
    number = created.json()["case"]["number"]
    agent = await auth_headers("agent")
    assert (await client.get(f"/api/v1/cases/{number}", headers=agent)).status_code == 404
    listed = (await client.get("/api/v1/cases", headers=agent)).json()
    assert number not in [c["number"] for c in listed["items"]]
    supervisor = await auth_headers("supervisor")
    seen = await client.get(f"/api/v1/cases/{number}", headers=supervisor)
    assert seen.status_code == 200 and seen.json()["secret"] is True
    reads = await AuditEntry.count().where(
        (AuditEntry.object_id == number) & (AuditEntry.action == "read")
    )
    assert reads >= 1
    assert (await client.get(f"/api/v1/cases/{number}", headers=registrator)).status_code == 200


async def test_only_holders_of_cases_secret_change_secrecy(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["bygglov"])
    denied = await client.post(
        f"/api/v1/cases/{number}/secrecy", headers=agent, json={"secret": True}
    )
    assert denied.status_code == 403
    supervisor = await auth_headers("supervisor")
    done = await client.post(
        f"/api/v1/cases/{number}/secrecy", headers=supervisor, json={"secret": True}
    )
    assert done.status_code == 200 and done.json()["secret"] is True
