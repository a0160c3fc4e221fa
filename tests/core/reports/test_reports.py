"""Reports over the hand-made data of conftest.py: every figure is worked out by hand.

Contacts of the department in 2024 (one more on 2023-12-31 is outside the period):
  1 Mon 2024-01-15 09h phone A group wait 30  talk 200 resolved
  2 Mon 2024-01-15 09h phone A group wait 150 talk 400 forwarded
  3 Wed 2024-04-10 14h email B group                   resolved
  4 Sat 2024-07-06 10h web   B                          forwarded
  5 Thu 2024-10-31 16h phone A group wait 90  talk 100 resolved
  6 Mon 2024-12-02 09h visit A
"""

from __future__ import annotations

from core.reports import service

YEAR = {"from": "2024-01-01", "to": "2024-12-31"}


async def get(client, headers, path, **params):
    return await client.get(f"/api/v1/reports{path}", params=params, headers=headers)


async def test_contact_frequency_and_distribution(client, auth_headers, report_data):
    supervisor = await auth_headers("supervisor")
    response = await get(
        client, supervisor, "/contacts", **YEAR, department=report_data["department"]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    s = body["summary"]
    assert (s["contacts"], s["resolved"], s["forwarded"]) == (6, 3, 2)
    assert (s["resolved_share"], s["forwarded_share"]) == (50.0, 33.33)
    assert s["days"] == 366 and s["contacts_per_day"] == 0.02
    assert (s["wait_count"], s["wait_avg_seconds"]) == (3, 90.0)
    assert (s["talk_count"], s["talk_avg_seconds"]) == (3, 233.3)
    tables = body["tables"]
    hours = {r["hour"]: r["contacts"] for r in tables["by_hour"]["rows"] if r["contacts"]}
    assert hours == {9: 3, 10: 1, 14: 1, 16: 1}
    assert len(tables["by_hour"]["rows"]) == 24
    nine = tables["by_hour"]["rows"][9]
    assert (nine["resolved"], nine["forwarded"], nine["share"]) == (1, 1, 50.0)
    assert (nine["wait_avg_seconds"], nine["talk_avg_seconds"]) == (90.0, 300.0)
    assert tables["by_hour"]["rows"][14]["wait_avg_seconds"] is None
    weekdays = {r["label"]: r["contacts"] for r in tables["by_weekday"]["rows"]}
    assert weekdays == {
        "måndag": 3,
        "tisdag": 0,
        "onsdag": 1,
        "torsdag": 1,
        "fredag": 0,
        "lördag": 1,
        "söndag": 0,
    }
    months = {r["month"]: r["contacts"] for r in tables["by_month"]["rows"]}
    assert len(months) == 12
    assert {m: n for m, n in months.items() if n} == {
        "2024-01": 2,
        "2024-04": 1,
        "2024-07": 1,
        "2024-10": 1,
        "2024-12": 1,
    }
    seasons = {r["label"]: r["contacts"] for r in tables["by_season"]["rows"]}
    assert seasons == {"vinter": 3, "vår": 1, "sommar": 1, "höst": 1}
    assert len(tables["by_day"]["rows"]) == 366
    channels = {r["channel"]: r["contacts"] for r in tables["by_channel"]["rows"]}
    assert channels == {"phone": 3, "email": 1, "web": 1, "visit": 1}
    groups = {r["answer_group"]: r["contacts"] for r in tables["by_answer_group"]["rows"]}
    assert groups == {report_data["group"]: 4, None: 2}
    types = {r["case_type"]: (r["contacts"], r["resolved"]) for r in tables["by_case_type"]["rows"]}
    assert types == {report_data["a"]: (4, 2), report_data["b"]: (2, 1)}
    assert body["tables"]["by_hour"]["columns"][0]["title"] == "Timme"


async def test_waiting_and_talk_times(client, auth_headers, report_data):
    """Calls 1, 2 and 5 waited 30, 150 and 90 s and talked 200, 400 and 100 s."""
    supervisor = await auth_headers("supervisor")
    response = await get(client, supervisor, "/times", **YEAR, department=report_data["department"])
    assert response.status_code == 200, response.text
    body = response.json()
    s = body["summary"]
    assert [s[f"wait_{k}"] for k in ("count", "avg_seconds", "p50_seconds", "p90_seconds")] == [
        3,
        90.0,
        90,
        150,
    ]
    assert [s[f"talk_{k}"] for k in ("count", "avg_seconds", "p50_seconds", "p90_seconds")] == [
        3,
        233.3,
        200,
        400,
    ]
    (phone,) = body["tables"]["by_channel"]["rows"]
    assert (phone["channel"], phone["wait_p90"], phone["talk_p50"]) == ("phone", 150, 200)
    buckets = {r["bucket"]: r["contacts"] for r in body["tables"]["wait_distribution"]["rows"]}
    assert buckets == {
        "s0_30": 0,
        "s30_60": 1,
        "s60_120": 1,
        "s120_300": 1,
        "s300_600": 0,
        "s600": 0,
    }


async def test_filters_narrow_the_contacts(client, auth_headers, report_data):
    supervisor = await auth_headers("supervisor")
    dept = report_data["department"]
    counts = {}
    for name, extra in {
        "phone": {"channel": "phone"},
        "group": {"answer_group": report_data["group"]},
        "type_b": {"case_type": report_data["b"]},
        "group_phone": {"answer_group": report_data["group"], "channel": "phone"},
        "one_day": {"from": "2024-01-15", "to": "2024-01-15"},
        "december_2023": {"from": "2023-12-01", "to": "2023-12-31"},
    }.items():
        params = {**YEAR, "department": dept, **extra}
        response = await get(client, supervisor, "/contacts", **params)
        assert response.status_code == 200, response.text
        counts[name] = response.json()["summary"]["contacts"]
    assert counts == {
        "phone": 3,
        "group": 4,
        "type_b": 2,
        "group_phone": 3,
        "one_day": 2,
        "december_2023": 1,
    }
    english = await client.get(
        "/api/v1/reports/contacts",
        params={**YEAR, "department": dept},
        headers={**supervisor, "Accept-Language": "en"},
    )
    rows = english.json()["tables"]["by_season"]["rows"]
    assert [r["label"] for r in rows] == ["winter", "spring", "summer", "autumn"]
    assert english.json()["title"] == "Contacts: frequency and distribution"


async def test_service_level_per_department_and_case_type(client, auth_headers, report_data):
    """Cases created in 2024 (merged one left out): A = p1 met/met, p2 late/late, p3 first
    response met and paused (open on time), b1-b4 without timers; B = w1 late first response
    and open overdue, w2 met/met, w3 without timers, w4 open overdue on both."""
    supervisor = await auth_headers("supervisor")
    response = await get(client, supervisor, "/sla", **YEAR, department=report_data["department"])
    assert response.status_code == 200, response.text
    body = response.json()
    lines = {r["case_type"]: r for r in body["tables"]["by_case_type"]["rows"]}
    keys = ["cases", "fr_met", "fr_breached", "fr_open_overdue", "fr_open_on_time", "fr_share"]
    keys += ["res_met", "res_breached", "res_open_overdue", "res_open_on_time", "res_share"]
    assert [lines[report_data["a"]][k] for k in keys] == [7, 2, 1, 0, 0, 66.67, 1, 1, 0, 1, 50.0]
    assert [lines[report_data["b"]][k] for k in keys] == [4, 1, 1, 1, 0, 33.33, 1, 0, 2, 0, 33.33]
    (dept,) = body["tables"]["by_department"]["rows"]
    assert [dept[k] for k in keys] == [11, 3, 2, 1, 0, 50.0, 2, 1, 2, 1, 40.0]
    assert body["summary"]["res_share"] == 40.0
    by_group = await get(client, supervisor, "/sla", **YEAR, answer_group=report_data["group"])
    assert by_group.json()["summary"]["cases"] == 1  # p1, through contact 1


async def test_backlog_by_age_at_the_end_of_the_period(client, auth_headers, report_data):
    """Open at 2025-01-01 00:00: w1, w4, p3, p4 (over 30 days), b1 (half a day), b2 (2.5
    days), b3 (5.5 days), b4 (21.5 days)."""
    supervisor = await auth_headers("supervisor")
    response = await get(
        client, supervisor, "/backlog", **YEAR, department=report_data["department"]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    ages = {r["age"]: r["open_cases"] for r in body["tables"]["by_age"]["rows"]}
    assert ages == {"lt_1d": 1, "d1_3": 1, "d3_7": 1, "d7_30": 1, "gt_30d": 4}
    lines = {r["case_type"]: r["open_cases"] for r in body["tables"]["by_case_type"]["rows"]}
    assert lines == {report_data["a"]: 6, report_data["b"]: 2}
    assert body["summary"]["open_cases"] == 8
    assert body["summary"]["oldest_days"] == 382.6  # p4, 2023-12-15 09:00


async def test_backlog_now_includes_a_case_registered_today(client, auth_headers, report_data):
    agent = await auth_headers("agent")
    created = await client.post(
        "/api/v1/contacts",
        headers=agent,
        json={"channel": "phone", "case_type": report_data["a"], "open_case": True},
    )
    assert created.status_code == 201, created.text
    supervisor = await auth_headers("supervisor")
    response = await get(client, supervisor, "/backlog", department=report_data["department"])
    body = response.json()
    ages = {r["age"]: r["open_cases"] for r in body["tables"]["by_age"]["rows"]}
    assert ages["lt_1d"] == 1  # the case just opened; b1-b4 and the rest are older by now
    assert body["summary"]["open_cases"] == 9
    today = await get(client, supervisor, "/contacts", department=report_data["department"])
    assert today.json()["summary"]["contacts"] == 1


async def test_effect_goals_against_the_default_targets(client, auth_headers, report_data):
    """First-contact resolution 3/6; calls answered within 2 minutes 2/3 (wait 30, 90; not
    150); web cases the same day 2/4 (w1; w3 across the end of summer time; not w2, w4);
    forwarded 2/6 (lower is better)."""
    supervisor = await auth_headers("supervisor")
    response = await get(
        client, supervisor, "/effect-goals", **YEAR, department=report_data["department"]
    )
    assert response.status_code == 200, response.text
    goals = {r["goal"]: r for r in response.json()["tables"]["goals"]["rows"]}
    summary = {
        key: (g["actual"], g["minimum"], g["target"], g["numerator"], g["denominator"], g["status"])
        for key, g in goals.items()
    }
    assert summary == {
        "first_contact_resolution": (50.0, 50.0, 70.0, 3, 6, "minimum"),
        "calls_answered_2min": (66.67, 70.0, 80.0, 2, 3, "not_met"),
        "web_same_day": (50.0, 80.0, 90.0, 2, 4, "not_met"),
        "forwarded_share": (33.33, 50.0, 30.0, 2, 6, "minimum"),
    }
    assert goals["first_contact_resolution"]["label"] == "Lösta vid första kontakten"


async def test_cost_allocation_base_fee_pro_rata_and_unit_prices(client, auth_headers, report_data):
    """Base fee 12 000 kr a year from 2024-07-01: 184/366 of it in 2024 = 6 032.79 kr;
    A 4 × 25.00 kr, B 2 × 10.50 kr."""
    it_admin = await auth_headers("it_admin")
    response = await get(client, it_admin, "/cost", **YEAR, department=report_data["department"])
    assert response.status_code == 200, response.text
    body = response.json()
    lines = {r["item"]: r for r in body["tables"]["lines"]["rows"]}
    assert lines["base_fee"]["amount_kr"] == "6032.79"
    assert lines["base_fee"]["item_name"] == "Grundabonnemang"
    a, b = lines[report_data["a"]], lines[report_data["b"]]
    assert (a["contacts"], a["unit_price_kr"], a["amount_kr"]) == (4, "25.00", "100.00")
    assert (b["contacts"], b["unit_price_kr"], b["amount_kr"]) == (2, "10.50", "21.00")
    (dept,) = body["tables"]["by_department"]["rows"]
    assert (dept["base_fee_kr"], dept["volume_kr"], dept["total_kr"]) == (
        "6032.79",
        "121.00",
        "6153.79",
    )
    assert body["summary"]["total_ore"] == 615379
    # across a year end: 31/366 + 31/365 of the fee, plus contact 6 (A, 2 December)
    winter = await get(
        client,
        it_admin,
        "/cost",
        **{"from": "2024-12-01", "to": "2025-01-31"},
        department=report_data["department"],
    )
    assert winter.json()["summary"]["total_kr"] == "2060.57"
    # before the agreement: volumes only
    spring = await get(
        client,
        it_admin,
        "/cost",
        **{"from": "2024-01-01", "to": "2024-06-30"},
        department=report_data["department"],
    )
    assert spring.json()["summary"]["total_kr"] == "60.50"  # 2 × 25.00 + 1 × 10.50


def test_prorated_fee_is_exact_in_ore():
    import datetime as dt

    from core.reports.model import Period

    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31), 0, 0)
    fee = service.prorated_fee(365_00, dt.date(2025, 3, 1), dt.date(2025, 3, 10), period)
    assert service.round_ore(fee) == 10_00
    assert service.round_ore(service.prorated_fee(1, dt.date(2020, 1, 1), None, period)) == 1


