"""Call statistics from real ingested calls: the definitions, the roll-ups, the plugin's
reports with their CSV export, and the figures the core's reports get from the switch."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.org import service as org
from core.reports.queries import fetch
from plugins.telephony_centrex import daily, erlang, service, stats
from tests.plugins.telephony_centrex.conftest import call_id, event

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DAY1, DAY2 = date(2025, 3, 10), date(2025, 3, 11)
PERIOD = {"from": "2025-03-10", "to": "2025-03-11"}


def at(day: date, hour: int, minute: int) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM).timestamp()


async def call(group: str, start: float, wait: int, talk: int | None = None, agent: str = "",
               cause: str = "", direction: str = "in", end: bool = True) -> None:  # fmt: skip
    """One call through the real ingest: answered (talk given) or not, ended or live."""
    cid = call_id("stat")
    await service.ingest(event(cid, "new", start, queue=group, from_number="0701234567",
                               direction=direction))  # fmt: skip
    if talk is not None:
        await service.ingest(event(cid, "answer", start + wait, queue=group, user=agent))
        if end:
            await service.ingest(event(cid, "hangup", start + wait + talk, cause="normalClearing"))
    elif end:
        await service.ingest(event(cid, "hangup", start + wait, cause=cause or "abandon"))


@pytest.fixture(scope="module")
async def calls(telephony, role_users) -> dict[str, str]:
    """Two days of one answer group's calls with known figures."""
    suffix = uuid.uuid4().hex[:6]
    department, group = f"STAT{suffix.upper()}", f"stat-{suffix}"
    await org.save_department("test", department, {"name_sv": "Statistikförvaltningen"})
    await org.save_group("test", group, {"name_sv": "Statistikgruppen", "department": department})
    a, b = role_users["agent"], role_users["case_officer"]
    await call(group, at(DAY1, 9, 0), 30, 180, a)
    await call(group, at(DAY1, 9, 5), 150, 60, a)  # answered, but after 2 minutes
    await call(group, at(DAY1, 9, 10), 40)  # abandoned
    await call(group, at(DAY1, 9, 15), 3)  # a short abandon: kept apart
    await call(group, at(DAY1, 9, 20), 200, cause="noAnswer")  # missed
    await call(group, at(DAY1, 10, 0), 10, 300, b)
    await call(group, at(DAY2, 9, 10), 0, 120, b)
    await call(group, at(DAY2, 9, 12), 0, 50, a, direction="out")  # outgoing: not queue traffic
    await call(group, at(DAY2, 9, 14), 0, 50, b, end=False)  # still in progress: not counted
    return {"group": group, "department": department, "a": a, "b": b}


async def test_definitions_on_real_calls(calls) -> None:
    result = await stats.compute(DAY1, DAY2, [calls["group"]], limit_seconds=120, short_seconds=5)
    figures = result.total.figures()
    assert {k: figures[k] for k in ("offered", "answered", "abandoned", "short_abandoned",
                                    "missed", "answered_within")} == {
        "offered": 6, "answered": 4, "abandoned": 1, "short_abandoned": 1, "missed": 1,
        "answered_within": 3,
    }  # fmt: skip
    assert figures["service_level"] == 50.0  # 3 within 120 s of 6 offered
    assert figures["abandon_rate"] == 16.67
    assert figures["asa_seconds"] == 47.5  # (30 + 150 + 10 + 0) / 4
    assert figures["aht_seconds"] == 165.0  # (180 + 60 + 300 + 120) / 4
    assert figures["wait_max_seconds"] == 200
    assert result.by_day["2025-03-10"].offered == 5 and result.by_day["2025-03-11"].offered == 1
    hours = result.by_hour()
    assert (hours[9].offered, hours[10].offered) == (5, 1)
    assert result.by_agent[calls["a"]].answered == 2 and result.by_agent[calls["b"]].answered == 2
    assert set(result.by_group) == {calls["group"]}
    # a stricter limit and a longer short-abandon limit move calls between the counters
    strict = (await stats.compute(DAY1, DAY2, [calls["group"]], 20, 60)).total.figures()
    assert strict["answered_within"] == 2 and strict["short_abandoned"] == 2
    assert strict["offered"] == 5


def _key(row: dict) -> tuple:
    return tuple(row.get(k) for k in ("local_day", "local_half_hour", "answer_group", "agent",
                                      *daily.COUNTERS))  # fmt: skip


