"""The SLA API and services against the real database: calendars, exceptions, agreements,
targets, permissions, audit, and the cached look-ups the case registration uses."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date

import pytest

from core import db, paging
from core.audit.tables import AuditEntry
from core.org.tables import CaseType, Department
from core.sla import agreements, service
from core.sla.calendar import STANDARD, open_intervals
from core.sla.tables import AgreementTarget, BusinessCalendar

CAL = "/api/v1/sla/calendars"
AGR = "/api/v1/sla/agreements"
EN = {"Accept-Language": "en"}
WEEKDAYS = {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def uid() -> str:
    return uuid.uuid4().hex[:8]


async def make_department(calendar: str = "standard") -> dict:
    code = f"D{uid()}"
    async with db.transaction():
        row = Department(code=code, name_sv=code, name_en=code, calendar=calendar)
        await row.save()
    return {"id": row.id, "code": code}


async def make_case_type(department_id: int) -> int:
    code = f"ct-{uid()}"
    async with db.transaction():
        row = CaseType(code=code, name_sv=code, name_en=code, department=department_id)
        await row.save()
    return row.id


async def audited(action: str, object_id) -> list[dict]:
    rows = await AuditEntry.select().where(
        (AuditEntry.action == action) & (AuditEntry.object_id == str(object_id))
    )
    return [dict(r, details=json.loads(r["details"])) for r in rows]


async def every_page(client, path: str, headers: dict, limit: int = 500, **params) -> list[dict]:
    """The items of every page of a list, following its cursor; checks the total."""
    items, cursor = [], None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = await client.get(path, params=query, headers=headers)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            assert len(items) == page.json()["total"]
            return items


@pytest.fixture
async def admin(auth_headers):
    return {**(await auth_headers("supervisor")), **EN}


async def test_standard_calendar_exists_without_a_row(client, auth_headers):
    headers = await auth_headers("agent")
    standard = next(c for c in await every_page(client, CAL, headers) if c["key"] == "standard")
    assert standard["hours"]["mon"] == [["08:00", "17:00"]]
    assert "sat" not in standard["hours"]
    assert (await service.get_calendar("standard")).fingerprint() == STANDARD.fingerprint()
    due = await client.get(
        f"{CAL}/standard/due",
        params={"start": "2025-12-23T16:00", "minutes": 3 * 9 * 60},
        headers=headers,
    )
    assert due.status_code == 200, due.text
    assert due.json()["due_local"] == "2026-01-02T16:00:00+01:00"
    assert due.json()["due"] == "2026-01-02T15:00:00Z"


async def test_calendar_crud_exceptions_and_audit(client, admin):
    key = f"cal-{uid()}"
    body = {"key": key, "name": "Bygglovsenheten", "hours": WEEKDAYS}
    created = await client.post(CAL, json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["hours"]["fri"] == [["08:00", "16:00"]]
    assert created.json()["builtin"] is False
    assert (await client.post(CAL, json=body, headers=admin)).status_code == 409
    assert len(await audited("sla.calendar.create", key)) == 1

    def due(start: str, minutes: int):
        return client.get(
            f"{CAL}/{key}/due", params={"start": start, "minutes": minutes}, headers=admin
        )

    # Wednesday 28 May 2025 15:00 + 2 h: Kristi himmelsfärd on Thursday -> Friday 09:00.
    assert (await due("2025-05-28T15:00", 120)).json()["due_local"].startswith("2025-05-30T09:00")
    klamdag = await client.post(
        f"{CAL}/{key}/exceptions", json={"day": "2025-05-30", "note": "Klämdag"}, headers=admin
    )
    assert klamdag.status_code == 201, klamdag.text
    assert klamdag.json()["closed"] is True
    # Seen at once by the cached calendar (invalidated on change): Monday 09:00.
    assert (await due("2025-05-28T15:00", 120)).json()["due_local"].startswith("2025-06-02T09:00")
    special = await client.post(
        f"{CAL}/{key}/exceptions",
        json={"day": "2025-06-02", "closed": False, "hours": [["10:00", "12:00"]]},
        headers=admin,
    )
    assert special.status_code == 201, special.text
    assert (await due("2025-05-28T15:00", 120)).json()["due_local"].startswith("2025-06-02T11:00")
    listed = await client.get(
        f"{CAL}/{key}/exceptions", params={"from": "2025-05-31"}, headers=admin
    )
    assert [e["day"] for e in listed.json()] == ["2025-06-02"]
    changed = await client.patch(
        f"{CAL}/{key}/exceptions/2025-06-02", json={"hours": [["09:00", "12:00"]]}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert (await due("2025-05-28T15:00", 120)).json()["due_local"].startswith("2025-06-02T10:00")
    assert (
        await client.delete(f"{CAL}/{key}/exceptions/2025-05-30", headers=admin)
    ).status_code == 204
    assert (await due("2025-05-28T15:00", 120)).json()["due_local"].startswith("2025-05-30T09:00")
    assert len(await audited("sla.exception.create", f"{key}/2025-05-30")) == 1
    assert len(await audited("sla.exception.update", f"{key}/2025-06-02")) == 1
    assert len(await audited("sla.exception.delete", f"{key}/2025-05-30")) == 1

    patched = await client.patch(
        f"{CAL}/{key}", json={"hours": {"mon": [["07:00", "09:00"]]}}, headers=admin
    )
    assert patched.status_code == 200
    assert patched.json()["hours"] == {"mon": [["07:00", "09:00"]]}
    cal = await service.get_calendar(key)
    assert cal.weekly[1] == ()
    assert await audited("sla.calendar.update", key)
    assert (await client.delete(f"{CAL}/{key}", headers=admin)).status_code == 204
    assert (await client.get(f"{CAL}/{key}", headers=admin)).status_code == 404
    assert await service.get_calendar(key) is None


@pytest.mark.parametrize(
    "body,needle",
    [
        ({"hours": {"mon": [["08:00", "17:60"]]}}, "HH:MM"),
        ({"hours": {"mon": [["12:00", "08:00"]]}}, "start before it ends"),
        ({"hours": {"mon": [["08:00", "12:00"], ["11:30", "17:00"]]}}, "overlap"),
        ({"hours": {"funday": [["08:00", "12:00"]]}}, "Unknown weekday"),
        ({"hours": {}}, "at least one weekday"),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"key": "Not A Key"}, "calendar key"),
        ({"name": "  "}, "name"),
    ],
)
async def test_bad_calendars_are_refused(client, admin, body, needle):
    payload = {"key": f"bad-{uid()}", "name": "X", "hours": WEEKDAYS, **body}
    response = await client.post(CAL, json=payload, headers=admin)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["type"].endswith("/invalid-input")
    assert needle in problem["detail"]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert not await BusinessCalendar.exists().where(BusinessCalendar.key == payload["key"])


async def test_bad_exceptions_and_due_queries(client, admin):
    key = f"cal-{uid()}"
    assert (
        await client.post(CAL, json={"key": key, "name": "K", "hours": WEEKDAYS}, headers=admin)
    ).status_code == 201
    url = f"{CAL}/{key}/exceptions"
    bad = [
        ({"day": "2025-06-02", "closed": True, "hours": [["10:00", "12:00"]]}, 400),
        ({"day": "2025-06-02", "closed": False, "hours": []}, 400),
        ({"day": "2025-13-02"}, 400),
    ]
    for body, status in bad:
        assert (await client.post(url, json=body, headers=admin)).status_code == status, body
    assert (await client.post(url, json={"day": "2025-06-02"}, headers=admin)).status_code == 201
    again = await client.post(url, json={"day": "2025-06-02"}, headers=admin)
    assert again.status_code == 409
    assert (
        await client.patch(f"{url}/2025-06-03", json={"note": "x"}, headers=admin)
    ).status_code == 404
    assert (await client.delete(f"{url}/not-a-day", headers=admin)).status_code == 400
    for params in (
        {"start": "igår", "minutes": 60},
        {"start": "2025-06-02T10:00", "minutes": "sextio"},
        {"start": "2025-06-02T10:00", "minutes": -5},
    ):
        response = await client.get(f"{CAL}/{key}/due", params=params, headers=admin)
        assert response.status_code == 400, params
    missing = await client.get(
        f"{CAL}/no-such-cal/due", params={"start": "2025-06-02T10:00", "minutes": 5}, headers=admin
    )
    assert missing.status_code == 404
    # An offset in the start is honoured: 08:00Z is 10:00 in Stockholm in June.
    offset = await client.get(
        f"{CAL}/{key}/due", params={"start": "2025-06-03T08:00:00Z", "minutes": 30}, headers=admin
    )
    assert offset.json()["due_local"] == "2025-06-03T10:30:00+02:00"


async def test_permissions_on_sla_routes(client, auth_headers):
    agent = await auth_headers("agent")
    reception = await auth_headers("reception")
    assert (await client.get(CAL, headers=agent)).status_code == 200
    assert (await client.get(AGR, headers=agent)).status_code == 200
    assert (await client.get(CAL, headers=reception)).status_code == 403
    body = {"key": f"agent-{uid()}", "name": "X", "hours": WEEKDAYS}
    assert (await client.post(CAL, json=body, headers=agent)).status_code == 403
    department = await make_department()
    agreement = {"department_id": department["id"], "name": "A", "valid_from": "2025-01-01"}
    assert (await client.post(AGR, json=agreement, headers=agent)).status_code == 403
    assert (
        await client.patch(f"{CAL}/standard", json={"name": "x"}, headers=agent)
    ).status_code == 403
    assert (
        await client.post(f"{CAL}/standard/exceptions", json={"day": "2025-05-30"}, headers=agent)
    ).status_code == 403
    assert (await client.delete(f"{AGR}/1/targets/1", headers=agent)).status_code == 403
    it_admin = await auth_headers("it_admin")
    assert (await client.post(AGR, json=agreement, headers=it_admin)).status_code == 201
    assert (await client.get(CAL)).status_code == 401


async def test_agreements_periods_and_overlap(client, admin):
    department = await make_department()
    dep = department["id"]

    async def create(name: str, valid_from: str, valid_to: str | None):
        body = {
            "department_id": dep,
            "name": name,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "base_fee_ore": 1_250_000_00,
        }
        return await client.post(AGR, json=body, headers=admin)

    first = await create("Överenskommelse 2025", "2025-01-01", "2025-12-31")
    assert first.status_code == 201, first.text
    first_id = first.json()["id"]
    assert first.json()["targets"] == []
    overlap = await create("Krock", "2025-12-31", None)
    assert overlap.status_code == 409
    assert "Överenskommelse 2025" in overlap.json()["detail"]
    second = await create("Tillsvidare", "2026-01-01", None)
    assert second.status_code == 201
    assert (await create("Före", "2024-01-01", "2025-01-01")).status_code == 409
    backwards = await create("Baklänges", "2024-06-01", "2024-01-01")
    assert backwards.status_code == 400
    assert "before it starts" in backwards.json()["detail"]
    unknown = await client.post(
        AGR,
        json={"department_id": 999_999_999, "name": "X", "valid_from": "2025-01-01"},
        headers=admin,
    )
    assert unknown.status_code == 400
    # Moving the first one's end into the second one's period conflicts; shortening works.
    assert (
        await client.patch(f"{AGR}/{first_id}", json={"valid_to": None}, headers=admin)
    ).status_code == 409
    shorter = await client.patch(
        f"{AGR}/{first_id}", json={"valid_to": "2025-06-30"}, headers=admin
    )
    assert shorter.status_code == 200
    assert shorter.json()["valid_to"] == "2025-06-30"
    listed = await client.get(AGR, params={"department_id": dep}, headers=admin)
    assert [a["name"] for a in listed.json()["items"]] == ["Överenskommelse 2025", "Tillsvidare"]
    entries = await audited("sla.agreement.create", first_id)
    assert entries and entries[0]["details"]["department"] == department["code"]
    assert await audited("sla.agreement.update", first_id)
    assert (await client.delete(f"{AGR}/{first_id}", headers=admin)).status_code == 204
    assert (await client.get(f"{AGR}/{first_id}", headers=admin)).status_code == 404
    assert await audited("sla.agreement.delete", first_id)


async def test_targets_and_resolution_through_the_cache(client, admin, role_users):
    department = await make_department()
    other = await make_department()
    dep = department["id"]
    case_type = await make_case_type(dep)
    foreign_type = await make_case_type(other["id"])
    created = await client.post(
        AGR,
        json={
            "department_id": dep,
            "name": "SLA",
            "valid_from": "2025-01-01",
            "valid_to": "2025-12-31",
        },
        headers=admin,
    )
    agreement_id = created.json()["id"]
    url = f"{AGR}/{agreement_id}/targets"
    assert await service.resolve_target(dep, case_type, date(2025, 6, 1)) is None
    chain = [
        {"level": 1, "notify": [role_users["supervisor"]]},
        {"level": 2, "notify": ["chef@kommun.example.se"]},
    ]
    body = {
        "case_type_id": case_type,
        "first_response_minutes": 240,
        "resolution_minutes": 2 * 9 * 60,
        "warning_percent": 75,
        "escalation": chain,
    }
    target = await client.post(url, json=body, headers=admin)
    assert target.status_code == 201, target.text
    target_id = target.json()["id"]
    assert target.json()["escalation"] == chain
    resolved = await service.resolve_target(dep, case_type, date(2025, 6, 1))
    assert resolved is not None
    assert (resolved.first_response_minutes, resolved.warning_percent) == (240, 75)
    assert resolved.agreement_id == agreement_id and resolved.target_id == target_id
    assert resolved.escalation[1]["notify"] == ["chef@kommun.example.se"]
    assert await service.resolve_target(dep, case_type, date(2026, 1, 1)) is None
    assert await agreements.resolve_target(dep, case_type, date(2024, 12, 31)) is None

    bad = [
        ({**body, "case_type_id": foreign_type}, 400, "does not belong"),
        ({**body, "warning_percent": 0}, 400, "1-99"),
        ({**body, "warning_percent": 100}, 400, "1-99"),
        ({**body, "first_response_minutes": 0}, 400, "minutes"),
        ({**body, "first_response_minutes": None, "resolution_minutes": None}, 400, "needs"),
        ({**body, "escalation": [{"level": 1, "notify": ["no-such-user-x"]}]}, 400, "Unknown"),
        ({**body, "escalation": [{"level": 1, "notify": []}]}, 400, "nobody"),
        (
            {
                **body,
                "escalation": [
                    {"level": 2, "notify": ["a@b.se"]},
                    {"level": 1, "notify": ["c@d.se"]},
                ],
            },
            400,
            "rising",
        ),
        ({**body, "escalation": [{"level": 1, "notify": ["not an@address"]}]}, 400, "e-mail"),
        ({**body, "case_type_id": 999_999_999}, 400, "no case type"),
        (body, 409, "already has a target"),
    ]
    for payload, status, needle in bad:
        response = await client.post(url, json=payload, headers=admin)
        assert response.status_code == status, (payload, response.text)
        assert needle in response.json()["detail"], response.json()
    assert len(await AgreementTarget.select().where(AgreementTarget.agreement == agreement_id)) == 1

    patched = await client.patch(
        f"{url}/{target_id}", json={"first_response_minutes": 60}, headers=admin
    )
    assert patched.status_code == 200, patched.text
    assert (
        await service.resolve_target(dep, case_type, date(2025, 6, 1))
    ).first_response_minutes == 60
    assert (
        await client.patch(f"{url}/{target_id}", json={"warning_percent": 120}, headers=admin)
    ).status_code == 400
    assert (await client.get(url, headers=admin)).json()[0]["first_response_minutes"] == 60
    assert await audited("sla.target.create", target_id)
    assert await audited("sla.target.update", target_id)
    assert (await client.delete(f"{url}/{target_id}", headers=admin)).status_code == 204
    assert await service.resolve_target(dep, case_type, date(2025, 6, 1)) is None
    assert await audited("sla.target.delete", target_id)


async def test_calendar_for_a_department_and_refusing_to_delete_a_used_one(client, admin):
    key = f"dep-{uid()}"
    response = await client.post(
        CAL,
        json={
            "key": key,
            "name": "Socialjour",
            "hours": {"sat": [["10:00", "14:00"]]},
            "closed_on_de_facto_holidays": False,
        },
        headers=admin,
    )
    assert response.status_code == 201
    department = await make_department(calendar=key)
    cal = await service.calendar_for(department["id"])
    assert cal.key == key
    assert cal is await service.calendar_for(department["id"])  # cached
    assert open_intervals(cal, date(2025, 6, 7)) != ()  # a Saturday
    plain = await make_department()
    assert (await service.calendar_for(plain["id"])).key == "standard"
    assert (await service.calendar_for(999_999_999)).key == "standard"
    unknown = await make_department(calendar="never-created")
    assert (await service.calendar_for(unknown["id"])).key == "standard"
    refused = await client.delete(f"{CAL}/{key}", headers=admin)
    assert refused.status_code == 409
    assert department["code"] in refused.json()["detail"]
    info = (await client.get(f"{CAL}/{key}", headers=admin)).json()
    assert {"id": department["id"], "code": department["code"]} in info["departments"]


async def test_other_processes_changes_are_seen_after_the_ttl(client, admin, monkeypatch):
    key = f"ttl-{uid()}"
    assert (
        await client.post(CAL, json={"key": key, "name": "T", "hours": WEEKDAYS}, headers=admin)
    ).status_code == 201
    monkeypatch.setattr(service, "CACHE_TTL", 0.2)
    department = await make_department(calendar=key)
    before = await service.calendar_for(department["id"])
    assert before.weekly[5] == ()
    # Another process changes the row directly; this process's cache does not know yet.
    async with db.transaction():
        await BusinessCalendar.update(
            {BusinessCalendar.hours: {**WEEKDAYS, "sat": [["09:00", "12:00"]]}}
        ).where(BusinessCalendar.key == key)
    assert (await service.calendar_for(department["id"])).weekly[5] == ()
    await asyncio.sleep(0.3)
    assert (await service.calendar_for(department["id"])).weekly[5] == ((540, 720),)


async def test_problems_are_in_swedish_by_default(client, auth_headers):
    headers = await auth_headers("supervisor")  # no Accept-Language: the default is Swedish
    body = {"key": f"sv-{uid()}", "name": "X", "hours": {"mon": [["09:00", "08:00"]]}}
    response = await client.post(CAL, json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Ett öppettidsintervall måste börja innan det slutar: 09:00–08:00"
    )
    missing = await client.get(f"{CAL}/finns-inte", headers=headers)
    assert missing.json()["detail"] == "Det finns ingen verksamhetskalender finns-inte"


def test_every_sla_message_has_a_swedish_translation():
    import ast
    from pathlib import Path

    from core.i18n import gettext

    root = Path(service.__file__).parent
    msgids = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"InvalidInput", "Conflict", "NotFound", "NeverOpen"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                msgids.add(node.args[0].value)
    assert len(msgids) > 30
    untranslated = sorted(m for m in msgids if gettext(m, "sv") == m)
    assert untranslated == []


async def test_calendars_page_by_key_with_the_built_in_one_in_its_place(client, admin):
    for key in (f"a-{uid()}", f"z-{uid()}", f"s-{uid()}"):
        body = {"key": key, "name": key, "hours": WEEKDAYS}
        assert (await client.post(CAL, json=body, headers=admin)).status_code == 201
    one_by_one = [c["key"] for c in await every_page(client, CAL, admin, limit=1)]
    assert one_by_one == sorted(one_by_one) and one_by_one.count("standard") == 1
    assert one_by_one == [c["key"] for c in await every_page(client, CAL, admin)]


async def test_agreements_page_by_department_and_validity(client, admin):
    department = await make_department()
    for year in (2031, 2029, 2030):
        body = {
            "department_id": department["id"],
            "name": f"Avtal {year}",
            "valid_from": f"{year}-01-01",
            "valid_to": f"{year}-12-31",
        }
        assert (await client.post(AGR, json=body, headers=admin)).status_code == 201
    mine = await every_page(client, AGR, admin, limit=1, department_id=department["id"])
    assert [a["name"] for a in mine] == ["Avtal 2029", "Avtal 2030", "Avtal 2031"]
    every = await every_page(client, AGR, admin, limit=2)
    keys = [(a["department_id"], a["valid_from"], a["id"]) for a in every]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


@pytest.mark.parametrize("path", [CAL, AGR])
async def test_lists_refuse_a_bad_cursor(client, admin, path):
    forged = paging.encode_cursor("agreements", (1, "not a day", 1))
    for query in ("cursor=nonsense", f"cursor={forged}", "limit=0"):
        response = await client.get(f"{path}?{query}", headers=admin)
        assert response.status_code == 400, (query, response.text)
