"""The demo: a prepared plan with every step and an exercise activated by the crisis team."""

from __future__ import annotations

from core.db import raw
from plugins.crisis_mode.activation import demo, events, plan, service


async def test_the_demo_prepares_the_plan_and_activates_an_exercise(crisis, ended):
    result = await demo.seed("demo")
    assert result is not None
    event = result["event"]
    assert event["exercise"] is True and event["status"] == "active"
    assert event["reason"] == demo.REASON and event["building"] == demo.BUILDING
    assert [s["step"] for s in result["steps"]] == list(plan.KINDS)
    assert all(s["status"] in ("done", "skipped", "failed") for s in result["steps"])
    stored = await plan.get()
    assert stored["stored"] is True and [s["kind"] for s in stored["steps"]] == list(plan.KINDS)
    group = await raw.fetchrow("SELECT active FROM answer_group WHERE code = ?", demo.GROUP)
    assert group is not None
    assert await demo.seed("demo") is None  # once is enough
    assert (await events.current())["id"] == event["id"]
    await service.deactivate("demo", "Övningen är slut")
    assert await demo.seed("demo") is None