async def assert_summaries_are_the_calls(group: str, limit: int = 120, short: int = 5) -> None:
    """The persisted summaries of DAY1..DAY2 are what aggregating the calls gives now."""
    rows = await daily.summarised_rows(DAY1, DAY2, limit, short, [group])
    span, clause = (DAY1.isoformat(), DAY2.isoformat()), daily.in_clause("answer_group", [group])
    for kind, keys, where in (("slot", daily.SLOT_KEYS, ""),
                              ("agent", daily.AGENT_KEYS, daily.HAS_AGENT)):  # fmt: skip
        calls = await daily.aggregate(limit, short, keys, daily.DAY_RANGE, span, clause + where,
                                      [group])  # fmt: skip
        summary = [_key(r) for r in rows if r["kind"] == kind]
        assert sorted(summary, key=repr) == sorted(map(_key, calls), key=repr), kind


async def built(day: date, limit: int = 120, short: int = 5) -> int | None:
    """The version a day is summarised at (None: not summarised)."""
    rows = await fetch(daily.BUILT_SQL, limit, short, day.isoformat(), day.isoformat())
    return int(rows[0]["version"]) if rows else None


async def test_summaries_are_persisted_and_equal_the_calls(calls) -> None:
    for limit, short in ((120, 5), (20, 60)):
        await stats.compute(DAY1, DAY2, [calls["group"]], limit, short)
        assert await built(DAY1, limit, short) is not None
        await assert_summaries_are_the_calls(calls["group"], limit, short)
    today = stats.today()
    await call(calls["group"], datetime.now(STOCKHOLM).timestamp() - 60, 10, 30, calls["a"])
    live = await stats.compute(today, today, [calls["group"]], 120, 5)
    assert live.total.answered == 1 and await built(today) is None  # today: from the calls


async def test_a_late_call_on_a_summarised_day_reaches_the_figures(calls) -> None:
    group = f"late-{uuid.uuid4().hex[:6]}"
    await org.save_group("test", group, {"name_sv": "Sena samtal"})
    await call(group, at(DAY1, 9, 0), 30, 180, calls["a"])
    before = await stats.compute(DAY1, DAY2, [group], 120, 5)
    assert before.total.answered == 1
    version = await built(DAY1)
    await call(group, at(DAY1, 16, 0), 5, 100, calls["b"])  # e.g. a late CSV import
    assert await built(DAY1) == version  # marked changed, rebuilt when read
    after = await stats.compute(DAY1, DAY2, [group], 120, 5)
    assert after.total.offered == 2 and after.by_hour()[16].answered == 1
    assert after.by_agent[calls["b"]].answered == 1
    assert await built(DAY1) != version
    await assert_summaries_are_the_calls(group)


async def test_out_of_order_and_repeated_events_after_the_day_was_summarised(calls) -> None:
    group = f"order-{uuid.uuid4().hex[:6]}"
    await org.save_group("test", group, {"name_sv": "Oordning"})
    await call(group, at(DAY1, 9, 0), 30, 180, calls["a"])
    await stats.compute(DAY1, DAY2, [group], 120, 5)
    cid, start = call_id("order"), at(DAY1, 11, 0)
    hangup = event(cid, "hangup", start + 200, queue=group, cause="normalClearing")
    await service.ingest(hangup)  # hangup before answer and new
    await service.ingest(event(cid, "answer", start + 140, queue=group, user=calls["b"]))
    await service.ingest(event(cid, "new", start, queue=group, from_number="0701234567"))
    assert not (await service.ingest(hangup)).stored  # a repeat changes nothing
    result = await stats.compute(DAY1, DAY2, [group], 120, 5)
    assert (result.total.answered, result.total.within, result.total.talk) == (2, 1, 240)
    await assert_summaries_are_the_calls(group)
    # an answer just after midnight is the call's first event: the call is on DAY2, until the
    # late "new" event of 23:59:40 moves it to DAY1; both days were summarised in between
    moved, midnight = call_id("moved"), at(DAY2, 0, 0)
    await service.ingest(event(moved, "answer", midnight + 20, queue=group, user=calls["a"]))
    await service.ingest(event(moved, "hangup", midnight + 80, cause="normalClearing"))
    assert (await stats.compute(DAY1, DAY2, [group], 120, 5)).by_day["2025-03-11"].answered == 1
    await service.ingest(event(moved, "new", midnight - 20, queue=group))
    result = await stats.compute(DAY1, DAY2, [group], 120, 5)
    assert result.by_day["2025-03-11"].offered == 0 and result.by_day["2025-03-10"].answered == 3
    await assert_summaries_are_the_calls(group)


