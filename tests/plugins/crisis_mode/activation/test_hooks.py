"""The core hook ``crisis_mode_changed`` reaches every plugin after the switch committed (sync
and async implementations; one that raises stops neither the others nor the switch), and two
activations at once give one event and one 409."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import Conflict
from core.hookspecs import hookimpl
from plugins.crisis_mode.activation import events, plan, service
from tests.plugins.crisis_mode.conftest import forget_stored_plan


class Watcher:
    """A plugin that follows crisis mode (e.g. a wallboard)."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, bool, str, bool]] = []

    @hookimpl
    async def crisis_mode_changed(self, event, active, actor):
        committed = await events.get(event["id"])  # the switch is committed before the hook
        self.seen.append((event["id"], active, actor, committed["status"] == "active"))


@pytest.fixture
async def default_plan_after(crisis):
    """These tests store a plan of their own; later tests (of every area) expect the default."""
    yield
    await forget_stored_plan()


class Broken:
    @hookimpl
    def crisis_mode_changed(self, event):
        raise RuntimeError("the wallboard is down")


async def test_every_plugin_hears_of_the_switch_and_a_failing_one_stops_nothing(
    app, crisis, ended, default_plan_after
):
    host = app.state.host
    watcher = Watcher()
    host.pm.register(Broken(), name="test-crisis-broken")
    host.pm.register(watcher, name="test-crisis-watcher")
    try:
        await plan.save("test", [{"kind": "roster", "enabled": False}])
        started = await service.activate("kris-ledare", "Storm", "heightened")
        event_id = started["event"]["id"]
        assert started["steps"][0]["status"] == "skipped"
        await service.deactivate("kris-andra", "Stormen har bedarrat")
    finally:
        host.pm.unregister(name="test-crisis-watcher")
        host.pm.unregister(name="test-crisis-broken")
    assert watcher.seen == [
        (event_id, True, "kris-ledare", True),
        (event_id, False, "kris-andra", False),
    ]
    assert (await events.get(event_id))["status"] == "ended"


async def test_two_activations_at_once_give_one_event(crisis, ended, default_plan_after):
    await plan.save("test", [{"kind": "roster", "enabled": False}])
    results = await asyncio.gather(
        service.activate("kris-ledare", "Brand i Stadshuset", "extraordinary"),
        service.activate("kris-andra", "Brand i Stadshuset", "extraordinary"),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, Conflict)]
    events_made = [r for r in results if isinstance(r, dict)]
    assert len(conflicts) == 1 and len(events_made) == 1, results
    assert (await events.current())["id"] == events_made[0]["event"]["id"]
    with pytest.raises(Conflict):
        await service.activate("kris-ledare", "igen", "heightened")
