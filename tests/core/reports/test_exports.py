"""Exports (CSV, XLSX) and charts (PNG, SVG) of the reports, and what plugins add."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from openpyxl import load_workbook

from core.hookspecs import hookimpl
from core.reports.model import Column, ReportDefinition, ReportTable

YEAR = {"from": "2024-01-01", "to": "2024-12-31"}


def parse_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


async def test_csv_export_in_swedish_and_english(client, auth_headers, report_data):
    supervisor = await auth_headers("supervisor")
    params = {**YEAR, "department": report_data["department"], "format": "csv"}
    response = await client.get(
        "/api/v1/reports/contacts/export", params=params, headers=supervisor
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "kontakter_2024-01-01_2024-12-31.csv" in response.headers["content-disposition"]
    rows = parse_csv(response.content)
    assert rows[0][:3] == ["Timme", "Kontakter", "Andel (%)"]
    assert len(rows) == 25
    assert rows[1 + 9][:3] == ["9", "3", "50.0"]
    english = await client.get(
        "/api/v1/reports/contacts/export",
        params={**params, "table": "by_season"},
        headers={**supervisor, "Accept-Language": "en"},
    )
    rows = parse_csv(english.content)
    assert rows[0][:4] == ["Season", "Category", "Contacts", "Share (%)"]
    assert [r[1:3] for r in rows[1:]] == [
        ["winter", "3"],
        ["spring", "1"],
        ["summer", "1"],
        ["autumn", "1"],
    ]
    cost = await client.get(
        "/api/v1/reports/cost/export",
        params={**params, "table": "by_department"},
        headers=supervisor,
    )
    rows = parse_csv(cost.content)
    assert rows[0] == [
        "Förvaltning",
        "Förvaltningens namn",
        "Grundabonnemang (kr)",
        "Kontakter",
        "Volymkostnad (kr)",
        "Summa (kr)",
    ]
    assert rows[1] == [
        report_data["department"],
        "Rapportnämnden",
        "6032.79",
        "6",
        "121.00",
        "6153.79",
    ]
    missing = await client.get(
        "/api/v1/reports/contacts/export", params={**params, "table": "nope"}, headers=supervisor
    )
    assert missing.status_code == 400
    bad_format = await client.get(
        "/api/v1/reports/contacts/export", params={**params, "format": "pdf"}, headers=supervisor
    )
    assert bad_format.status_code == 400


async def test_xlsx_export_has_a_sheet_per_table(client, auth_headers, report_data):
    supervisor = await auth_headers("supervisor")
    response = await client.get(
        "/api/v1/reports/sla/export",
        params={**YEAR, "department": report_data["department"], "format": "xlsx"},
        headers=supervisor,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Sammanfattning",
        "Per förvaltning",
        "Per förvaltning och ärendetyp",
    ]
    summary = book["Sammanfattning"]
    assert summary["A1"].value == "Servicenivå per förvaltning och ärendetyp"
    figures = {row[0]: row[1] for row in summary.iter_rows(min_row=2, values_only=True)}
    assert figures["Ärenden"] == 11
    assert figures["Avslut: andel i tid (%)"] == 40.0
    lines = list(book["Per förvaltning och ärendetyp"].iter_rows(values_only=True))
    assert lines[0][:5] == (
        "Förvaltning",
        "Förvaltningens namn",
        "Ärendetyp",
        "Ärendetypens namn",
        "Ärenden",
    )
    by_type = {row[2]: row for row in lines[1:]}
    assert by_type[report_data["a"]][3] == "Avfall" and by_type[report_data["a"]][4] == 7
    cost = await client.get(
        "/api/v1/reports/cost/export",
        params={**YEAR, "department": report_data["department"], "format": "xlsx"},
        headers={**supervisor, "Accept-Language": "en"},
    )
    book = load_workbook(io.BytesIO(cost.content))
    assert book.sheetnames == ["Summary", "By department", "Lines by case type"]
    header, *rows = list(book["By department"].iter_rows(values_only=True))
    assert header[-1] == "Total (SEK)" and rows[0][-1] == 6153.79
    assert book["By department"].cell(2, 6).number_format == "#,##0.00"


async def test_charts_as_png_and_svg(client, auth_headers, report_data):
    supervisor = await auth_headers("supervisor")
    params = {**YEAR, "department": report_data["department"]}
    png = await client.get(
        "/api/v1/reports/contacts/chart",
        params={**params, "format": "png", "chart": "weekday"},
        headers=supervisor,
    )
    assert png.status_code == 200, png.text
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = await client.get(
        "/api/v1/reports/contacts/chart",
        params={**params, "format": "svg", "chart": "season"},
        headers=supervisor,
    )
    assert svg.status_code == 200, svg.text
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Kontakter per säsong" in svg.content.decode()
    cost = await client.get(
        "/api/v1/reports/cost/chart", params={**params, "format": "svg"}, headers=supervisor
    )
    assert cost.status_code == 200
    ET.fromstring(cost.content)
    for bad in ({"format": "gif"}, {"format": "png", "chart": "no-such-chart"}):
        response = await client.get(
            "/api/v1/reports/contacts/chart", params={**params, **bad}, headers=supervisor
        )
        assert response.status_code == 400, bad


class TelephonyFigures:
    """A stand-in telephony plugin: a figure for the contact report and a report of its own."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    @hookimpl
    def report_figures(self, report, period_start, period_end, filters):
        self.calls.append((report, period_start, period_end, dict(filters)))
        if report != "contacts":
            return None
        return {
            "queue_wait_avg_seconds": {
                "value": 42.5,
                "label_sv": "Väntetid i kö, medel (s)",
                "label_en": "Queue waiting time, mean (s)",
            }
        }

    @hookimpl
    def register_reports(self):
        async def compute(period_start, period_end):
            return [
                ReportTable(
                    "queues",
                    "Köer",
                    "Queues",
                    [Column("queue", "Kö", "Queue", "text"), Column("calls", "Samtal", "Calls")],
                    [{"queue": "växel", "calls": (period_end - period_start) // 86400}],
                )
            ]

        return [ReportDefinition("test-queues", "Köstatistik", "Queue statistics", compute)]


async def test_plugins_add_figures_and_reports(app, client, auth_headers, report_data):
    supervisor = await auth_headers("supervisor")
    plugin = TelephonyFigures()
    app.state.host.pm.register(plugin, name="test-report-figures")
    try:
        params = {**YEAR, "department": report_data["department"]}
        response = await client.get("/api/v1/reports/contacts", params=params, headers=supervisor)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["summary"]["queue_wait_avg_seconds"] == 42.5
        assert body["labels"]["queue_wait_avg_seconds"] == "Väntetid i kö, medel (s)"
        assert body["figure_sources"] == {"queue_wait_avg_seconds": "test-report-figures"}
        report, start, end, filters = plugin.calls[-1]
        assert report == "contacts" and end - start == 366 * 86400
        assert filters == {"department": report_data["department"]}
        listed = await client.get("/api/v1/reports", headers=supervisor)
        entry = next(r for r in listed.json() if r["name"] == "test-queues")
        assert entry["source"] == "test-report-figures" and entry["title"] == "Köstatistik"
        queues = await client.get("/api/v1/reports/test-queues", params=YEAR, headers=supervisor)
        assert queues.status_code == 200, queues.text
        assert queues.json()["tables"]["queues"]["rows"] == [{"queue": "växel", "calls": 366}]
        exported = await client.get(
            "/api/v1/reports/test-queues/export", params=YEAR, headers=supervisor
        )
        assert parse_csv(exported.content) == [["Kö", "Samtal"], ["växel", "366"]]
        xlsx = await client.get(
            "/api/v1/reports/contacts/export",
            params={**params, "format": "xlsx"},
            headers=supervisor,
        )
        summary = load_workbook(io.BytesIO(xlsx.content))["Sammanfattning"]
        values = {row[0]: row[1] for row in summary.iter_rows(min_row=2, values_only=True)}
        assert values["Väntetid i kö, medel (s)"] == 42.5
    finally:
        app.state.host.pm.unregister(name="test-report-figures")
    after = await client.get("/api/v1/reports/test-queues", params=YEAR, headers=supervisor)
    assert after.status_code == 404