async def test_filters_select_groups(calls) -> None:
    by_department = await stats.groups_of({"department": calls["department"]})
    assert by_department == [calls["group"]]
    assert not stats.applicable({"channel": "email"}) and not stats.applicable({"case_type": "x"})
    nothing = await stats.compute(DAY1, DAY2, [])
    assert nothing.total.offered == 0


async def test_the_staffing_forecast_uses_mean_arrivals_per_half_hour(calls) -> None:
    result = await stats.compute(DAY1, DAY2, [calls["group"]], 120, 5)
    rows = {r.label: r for r in stats.staffing(result, target_level=0.8, shrinkage=0.3)}
    assert set(rows) == {"09:00", "10:00"}
    nine = rows["09:00"]  # 4 offered on day 1, 1 on day 2 -> 2.5 a day; AHT (180+60+120)/3
    assert (nine.calls, nine.aht_seconds) == (2.5, 120.0)
    assert (nine.agents, nine.scheduled) == erlang.agents_needed(
        erlang.traffic(2.5, 1800, 120), 120, 120, 0.8, 0.3
    )


async def test_plugin_report_and_its_csv_export(client, auth_headers, calls) -> None:
    headers = await auth_headers("supervisor")
    query = {**PERIOD, "answer_group": calls["group"]}
    response = await client.get("/api/v1/reports/telephony", params=query, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"]["service_level"] == 50.0
    assert body["summary"]["telephony_calls_answered_2min"] == 50.0
    assert body["labels"]["asa_seconds"] == "Genomsnittlig svarstid (s)"
    agents = {r["agent"]: r["answered"] for r in body["tables"]["by_agent"]["rows"]}
    assert agents == {calls["a"]: 2, calls["b"]: 2}
    export = await client.get("/api/v1/reports/telephony/export", headers=headers,
                              params={**query, "format": "csv", "table": "by_day"})  # fmt: skip
    assert export.status_code == 200, export.text
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Dag", "Erbjudna", "Besvarade"]
    assert [r[:2] for r in rows[1:]] == [["2025-03-10", "5"], ["2025-03-11", "1"]]
    xlsx = await client.get("/api/v1/reports/telephony/export", headers=headers,
                            params={**query, "format": "xlsx"})  # fmt: skip
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    staffing = await client.get("/api/v1/reports/telephony-staffing", params=query,
                                headers=headers)  # fmt: skip
    assert [r["slot"] for r in staffing.json()["tables"]["staffing"]["rows"]] == ["09:00", "10:00"]


async def test_core_reports_get_the_switch_figures(client, auth_headers, calls) -> None:
    headers = await auth_headers("supervisor")
    query = {**PERIOD, "answer_group": calls["group"]}
    goals = await client.get("/api/v1/reports/effect-goals", params=query, headers=headers)
    assert goals.status_code == 200, goals.text
    body = goals.json()
    assert body["summary"]["telephony_calls_answered_2min"] == 50.0
    assert body["figure_sources"]["telephony_calls_answered_2min"] == "telephony_centrex"
    times = await client.get("/api/v1/reports/times", params=query, headers=headers)
    assert times.json()["summary"]["telephony_aht_seconds"] == 165.0
    email = await client.get("/api/v1/reports/times", headers=headers,
                             params={**query, "channel": "email"})  # fmt: skip
    assert "telephony_aht_seconds" not in email.json()["summary"]


async def test_bad_report_input_is_a_problem(client, auth_headers, calls) -> None:
    headers = await auth_headers("supervisor")
    for params in ({"answer_group": "no-such-group"}, {"from": "2025-13-01"}, {"bogus": "1"}):
        response = await client.get("/api/v1/reports/telephony", params=params, headers=headers)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    anonymous = await client.get("/api/v1/reports/telephony")
    assert anonymous.status_code == 401


async def test_the_worker_summarises_recent_days_before_anyone_asks(calls) -> None:
    group = f"recent-{uuid.uuid4().hex[:6]}"
    await org.save_group("test", group, {"name_sv": "Nyss"})
    day = stats.today() - timedelta(days=3)
    await call(group, at(day, 9, 0), 20, 100, calls["a"])
    changes = await fetch(daily.VERSIONS_SQL, day.isoformat(), day.isoformat())
    assert changes, "ingest marks a call of a day before today"
    assert await stats.summarise_recent() >= 1
    assert await built(day) == int(changes[0]["version"])
    assert await daily.summarise(day, day, 120, 5) == 0  # fresh: nothing to rebuild
    rows = await daily.summarised_rows(day, day, 120, 5, [group])
    assert sorted((r["kind"], r["answered"]) for r in rows) == [("agent", 1), ("slot", 1)]