async def test_bad_periods_and_filters_are_refused(client, auth_headers, report_data):
    supervisor = await auth_headers("supervisor")
    for params in (
        {"from": "2024-13-01", "to": "2024-12-31"},
        {"from": "igår", "to": "2024-12-31"},
        {"from": "2024-05-01", "to": "2024-04-30"},
        {"from": "2020-01-01", "to": "2023-01-01"},
        {**YEAR, "department": "NO-SUCH-DEPT"},
        {**YEAR, "channel": "pigeon"},
        {**YEAR, "case_type": "no-such-type"},
    ):
        response = await get(client, supervisor, "/contacts", **params)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    swedish = await get(client, supervisor, "/contacts", **{"from": "2024-05-01", "to": "2024-04"})
    assert swedish.status_code == 400
    reversed_period = await get(
        client, supervisor, "/contacts", **{"from": "2024-05-01", "to": "2024-04-30"}
    )
    assert "slutar" in reversed_period.json()["detail"]
    three_years = await get(
        client, supervisor, "/contacts", **{"from": "2020-01-01", "to": "2022-12-31"}
    )
    assert three_years.status_code == 200
    unknown = await get(client, supervisor, "/no-such-report", **YEAR)
    assert unknown.status_code == 404


async def test_who_may_see_which_report(client, auth_headers, report_data):
    params = {**YEAR, "department": report_data["department"]}
    expected = {
        ("agent", "/contacts"): 403,
        ("agent", "/cost"): 403,
        ("agent", ""): 403,
        ("crisis_team", "/contacts"): 200,
        ("crisis_team", "/cost"): 403,
        ("it_admin", "/contacts"): 403,
        ("it_admin", "/cost"): 200,
        ("supervisor", "/cost"): 200,
        ("case_officer", "/sla"): 403,
    }
    seen = {}
    for role, path in expected:
        response = await get(client, await auth_headers(role), path, **params)
        seen[(role, path)] = response.status_code
    assert seen == expected
    anonymous = await client.get("/api/v1/reports/contacts", params=params)
    assert anonymous.status_code == 401


