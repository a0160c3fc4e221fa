"""The call simulator: the demo municipality's rhythm, queues, abandons and agents."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from core.demo import data
from plugins.telephony_centrex.callevents import CallEvent
from plugins.telephony_centrex.simulator import CallModel, SimAgent, group_shares

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_0800 = datetime(2026, 11, 30, 8, 0, tzinfo=STOCKHOLM).timestamp()


def run_day(model: CallModel, start: float, hours: int) -> list[CallEvent]:
    model.advance(start)
    return model.advance(start + hours * 3600)


def calls_per_hour(events: list[CallEvent]) -> Counter:
    return Counter(datetime.fromtimestamp(e.at, STOCKHOLM).hour for e in events if e.kind == "new")


def test_arrivals_follow_the_opening_hours_rhythm() -> None:
    model = CallModel.demo(seed=7, load=10, always_open=False)
    events = run_day(model, MONDAY_0800 - 3600, 11)  # 07:00 - 18:00
    per_hour = calls_per_hour(events)
    assert per_hour[7] == 0 and per_hour[17] == 0  # closed
    assert per_hour[9] > per_hour[12] * 2  # the morning peak and the lunch dip
    expected = data.CONTACTS_PER_WORKDAY * data.CHANNEL_MIX_OPEN["phone"] * 1.28 * 10
    total = sum(per_hour.values())
    assert 0.6 * expected < total < 1.4 * expected  # a Monday, November's season


def test_every_call_is_new_then_answered_by_a_member_or_abandoned() -> None:
    model = CallModel.demo(seed=3, load=3)  # about 4 Erlang on the ten demo agents
    events = run_day(model, MONDAY_0800, 3)
    members = {p.username: set(p.groups) for p in data.AGENTS}
    by_call: dict[str, list[CallEvent]] = {}
    for event in events:
        by_call.setdefault(event.call_id, []).append(event)
    outcomes = Counter()
    for call in by_call.values():
        kinds = [e.kind for e in call]
        assert kinds in (["new"], ["new", "answer"], ["new", "hangup"], ["new", "answer", "hangup"])
        assert [e.at for e in call] == sorted(e.at for e in call)
        answer = next((e for e in call if e.kind == "answer"), None)
        if answer is not None:
            assert call[0].queue in members[answer.user]
            outcomes["answered"] += 1
        elif kinds[-1] == "hangup":
            assert call[-1].cause == "abandon"
            outcomes["abandoned"] += 1
    assert outcomes["answered"] > 100
    assert outcomes["answered"] > 0.8 * (outcomes["answered"] + outcomes["abandoned"])
    numbers = {e.to_number for e in events if e.kind == "new"}
    assert numbers <= {g.phone for g in data.GROUPS}


def test_without_agents_everybody_waits_and_gives_up() -> None:
    model = CallModel(agents={}, seed=5, load=5)
    events = run_day(model, MONDAY_0800, 2)
    kinds = Counter(e.kind for e in events)
    assert kinds["answer"] == 0 and kinds["new"] > 10
    assert kinds["hangup"] >= kinds["new"] - sum(model.waiting_now().values())
    assert all(e.cause == "abandon" for e in events if e.kind == "hangup")


def test_a_paused_agent_takes_no_call_and_one_agent_serves_one_call_at_a_time() -> None:
    agents = {"a": SimAgent("a", ("vaxel",)), "b": SimAgent("b", ("vaxel",))}
    model = CallModel(agents=agents, seed=11, load=40)
    model.set_available("b", False)
    events = run_day(model, MONDAY_0800, 1)
    answers = [e for e in events if e.kind == "answer"]
    assert answers and {e.user for e in answers} == {"a"}
    busy_until = 0.0
    for event in events:  # a's calls never overlap
        if event.kind == "answer" and event.user == "a":
            assert event.at >= busy_until
            busy_until = float("inf")
        elif event.kind == "hangup" and event.user == "a":
            busy_until = event.at
    assert model.ready_again and model.ready_again[0][1] == "a"


def test_the_same_seed_gives_the_same_day_and_nights_stay_alive_in_demo_mode() -> None:
    first = run_day(CallModel.demo(seed=9), MONDAY_0800, 1)
    again = run_day(CallModel.demo(seed=9), MONDAY_0800, 1)
    assert [(e.call_id, e.kind, e.at) for e in first] == [(e.call_id, e.kind, e.at) for e in again]
    night = datetime(2026, 12, 5, 23, 0, tzinfo=STOCKHOLM).timestamp()  # a Saturday night
    assert CallModel.demo(always_open=True).rates(night)
    assert not CallModel.demo(always_open=False).rates(night)


def test_group_shares_follow_the_season() -> None:
    shares = group_shares()
    assert all(abs(sum(month.values()) - 1) < 1e-9 for month in shares)
    assert set(shares[0]) <= {g.code for g in data.GROUPS}


async def test_the_driver_feeds_ingest_in_real_time_and_stops(telephony) -> None:
    import asyncio

    from core.db import raw
    from plugins.telephony_centrex import service
    from plugins.telephony_centrex.simulator import SimulatorDriver

    driver = SimulatorDriver({"simulator_load": 400, "simulator_seed": 4}, tick=0.2)
    await driver.start(service.ingest)
    try:
        for _ in range(100):
            if driver.state.events >= 3:
                break
            await asyncio.sleep(0.1)
    finally:
        await driver.stop()
    assert driver.state.state == "stopped" and driver.state.events >= 3
    # the demo agents are not users of the test installation: nobody answers here
    assert not any(agent.available for agent in driver.model.agents.values())
    rows = await raw.fetch(
        "SELECT answer_group, state FROM telephony_call WHERE source = ?", "simulator"
    )
    assert rows and {r["answer_group"] for r in rows} <= {g.code for g in data.GROUPS}
    count = driver.state.events
    await asyncio.sleep(0.5)
    assert driver.state.events == count  # stopped means stopped


async def test_a_server_with_the_simulator_driver_has_a_living_wallboard(
    server_factory, telephony, role_users
) -> None:
    import asyncio

    import httpx

    from tests.conftest import ROLE_PASSWORD

    server = server_factory({
        "KONTAKT_PLUGIN_TELEPHONY_CENTREX_DRIVER": "simulator",
        "KONTAKT_PLUGIN_TELEPHONY_CENTREX_SIMULATOR_LOAD": "300",
    })  # fmt: skip
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        login = await http.post("/api/v1/auth/login", json={
            "username": role_users["supervisor"], "password": ROLE_PASSWORD})  # fmt: skip
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        driver = await http.get("/api/v1/plugins/telephony_centrex/driver",
                                headers=headers)  # fmt: skip
        assert driver.json()["driver"] == "simulator", driver.text
        board: dict = {}
        for _ in range(60):
            board = (await http.get("/api/v1/plugins/telephony_centrex/wallboard/data",
                                    headers=headers)).json()  # fmt: skip
            demo = [
                r for r in board["groups"] if r["answer_group"] in {g.code for g in data.GROUPS}
            ]
            if sum(r["waiting"] for r in demo) >= 2:
                break
            await asyncio.sleep(0.5)
        assert sum(r["waiting"] for r in demo) >= 2, board
        assert max(r["longest_wait_seconds"] for r in demo) >= 0
