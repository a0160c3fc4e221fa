"""The reports API's texts on the wire: one charset, honest ASCII file names, ISO 8601
timestamps with an offset, and NUL characters in query values refused."""

from __future__ import annotations

import re

import pytest

from core.reports.api import ascii_fold

YEAR = {"from": "2024-01-01", "to": "2024-12-31"}


def test_ascii_fold_of_the_swedish_file_names():
    assert ascii_fold("kostnadsfördelning") == "kostnadsfordelning"
    assert ascii_fold("servicenivå") == "serviceniva"
    assert ascii_fold("effektmål") == "effektmal"
    assert ascii_fold("Väntetider på café") == "Vantetider pa cafe"
    assert ascii_fold("kö→") == "ko-"


async def test_csv_has_one_charset_and_the_cost_file_name_is_spelt_right(
    client, auth_headers, report_data
):
    supervisor = await auth_headers("supervisor")
    params = {**YEAR, "department": report_data["department"], "format": "csv"}
    for path, name in (
        ("/api/v1/reports/cost/export", "kostnadsfordelning_2024-01-01_2024-12-31.csv"),
        ("/api/v1/reports/sla/export", "serviceniva_2024-01-01_2024-12-31.csv"),
        ("/api/v1/reports/contacts/export", "kontakter_2024-01-01_2024-12-31.csv"),
    ):
        response = await client.get(path, params=params, headers=supervisor)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'


EPOCH = re.compile(r"^1[0-9]{9}$")


def _epochs(value, where="$"):
    """Paths of integers in ``value`` that look like epoch seconds (2001..2286)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _epochs(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _epochs(v, f"{where}[{i}]")]
    if isinstance(value, int) and not isinstance(value, bool) and EPOCH.match(str(value)):
        return [where]
    return []


async def test_report_timestamps_are_iso_8601_with_an_offset(client, auth_headers, report_data):
    supervisor = await auth_headers("supervisor")
    params = {**YEAR, "department": report_data["department"]}
    for name in ("contacts", "times", "sla", "backlog", "effect-goals", "cost"):
        response = await client.get(f"/api/v1/reports/{name}", params=params, headers=supervisor)
        assert response.status_code == 200, (name, response.text)
        assert _epochs(response.json()) == [], name
    backlog = await client.get("/api/v1/reports/backlog", params=params, headers=supervisor)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", backlog.json()["summary"]["as_of"]
    )
    goals = await client.get("/api/v1/reports/goals", headers=supervisor)
    assert goals.status_code == 200 and _epochs(goals.json()) == []


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/reports/contacts", {"from": "2024-01-01\x00", "to": "2024-12-31"}),
        ("/api/v1/reports/contacts", {**YEAR, "department": "KS\x00"}),
        ("/api/v1/reports/sla", {**YEAR, "answer_group": "\x00"}),
        ("/api/v1/reports/backlog", {**YEAR, "case_type": "bygglov\x00x"}),
        ("/api/v1/reports/contacts", {**YEAR, "channel": "phone\x00"}),
        ("/api/v1/reports/contacts/export", {**YEAR, "format": "csv\x00"}),
        ("/api/v1/reports/contacts/export", {**YEAR, "table": "by_hour\x00"}),
        ("/api/v1/reports/cost/chart", {**YEAR, "chart": "\x00"}),
        ("/api/v1/reports/no%00such", YEAR),
    ],
)
async def test_nul_in_a_query_value_is_refused(client, auth_headers, report_data, path, params):
    response = await client.get(path, params=params, headers=await auth_headers("supervisor"))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_nul_in_a_goal_key_is_refused(client, auth_headers):
    response = await client.put(
        "/api/v1/reports/goals/first_contact%00resolution",
        json={"target": 70},
        headers=await auth_headers("supervisor"),
    )
    assert response.status_code == 400, response.text
