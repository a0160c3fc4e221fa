"""A supervisor sees a breach arrive live: a case registered with a received time already past
its agreed resolution time (a 24/7 calendar, so night or day does not matter) is found by the
SLA sweep, and its ``sla.breach`` reaches the supervisor's SLA monitor through the websocket.
On one box the API process sweeps (every second here); with Redis the worker's periodic task
sweeps, run here once in the test process as the worker would, its events going through
Redis to the server the client is connected to."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

import httpx
import pytest

from desktop.ui.app import DesktopApp
from tests.desktop.conftest import AGENT_PASSWORD, until
from tests.desktop.test_contact_flow import sign_in, signed_in
from tests.support import services


@pytest.fixture(scope="session")
async def always_open(client) -> str:
    """A case type of a department whose business calendar is open around the clock, with a
    one-hour resolution agreement; returns the case type's code."""
    from core.org import lookup
    from core.org import service as org
    from core.sla import agreements
    from core.sla import service as sla

    suffix = uuid.uuid4().hex[:6]
    day = [["00:00", "24:00"]]
    await sla.create_calendar(
        "test",
        f"dygnet-runt-{suffix}",
        "Dygnet runt",
        {name: day for name in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        closed_on_de_facto_holidays=False,
    )
    dept = f"JOUR{suffix.upper()}"
    await org.save_department(
        "test", dept, {"name_sv": "Jourförvaltningen", "calendar": f"dygnet-runt-{suffix}"}
    )
    code = f"vattenlacka-{suffix}"
    await org.save_case_type("test", code, {"name_sv": "Vattenläcka", "department": dept})
    agreement = await agreements.create_agreement(
        "test",
        department_id=(await lookup.department(dept))["id"],
        name="Jour",
        valid_from=dt.date(2020, 1, 1),
        valid_to=None,
    )
    await agreements.create_target(
        "test",
        agreement["id"],
        case_type_id=(await lookup.case_type(code))["id"],
        first_response_minutes=30,
        resolution_minutes=60,
        warning_percent=80,
    )
    return code


def test_a_supervisor_sees_a_breach_arrive_live(
    always_open, server_factory, role_users, run, qtbot
):
    server = server_factory({"KONTAKT_SLA_SWEEP_SECONDS": "1"})
    desktop = DesktopApp()

    async def scenario() -> None:
        sign_in(desktop, server, role_users["supervisor"])
        main = await signed_in(desktop)
        qtbot.addWidget(main)
        await until(lambda: desktop.session.live.connected, what="the live events")
        two_hours_ago = dt.datetime.fromtimestamp(time.time() - 7200, dt.UTC).isoformat()
        async with httpx.AsyncClient(base_url=server.url) as http:
            login = await http.post(
                "/api/v1/auth/login",
                json={"username": role_users["agent"], "password": AGENT_PASSWORD},
            )
            answer = await http.post(
                "/api/v1/contacts",
                json={
                    "channel": "phone",
                    "summary": "Vattenläcka i källaren, ingen har kommit",
                    "case_type": always_open,
                    "open_case": True,
                    "subject": "Vattenläcka Storgatan 3",
                    "received_at": two_hours_ago,
                },
                headers={"Authorization": f"Bearer {login.json()['token']}"},
            )
        assert answer.status_code == 201, answer.text
        number = answer.json()["case"]["number"]

        def breach_row():
            return next((r for r in main.monitor_model.rows if r.get("number") == number), None)

        if services.backend() == "postgres":
            from core import maintenance

            await asyncio.to_thread(maintenance.sla_sweep)
        row = await until(breach_row, within=30, what="the breach on the monitor")
        assert row["state"] == "breach"
        main.show_panel(main.monitor)
        table = main.monitor.table
        assert table.item(0, 1).text() == number
        assert table.item(0, 2).text() == "Överskriden"
        assert "Överskridna: 1" in main.monitor.summary.text()
        await desktop.session.stop()

    run(scenario(), timeout=90)
