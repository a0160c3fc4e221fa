"""Done-when: a supervisor sees an SLA warning arrive live, on one box and in scale-out.

One box (no Redis): the API process sweeps, since only it holds the in-memory live events.
Scale-out (Redis): the worker sweeps and publishes through Redis pub/sub to every API process.
"""

from __future__ import annotations

import asyncio
import json
import time

from core import jobs
from core.cases.tables import Case
from tests.core.test_events import _login, _open, _post
from tests.support import services


async def test_supervisor_sees_the_sla_warning_live(
    server_factory, settings, org_setup, role_users, tmp_path
):
    server = server_factory({"KONTAKT_SLA_SWEEP_SECONDS": "1"})
    worker = None
    if settings.redis_url:
        worker = services.start_kontakt(["worker"], tmp_path / "worker.log")
    try:
        agent = await _login(server, role_users["agent"])
        created = await _post(
            server,
            "/api/v1/contacts",
            {
                "channel": "phone",
                "case_type": org_setup["bygglov"],
                "open_case": True,
                "summary": "Väntar på besked",
            },
            agent,
        )
        assert created.status_code == 201, created.text
        number = created.json()["case"]["number"]
        supervisor = await _login(server, role_users["supervisor"])
        ws = await _open(server, supervisor)
        try:
            now = int(time.time())
            await Case.update(
                {Case.first_response_warn: now - 1, Case.sla_next_check: now - 1}
            ).where(Case.number == number)
            if worker is not None:
                jobs.enqueue_periodic_now("core.sla_sweep")
            deadline = time.monotonic() + 30
            seen = None
            while time.monotonic() < deadline and seen is None:
                message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if message["type"] == "sla.monitor" and message["data"]["number"] == number:
                    seen = message
            assert seen is not None, "no live SLA warning reached the supervisor"
            assert seen["data"]["state"] == "warning" and seen["data"]["owner"] == "agent-user"
        finally:
            await ws.close()
    finally:
        if worker is not None:
            worker.stop()
