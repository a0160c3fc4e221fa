"""The service-level sweep: due cases found through the index, states, events, escalation."""

from __future__ import annotations

from core.audit.tables import AuditEntry
from core.cases import sweep
from core.cases.tables import Case, CaseEvent
from tests.core.cases.test_case_flow import open_case


async def test_sweep_raises_warning_then_breach_once(client, auth_headers, org_setup, app):
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["bygglov"])
    row = await Case.select().where(Case.number == number).first()
    assert row["sla_state"] == "ok"
    assert row["sla_next_check"] == row["first_response_warn"]
    calls = []

    class Listener:
        from core.hookspecs import hookimpl

        @hookimpl
        def sla_breached(self, case, kind, level):
            calls.append((case["number"], kind, level))

    host = app.state.host
    host.pm.register(Listener(), name="test-sla-listener")
    try:
        warned = await sweep.sweep(host, now=row["first_response_warn"])
        assert number in warned.warnings
        after = await Case.select().where(Case.number == number).first()
        assert after["sla_state"] == "warning"
        assert after["sla_next_check"] == row["first_response_due"]
        again = await sweep.sweep(host, now=row["first_response_warn"])
        assert number not in again.warnings  # nothing new until the next line
        breached = await sweep.sweep(host, now=row["first_response_due"])
        assert number in breached.breaches
    finally:
        host.pm.unregister(name="test-sla-listener")
    final = await Case.select().where(Case.number == number).first()
    assert final["sla_state"] == "breached" and final["sla_escalation_level"] == 1
    kinds = [
        e["data"]["state"]
        for e in await CaseEvent.select()
        .where((CaseEvent.case == row["id"]) & (CaseEvent.kind == "sla"))
        .output(load_json=True)
    ]
    assert kinds == ["warning", "breached"]
    assert (number, "warning", 0) in calls and (number, "breach", 1) in calls
    actions = [
        a["action"]
        for a in await AuditEntry.select(AuditEntry.action).where(AuditEntry.object_id == number)
    ]
    assert "sla.warning" in actions and "sla.breach" in actions


async def test_sweep_skips_paused_and_closed_cases(client, auth_headers, org_setup, app):
    agent = await auth_headers("agent")
    paused = await open_case(client, agent, org_setup["bygglov"])
    await client.post(f"/api/v1/cases/{paused}/status", headers=agent, json={"status": "waiting"})
    closed = await open_case(client, agent, org_setup["bygglov"])
    await client.post(
        f"/api/v1/cases/{closed}/status",
        headers=agent,
        json={"status": "closed", "reason": "Klart"},
    )
    far_future = 4_000_000_000
    result = await sweep.sweep(app.state.host, now=far_future)
    assert paused not in result.breaches + result.warnings
    assert closed not in result.breaches + result.warnings


async def test_first_response_stops_the_first_timer(client, auth_headers, org_setup, app):
    agent = await auth_headers("agent")
    number = await open_case(client, agent, org_setup["bygglov"])
    await client.post(
        f"/api/v1/cases/{number}/notes",
        headers=agent,
        json={"text": "Vi har tagit emot din fråga", "public": True},
    )
    row = await Case.select().where(Case.number == number).first()
    assert row["first_response_at"] is not None
    result = await sweep.sweep(app.state.host, now=row["first_response_due"])
    assert number not in result.breaches
    view = (await client.get(f"/api/v1/cases/{number}", headers=agent)).json()["timers"]
    assert view["first_response"]["met"] is True