async def test_the_list_of_reports(client, auth_headers):
    response = await get(client, await auth_headers("supervisor"), "")
    assert response.status_code == 200, response.text
    names = [r["name"] for r in response.json()]
    assert names[:6] == ["contacts", "times", "sla", "backlog", "effect-goals", "cost"]
    assert response.json()[5]["permission"] == "reports.cost"


async def test_change_effect_goal_targets(client, auth_headers, report_data):
    from core.audit.tables import AuditEntry

    supervisor = await auth_headers("supervisor")
    listed = await client.get("/api/v1/reports/goals", headers=supervisor)
    assert listed.status_code == 200
    fcr = next(g for g in listed.json() if g["key"] == "first_contact_resolution")
    assert (fcr["target"], fcr["minimum"]) == (70.0, 50.0)
    url = "/api/v1/reports/goals/first_contact_resolution"
    refused = await client.put(url, headers=await auth_headers("agent"), json={"target": 10})
    assert refused.status_code == 403
    bad = await client.put(url, headers=supervisor, json={"target": 40, "minimum": 45})
    assert bad.status_code == 400
    over = await client.put(url, headers=supervisor, json={"target": 140})
    assert over.status_code == 400
    unknown = await client.put(
        "/api/v1/reports/goals/happiness", headers=supervisor, json={"target": 10}
    )
    assert unknown.status_code == 404
    try:
        changed = await client.put(url, headers=supervisor, json={"target": 45, "minimum": 30})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["target"], changed.json()["minimum"]) == (45.0, 30.0)
        report = await get(
            client, supervisor, "/effect-goals", **YEAR, department=report_data["department"]
        )
        goal = next(
            r
            for r in report.json()["tables"]["goals"]["rows"]
            if r["goal"] == "first_contact_resolution"
        )
        assert (goal["target"], goal["status"]) == (45.0, "met")
        entry = (
            await AuditEntry.select()
            .where(AuditEntry.action == "reports.goal.update")
            .order_by(AuditEntry.id, ascending=False)
            .first()
        )
        assert entry["object_id"] == "first_contact_resolution"
        assert entry["actor"] == "supervisor-user"
    finally:
        restored = await client.put(url, headers=supervisor, json={"target": 70, "minimum": 50})
        assert restored.status_code == 200


def test_percentile_of_a_histogram():
    hist = [(10, 1), (20, 3), (90, 1)]
    assert service.percentile(hist, 50) == 20
    assert service.percentile(hist, 90) == 90
    assert service.percentile([], 50) is None
