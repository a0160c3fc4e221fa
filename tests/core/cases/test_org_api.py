"""The organisation API: departments, answer groups, members, case types, competence."""

from __future__ import annotations

import uuid

from core import paging
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
    listed = (await client.get("/api/v1/org/case-types?limit=500", headers=agent)).json()
    assert f"lokal-{code.lower()}" in [t["code"] for t in listed["items"]]
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
    departments = (await client.get("/api/v1/org/departments?limit=500", headers=admin)).json()
    assert code not in [d["code"] for d in departments["items"]]
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


async def test_org_lists_page_by_code_with_a_cursor_and_a_total(client, auth_headers):
    admin = await auth_headers("supervisor")
    prefix = f"PG{uuid.uuid4().hex[:5].upper()}"
    codes = [f"{prefix}{n}" for n in (3, 1, 2)]
    for code in codes:
        saved = await client.put(
            f"/api/v1/org/departments/{code}", headers=admin, json={"name_sv": code}
        )
        assert saved.status_code == 200, saved.text
        group = await client.put(
            f"/api/v1/org/groups/{code.lower()}", headers=admin, json={"name_sv": code}
        )
        assert group.status_code == 200, group.text
    for path in ("/api/v1/org/departments", "/api/v1/org/groups"):
        seen, cursor, pages = [], None, 0
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(path, headers=admin, params=params)).json()
            assert len(page["items"]) <= 2
            seen += [item["code"] for item in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == page["total"] == len(set(seen)), path
        assert pages == (page["total"] + 1) // 2
        assert seen == sorted(seen)
        mine = [code for code in seen if code.upper().startswith(prefix)]
        assert [code.upper() for code in mine] == sorted(codes)


async def test_org_lists_refuse_a_bad_cursor_or_limit(client, auth_headers):
    admin = await auth_headers("supervisor")
    other = paging.encode_cursor("groups", ("a", 1))  # a well-formed cursor of another list
    for query in ("cursor=nonsense", f"cursor={other}", "limit=0", "limit=501"):
        response = await client.get(f"/api/v1/org/departments?{query}", headers=admin)
        assert response.status_code == 400, (query, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
