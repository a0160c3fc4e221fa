"""The crisis override of the business calendars: open around the clock while it lasts,
holidays included; due times computed meanwhile follow it; audited; bad input refused."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from core.db import raw
from core.errors import Conflict, InvalidInput
from core.org import lookup
from core.org import service as org
from core.sla import calendar as business
from core.sla import crisis
from core.sla import service as sla

ZONE = ZoneInfo("Europe/Stockholm")
SUNDAY_NIGHT = int(dt.datetime(2026, 12, 6, 3, 0, tzinfo=ZONE).timestamp())
CHRISTMAS = int(dt.datetime(2026, 12, 25, 12, 0, tzinfo=ZONE).timestamp())


@pytest.fixture(scope="module")
async def office(client):
    suffix = uuid.uuid4().hex[:6]
    key = f"kontor-{suffix}"
    await sla.create_calendar("test", key, "Kontorstid", {"mon": [["08:00", "17:00"]]})
    dept = f"O{suffix.upper()}"
    await org.save_department("test", dept, {"name_sv": "Kontoret", "calendar": key})
    return {"key": key, "department": (await lookup.department(dept))["id"]}


async def test_the_override_opens_the_calendar_around_the_clock_until_it_ends(office):
    cal = await sla.calendar_for(office["department"])
    assert not business.is_open(cal, SUNDAY_NIGHT)
    ref = f"test:{office['key']}"
    started = await crisis.start("crisis-user", "Krisläge: dygnet runt", ref, [office["key"]])
    assert started["calendars"] == [office["key"]] and started["ended_at"] is None
    open_cal = await sla.calendar_for(office["department"])
    assert business.is_open(open_cal, SUNDAY_NIGHT) and business.is_open(open_cal, CHRISTMAS)
    assert business.business_seconds_between(open_cal, SUNDAY_NIGHT, SUNDAY_NIGHT + 86400) == 86400
    assert business.add_business_seconds(open_cal, SUNDAY_NIGHT, 7200) == SUNDAY_NIGHT + 7200
    # another calendar is not covered
    assert not business.is_open(await sla.calendar_for(None), SUNDAY_NIGHT)
    with pytest.raises(Conflict):
        await crisis.start("crisis-user", "igen", ref, [office["key"]])

    ended = await crisis.end("crisis-user", ref)
    assert ended["ended_by"] == "crisis-user" and ended["ended_at"] is not None
    assert not business.is_open(await sla.calendar_for(office["department"]), SUNDAY_NIGHT)
    assert await crisis.end("crisis-user", ref) is None
    actions = await raw.fetch(
        "SELECT action FROM audit_entry WHERE object_type = 'sla_crisis_override' "
        "AND object_id = ? ORDER BY seq",
        str(started["id"]),
    )
    assert [a["action"] for a in actions] == [
        "sla.crisis_override.start",
        "sla.crisis_override.end",
    ]


@pytest.mark.parametrize(
    ("reason", "ref", "calendars"),
    [("", "r", None), ("Kris", "", None), ("x" * 501, "r", None), ("Kris", "r", ["finns-ej"])],
)
async def test_bad_input_starts_no_override(reason, ref, calendars):
    before = await raw.fetch("SELECT COUNT(*) AS n FROM sla_crisis_override")
    with pytest.raises(InvalidInput):
        await crisis.start("crisis-user", reason, ref, calendars)
    assert await raw.fetch("SELECT COUNT(*) AS n FROM sla_crisis_override") == before
