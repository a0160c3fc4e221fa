"""Case types set aside (crisis mode): the open cases' timers stop with a reason, audited;
new and reopened cases start paused; a waiting case stays paused; resuming moves every due
instant on by the business time paused. Bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

from core.cases import pauses
from core.cases.tables import Case, CaseEvent
from core.db import raw
from core.errors import InvalidInput
from core.org import lookup
from core.org import service as org
from core.sla import agreements
from core.sla import service as sla
from tests.core.cases.test_case_flow import open_case

ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture(scope="module")
async def aside(client, role_users):
    """A department open around the clock with two case types under an agreement."""
    suffix = uuid.uuid4().hex[:6]
    calendar = f"dygn-{suffix}"
    await sla.create_calendar("test", calendar, "Dygnet runt", ALL_DAY)
    dept = f"P{suffix.upper()}"
    await org.save_department("test", dept, {"name_sv": "Pausnämnden", "calendar": calendar})
    dept_id = (await lookup.department(dept))["id"]
    agreement = await agreements.create_agreement(
        "test", department_id=dept_id, name="Paus", valid_from=dt.date(2020, 1, 1)
    )
    codes = {}
    for key in ("ordinary", "other"):
        code = f"{key}-{suffix}"
        await org.save_case_type("test", code, {"name_sv": key, "department": dept})
        await agreements.create_target(
            "test",
            agreement["id"],
            case_type_id=(await lookup.case_type(code))["id"],
            first_response_minutes=120,
            resolution_minutes=24 * 60,
        )
        codes[key] = code
    return {**codes, "ref": f"test:{suffix}"}


async def _row(number: str) -> dict:
    return await Case.select().where(Case.number == number).first()


async def _audits(action: str, object_id: str) -> int:
    rows = await raw.fetch(
        "SELECT COUNT(*) AS n FROM audit_entry WHERE action = ? AND object_id = ?",
        action,
        object_id,
    )
    return int(rows[0]["n"])


async def test_setting_a_case_type_aside_pauses_and_resumes_its_cases(client, auth_headers, aside):
    agent = await auth_headers("agent")
    running = await open_case(client, agent, aside["ordinary"])
    waiting = await open_case(client, agent, aside["ordinary"])
    untouched = await open_case(client, agent, aside["other"])
    reply = await client.post(
        f"/api/v1/cases/{waiting}/status", headers=agent, json={"status": "waiting"}
    )
    assert reply.status_code == 200
    before = await _row(running)

    result = await pauses.pause_case_types(
        "crisis-user",
        [aside["ordinary"]],
        "Krisläge: ordinarie ärenden läggs åt sidan",
        aside["ref"],
    )
    assert result["paused"] == [{"code": aside["ordinary"], "cases": 1}]
    assert await pauses.is_paused((await lookup.case_type(aside["ordinary"]))["id"])
    row = await _row(running)
    assert row["sla_state"] == "paused" and row["sla_next_check"] is None
    assert (
        row["paused_since"] is not None
        and row["first_response_due"] == before["first_response_due"]
    )
    assert (await _row(untouched))["sla_state"] == "ok"
    line = (
        await CaseEvent.select()
        .where((CaseEvent.case == row["id"]) & (CaseEvent.kind == "pause"))
        .first()
    )
    assert line["text"].startswith("Krisläge") and line["actor"] == "crisis-user"
    assert await _audits("case.sla_pause", running) == 1
    assert await _audits("case.sla_pause", waiting) == 0  # already paused by the citizen
    assert await _audits("case_type.pause", aside["ordinary"]) >= 1
    again = await pauses.pause_case_types("crisis-user", [aside["ordinary"]], "igen", "test:x")
    assert again == {
        "paused": [],
        "already": [aside["ordinary"]],
        "reason": "igen",
        "ref": "test:x",
    }

    # a new case of the type starts paused; a reply to the waiting one keeps it paused
    new = await open_case(client, agent, aside["ordinary"])
    assert (await _row(new))["sla_state"] == "paused"
    shown = await client.post(
        f"/api/v1/cases/{waiting}/status", headers=agent, json={"status": "in_progress"}
    )
    assert shown.json()["timers"]["paused"] is True

    # an hour set aside: every running due instant moves on by that hour (open 24/7)
    hour_ago = int(time.time()) - 3600
    await Case.update({Case.paused_since: hour_ago}).where(Case.number.is_in([running, waiting]))
    done = await pauses.resume_case_types("crisis-user", aside["ref"])
    assert done["resumed"] == [{"code": aside["ordinary"], "cases": 3}]
    row = await _row(running)
    assert row["paused_since"] is None and row["sla_state"] == "ok"
    assert 3595 <= row["first_response_due"] - before["first_response_due"] <= 3605
    assert 3595 <= row["paused_seconds"] <= 3605
    assert row["sla_next_check"] == row["first_response_warn"]
    assert (await _row(waiting))["paused_since"] is None
    assert await _audits("case.sla_resume", running) == 1
    assert not await pauses.is_paused((await lookup.case_type(aside["ordinary"]))["id"])
    assert await pauses.active_pauses(aside["ref"]) == []
    assert (await pauses.resume_case_types("crisis-user", aside["ref"]))["resumed"] == []


async def test_a_waiting_case_stays_paused_when_its_type_resumes(client, auth_headers, aside):
    agent = await auth_headers("agent")
    number = await open_case(client, agent, aside["other"])
    await client.post(f"/api/v1/cases/{number}/status", headers=agent, json={"status": "waiting"})
    ref = aside["ref"] + ":w"
    await pauses.pause_case_types("crisis-user", [aside["other"]], "Kris", ref)
    await pauses.resume_case_types("crisis-user", ref)
    row = await _row(number)
    assert row["status"] == "waiting" and row["paused_since"] is not None


@pytest.mark.parametrize(
    ("codes", "reason", "ref"),
    [([], "Kris", "r"), (["nope-nope"], "Kris", "r"), (None, "", "r"), (None, "Kris", "")],
)
async def test_bad_input_pauses_nothing(aside, codes, reason, ref):
    before = await raw.fetch("SELECT COUNT(*) AS n FROM case_type_pause")
    with pytest.raises(InvalidInput):
        await pauses.pause_case_types(
            "crisis-user", [aside["ordinary"]] if codes is None else codes, reason, ref
        )
    assert await raw.fetch("SELECT COUNT(*) AS n FROM case_type_pause") == before
