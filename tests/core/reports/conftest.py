"""A department of its own for the report tests, with contacts and cases in 2024 whose
figures are worked out by hand in the tests (see the docstrings there).

Contacts and cases are inserted as rows (the service refuses contacts received more than a
year ago); one contact is registered through the service today.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from core.cases.service import local_parts
from core.cases.tables import Case, Contact
from core.org import lookup
from core.org import service as org

ZONE = ZoneInfo("Europe/Stockholm")


def at(text: str) -> int:
    """Epoch seconds of a local (Stockholm) time 'YYYY-MM-DD HH:MM'."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=ZONE).timestamp())


# (local time, channel, case type key, in group?, wait, handle, resolved, forwarded)
CONTACTS = [
    ("2024-01-15 09:10", "phone", "a", True, 30, 200, True, False),
    ("2024-01-15 09:40", "phone", "a", True, 150, 400, False, True),
    ("2024-04-10 14:05", "email", "b", True, None, None, True, False),
    ("2024-07-06 10:00", "web", "b", False, None, None, False, True),
    ("2024-10-31 16:59", "phone", "a", True, 90, 100, True, False),
    ("2024-12-02 09:00", "visit", "a", False, None, None, False, False),
    ("2023-12-31 23:59", "phone", "a", True, 10, 10, True, False),  # before the period
]

H = 3600
D = 86400


def cases(t: dict[str, int]) -> list[dict]:
    """The cases; ``t`` maps case-type keys to ids. Times are epoch seconds."""
    w1, w2, w3, w4 = (
        at("2024-07-06 10:00"),
        at("2024-03-30 23:30"),
        at("2024-10-27 00:30"),
        at("2024-11-05 09:00"),
    )
    p1, p2, p3, p4 = (
        at("2024-02-01 09:00"),
        at("2024-02-02 09:00"),
        at("2024-06-01 09:00"),
        at("2023-12-15 09:00"),
    )
    rows = [
        # web cases: same day (w1, w3 across the end of summer time), next day (w2), never (w4)
        dict(
            key="w1",
            channel="web",
            type="b",
            created=w1,
            fr_at=w1 + 5 * H,
            fr_due=w1 + H,
            res_due=w1 + 10 * D,
            status="in_progress",
        ),
        dict(
            key="w2",
            channel="web",
            type="b",
            created=w2,
            fr_at=at("2024-03-31 00:30"),
            closed=at("2024-04-02 10:00"),
            fr_due=w2 + 2 * H,
            res_due=w2 + 5 * D,
            status="closed",
        ),
        dict(
            key="w3",
            channel="web",
            type="b",
            created=w3,
            closed=at("2024-10-27 23:30"),
            status="closed",
        ),
        dict(
            key="w4",
            channel="web",
            type="b",
            created=w4,
            fr_due=w4 + H,
            res_due=w4 + D,
            status="received",
        ),
        # phone cases: met, breached, paused (open on time), from 2023 (still open)
        dict(
            key="p1",
            channel="phone",
            type="a",
            created=p1,
            fr_at=p1 + 600,
            closed=p1 + D,
            fr_due=p1 + H,
            res_due=p1 + 2 * D,
            status="closed",
        ),
        dict(
            key="p2",
            channel="phone",
            type="a",
            created=p2,
            fr_at=p2 + 2 * H,
            closed=p2 + 5 * D,
            fr_due=p2 + H,
            res_due=p2 + 2 * D,
            status="closed",
        ),
        dict(
            key="p3",
            channel="phone",
            type="a",
            created=p3,
            fr_at=p3 + 100,
            fr_due=p3 + H,
            res_due=p3 + D,
            paused=p3 + 200,
            status="waiting",
        ),
        dict(key="p4", channel="phone", type="a", created=p4, status="in_progress"),
        dict(
            key="merged",
            channel="phone",
            type="a",
            created=at("2024-02-03 09:00"),
            closed=at("2024-02-03 10:00"),
            status="closed",
            merged="KC-0000-000000",
        ),
        # backlog ages at the end of 2024
        dict(
            key="b1", channel="email", type="a", created=at("2024-12-31 12:00"), status="received"
        ),
        dict(
            key="b2", channel="email", type="a", created=at("2024-12-29 12:00"), status="received"
        ),
        dict(
            key="b3", channel="email", type="a", created=at("2024-12-26 12:00"), status="received"
        ),
        dict(
            key="b4", channel="email", type="a", created=at("2024-12-10 12:00"), status="received"
        ),
    ]
    return rows


@pytest.fixture(scope="session")
async def report_data(client, role_users):
    """Codes of the department, group and case types, and case numbers by key."""
    from core.sla import agreements

    suffix = uuid.uuid4().hex[:6].upper()
    dept = f"RPT{suffix}"
    await org.save_department("test", dept, {"name_sv": "Rapportnämnden", "name_en": "Reports"})
    group = f"rpt-{suffix.lower()}"
    await org.save_group("test", group, {"name_sv": "Rapportgruppen", "department": dept})
    codes = {"a": f"rpt-a-{suffix.lower()}", "b": f"rpt-b-{suffix.lower()}"}
    await org.save_case_type(
        "test",
        codes["a"],
        {"name_sv": "Avfall", "name_en": "Waste", "department": dept, "unit_price_ore": 2500},
    )
    await org.save_case_type(
        "test",
        codes["b"],
        {"name_sv": "Bygglov", "name_en": "Permit", "department": dept, "unit_price_ore": 1050},
    )
    dept_id = (await lookup.department(dept))["id"]
    group_id = (await lookup.answer_group(group))["id"]
    type_ids = {k: (await lookup.case_type(c))["id"] for k, c in codes.items()}
    await agreements.create_agreement(
        "test",
        department_id=dept_id,
        name="Överenskommelse om rapporter",
        valid_from=dt.date(2024, 7, 1),
        valid_to=None,
        base_fee_ore=1_200_000,
    )
    numbers = {}
    case_ids = {}
    for row in cases(type_ids):
        number = f"RPT-{suffix}-{row['key']}"
        numbers[row["key"]] = number
        inserted = await Case.insert(
            Case(
                number=number,
                case_type=type_ids[row["type"]],
                department=dept_id,
                status=row["status"],
                subject=f"Rapportprov {row['key']}",
                channel=row["channel"],
                created_at=row["created"],
                updated_at=row["created"],
                closed_at=row.get("closed"),
                first_response_at=row.get("fr_at"),
                first_response_due=row.get("fr_due"),
                resolution_due=row.get("res_due"),
                paused_since=row.get("paused"),
                merged_into=row.get("merged", ""),
            )
        ).returning(Case.id)
        case_ids[row["key"]] = inserted[0]["id"]
    contacts = []
    for i, (when, channel, key, in_group, wait, handle, resolved, forwarded) in enumerate(CONTACTS):
        epoch = at(when)
        day, hour, weekday = local_parts(epoch)
        contacts.append(
            Contact(
                number=f"RPT{suffix}-{i}",
                channel=channel,
                received_at=epoch,
                registered_at=epoch,
                local_day=day,
                local_hour=hour,
                local_weekday=weekday,
                answer_group=group_id if in_group else None,
                case_type=type_ids[key],
                department=dept_id,
                case=case_ids["p1"] if i == 0 else None,
                resolved_first_contact=resolved,
                forwarded=forwarded,
                wait_seconds=wait,
                handle_seconds=handle,
            )
        )
    await Contact.insert(*contacts)
    return {
        "department": dept,
        "group": group,
        "a": codes["a"],
        "b": codes["b"],
        "cases": numbers,
        "department_id": dept_id,
    }
