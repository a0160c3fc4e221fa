"""The organisation API: departments, answer groups, members, case types, competence."""

from __future__ import annotations

import uuid

from core.audit.tables import AuditEntry


async def test_org_round_trip_and_audit(client, auth_headers, role_users):
    admin = await auth_headers("supervisor")
    code = f"KFN{uuid.uuid4().hex[:5].upper()}"
    dept = await client.put(
        f"/api/v1/org/departments/{code}",
        headers=admin,
        json={"name_sv": "Kultur- och fritidsnämnden"},
    )
    assert dept.status_code == 200, dept.text
    group = await client.put(
        f"/api/v1/org/groups/{code.lower()}",
        headers=admin,
        json={"name_sv": "Fritid", "department": code, "languages": ["sv", "fi"]},
    )
    assert group.status_code == 200, group.text
    members = await client.put(
        f"/api/v1/org/groups/{code.lower()}/members",
        headers=admin,
        json={"members": [{"username": role_users["agent"]}]},
    )
    assert [m["username"] for m in members.json()["members"]] == [role_users["agent"]]
    case_type = await client.put(
        f"/api/v1/org/case-types/lokal-{code.lower()}",
        headers=admin,
        json={
            "name_sv": "Lokalbokning",
            "department": code,
            "rosa_level": 3,
            "public": True,
            "unit_price_ore": 4500,
        },
    )
    assert case_type.status_code == 200, case_type.text
    assert case_type.json()["kc_may_close"] is True
    competence = await client.put(
        f"/api/v1/org/competence/{role_users['agent']}",
        headers=admin,
        json={"case_types": [f"lokal-{code.lower()}"], "groups": [code.lower()]},
    )
    assert competence.json()["case_types"] == [f"lokal-{code.lower()}"]
    agent = await auth_headers("agent")
    listed = (await client.get("/api/v1/org/case-types", headers=agent)).json()
    assert f"lokal-{code.lower()}" in [t["code"] for t in listed]
    actions = {
        a["action"]
        for a in await AuditEntry.select(AuditEntry.action).where(
            AuditEntry.object_id.like(f"%{code.lower()}%") | (AuditEntry.object_id == code)
        )
    }
    assert {"department.save", "group.save", "group.members", "case_type.save"} <= actions


async def test_org_bad_input_is_refused_and_changes_nothing(client, auth_headers):
    admin = await auth_headers("supervisor")
    code = f"MN{uuid.uuid4().hex[:5].upper()}"
    cases = [
        ("/api/v1/org/departments/bad code!", {"name_sv": "x"}, 400),
        (f"/api/v1/org/departments/{code}", {"name_sv": ""}, 400),
        (f"/api/v1/org/departments/{code}", {"name_sv": "x", "kind": "club"}, 400),
        (f"/api/v1/org/departments/{code}", {"name_sv": "x", "email": "nope"}, 400),
        (f"/api/v1/org/groups/{code}", {"name_sv": "x", "department": "NO-SUCH"}, 400),
        (f"/api/v1/org/case-types/t-{code}", {"name_sv": "x", "department": "NO-SUCH"}, 400),
        (
            f"/api/v1/org/case-types/t-{code}",
            {"name_sv": "x", "department": "NO-SUCH", "rosa_level": 9},
            400,
        ),
        (f"/api/v1/org/groups/{code}/members", {"members": [{"username": "x"}]}, 404),
        (f"/api/v1/org/departments/{code}", {"name_sv": "x", "colour": "red"}, 400),
    ]
    for path, body, status in cases:
        response = await client.put(path, headers=admin, json=body)
        assert response.status_code == status, (path, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    departments = (await client.get("/api/v1/org/departments", headers=admin)).json()
    assert code not in [d["code"] for d in departments]
    await client.put(f"/api/v1/org/departments/{code}", headers=admin, json={"name_sv": "Miljö"})
    rosa6 = await client.put(
        f"/api/v1/org/case-types/t-{code}",
        headers=admin,
        json={"name_sv": "Tillsyn", "department": code, "rosa_level": 6, "kc_may_close": True},
    )
    assert rosa6.status_code == 400
    agent = await auth_headers("agent")
    denied = await client.put(
        f"/api/v1/org/departments/{code}", headers=agent, json={"name_sv": "x"}
    )
    assert denied.status_code == 403
