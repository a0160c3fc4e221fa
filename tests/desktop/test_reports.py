"""Supervisor reports against a real ``kontakt serve``: the list of reports, one report's
tables and chart in the client, and CSV and XLSX exports holding exactly what is shown."""

from __future__ import annotations

import csv
import datetime as dt

from openpyxl import load_workbook

from desktop.api.client import ApiClient
from desktop.ui.reports import ReportsView
from desktop.viewmodels.reports import ReportsModel
from tests.desktop.conftest import AGENT_PASSWORD, admin_http


def test_a_supervisor_sees_and_exports_a_report(
    desk_server, desk_org, role_users, run, qtbot, tmp_path
):
    http = admin_http(desk_server)  # at least one contact in the period
    answer = http.post(
        "/api/v1/contacts",
        json={
            "channel": "phone",
            "summary": "Rapportkontakt",
            "case_type": desk_org["case_type"],
            "resolved_first_contact": True,
        },
    )
    http.close()
    assert answer.status_code in (200, 201), answer.text

    async def scenario() -> ReportsModel:
        client = ApiClient(desk_server.url)
        await client.sign_in(role_users["supervisor"], AGENT_PASSWORD)
        assert "reports.read" in client.permissions()
        model = ReportsModel(client)
        await model.load_list()
        today = dt.date.today()
        await model.show("contacts", (today - dt.timedelta(days=30)).isoformat(), today.isoformat())
        await client.sign_out()
        await client.close()
        return model

    model = run(scenario())
    assert "contacts" in [r["name"] for r in model.available]
    assert model.report["report"] == "contacts" and model.table_name
    view = ReportsView(model)
    qtbot.addWidget(view)
    view.refresh()
    headings = model.headings()
    assert headings and view.grid.columnCount() == len(headings)
    assert view.grid.rowCount() == len(model.rows()) > 0
    assert model.series() and len(view.chart.series) == len(model.series())
    shown = [
        [view.grid.item(r, c).text() for c in range(view.grid.columnCount())]
        for r in range(view.grid.rowCount())
    ]
    view.chart.resize(400, 200)
    assert not view.chart.grab().isNull()
    # every heading is shown whole, not cut off
    header = view.grid.horizontalHeader()
    for column in range(view.grid.columnCount()):
        needed = header.fontMetrics().horizontalAdvance(headings[column])
        assert header.sectionSize(column) >= needed, headings[column]

    model.export_csv(tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f, delimiter=";"))
    assert lines[0] == headings and lines[1:] == shown

    model.export_xlsx(tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx")
    assert len(book.worksheets) == len(model.report["tables"])
    sheet = book.worksheets[list(model.report["tables"]).index(model.table_name)]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == headings
    assert [[_same(v) for v in row] for row in cells[1:]] == [[_same(v) for v in r] for r in shown]

    # the chart of the channels is labelled with the channels' names, not their codes
    model.choose_table("by_channel")
    labels = [label for label, _value in view.chart.series]
    assert "Telefon" in labels and "phone" not in labels, labels


def _same(value: object) -> object:
    """A cell as a number when it is one (XLSX keeps 0.0 as 0), else as text."""
    if value is None or value == "":
        return ""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
