"""Operator portal CSV exports into CallEvents: column mapping, errors naming line and column,
the same ids on a second import."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidInput
from plugins.telephony_centrex.callevents import CallEvent
from plugins.telephony_centrex.operator_csv import (
    CsvFormat,
    CsvReader,
    CsvResult,
    duration,
    import_csv,
)

EXPORT = """\ufeffStarttid;A-nummer;B-nummer;Svarsgrupp;Besvarad av;Kötid;Samtalstid;Status
2026-12-01 09:05:00;0701234567;0123-45000;vaxel;anna.lindqvist;0:42;3:15;Besvarat
2026-12-01 09:07:30;+46709876543;0123-45010;aldreomsorg;;95;0;Ej besvarat
2026-12-01 09:10:00;0705556677;0123-45000;vaxel;4505;12;80;
"""
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def read(text: str, config: dict | None = None) -> tuple[list[CallEvent], CsvResult]:
    result = CsvResult()
    return CsvReader(CsvFormat.from_settings(config or {})).read(text, result), result


def test_durations() -> None:
    assert [duration(v) for v in ("95", "1:35", "0:01:35", "1:00:00")] == [95, 95, 95, 3600]
    with pytest.raises(ValueError):
        duration("1,5")


def test_rows_become_the_events_of_each_call() -> None:
    events, result = read(EXPORT)
    assert (result.rows, result.calls, result.errors) == (3, 3, [])
    first = [e for e in events if e.call_id == events[0].call_id]
    start = datetime(2026, 12, 1, 9, 5, tzinfo=STOCKHOLM).timestamp()
    assert [(e.kind, e.at) for e in first] == [
        ("new", start), ("answer", start + 42), ("hangup", start + 42 + 195)
    ]  # fmt: skip
    assert (first[0].from_number, first[0].to_number, first[0].queue) == (
        "0701234567", "0123-45000", "vaxel"
    )  # fmt: skip
    assert first[1].user == "anna.lindqvist" and first[0].source == "operator"
    abandoned = [e for e in events if e.queue == "aldreomsorg"]
    assert [(e.kind, e.cause) for e in abandoned] == [("new", ""), ("hangup", "abandon")]
    by_extension = [e for e in events if e.kind == "answer"][1]
    assert (by_extension.user, by_extension.answering_number) == (None, "4505")


def test_the_same_export_gives_the_same_call_ids() -> None:
    first, _ = read(EXPORT)
    again, _ = read(EXPORT)
    assert [e.call_id for e in first] == [e.call_id for e in again]
    assert len({e.call_id for e in first}) == 3


def test_a_configured_mapping_and_a_call_id_column() -> None:
    text = "id,when,from,group,talk\nabc-1,01.12.2026 10:00,0701111111,bygg-miljo,120\n"
    config = {
        "csv_columns": "call_id=id,start=when,caller=from,queue=group,talk=talk",
        "csv_delimiter": ",",
        "csv_time_format": "%d.%m.%Y %H:%M",
    }
    events, result = read(text, config)
    assert result.errors == []
    assert [(e.call_id, e.kind) for e in events] == [
        ("abc-1", "new"), ("abc-1", "answer"), ("abc-1", "hangup")
    ]  # no outcome column: talk time means answered  # fmt: skip


def test_errors_name_the_line_and_the_column_and_good_rows_still_count() -> None:
    bad = EXPORT + "igår;070;;vaxel;;1;1;Besvarat\n2026-12-01 10:00:00;070;;vaxel;;lång;1;\n"
    events, result = read(bad)
    assert result.calls == 3 and len(events) == 8
    details = result.as_dict("sv")["errors"]
    assert [d["line"] for d in details] == [5, 6]
    assert "Starttid" in details[0]["detail"] and "5" in details[0]["detail"]
    assert "Kötid" in details[1]["detail"]
    english = result.as_dict("en")["errors"][1]["detail"]
    assert english.startswith("Line 6, column Kötid:")
    assert details[1]["detail"] != english  # Swedish from the catalogue


def test_a_missing_column_or_a_bad_mapping_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no column B-nummer for called"):
        read("Starttid;A-nummer\n2026-12-01 09:00:00;070\n")
    with pytest.raises(InvalidInput):
        CsvFormat.from_settings({"csv_columns": "caller=A-nummer"})
    with pytest.raises(InvalidInput):
        CsvFormat.from_settings({"csv_columns": "start=Tid,colour=Färg"})


async def test_import_hands_every_event_to_the_sink() -> None:
    received: list[CallEvent] = []

    async def sink(event: CallEvent) -> None:
        received.append(event)

    result = await import_csv(EXPORT, CsvFormat.from_settings({}), sink)
    assert result.events == len(received) == 8


async def test_importing_an_export_twice_through_ingest_registers_each_call_once(telephony):
    from plugins.telephony_centrex import service

    day = datetime.fromtimestamp(time.time() - 86400, STOCKHOLM).strftime("%Y-%m-%d")
    caller = f"070{uuid.uuid4().int % 10**7:07d}"
    text = (
        "Starttid;A-nummer;B-nummer;Svarsgrupp;Besvarad av;Kötid;Samtalstid;Status\n"
        f"{day} 09:05:00;{caller};0123-45000;{telephony['group']};{telephony['agent']};"
        "0:42;3:15;Besvarat\n"
        f"{day} 09:06:00;{caller};0123-45000;{telephony['group']};;95;0;Ej besvarat\n"
    )
    fmt = CsvFormat.from_settings({})
    stored: list[bool] = []

    async def sink(event: CallEvent) -> None:
        stored.append((await service.ingest(event)).stored)

    first = await import_csv(text, fmt, sink)
    again = await import_csv(text, fmt, sink)
    assert first.calls == again.calls == 2
    assert stored == [True] * 5 + [False] * 5
    events, _ = read(text)
    answered = await service.get_call("operator", events[0].call_id)
    assert (answered["outcome"], answered["wait_seconds"], answered["talk_seconds"]) == (
        "answered", 42, 195
    )  # fmt: skip
    abandoned = await service.get_call("operator", events[3].call_id)
    assert abandoned["outcome"] == "abandoned" and abandoned["contact_number"]


async def test_import_endpoint_answers_with_counts_and_line_errors(client, auth_headers, telephony):
    url = "/api/v1/plugins/telephony_centrex/imports/operator-csv"
    day = datetime.fromtimestamp(time.time() - 2 * 86400, STOCKHOLM).strftime("%Y-%m-%d")
    text = (
        "Starttid;A-nummer;B-nummer;Svarsgrupp;Besvarad av;Kötid;Samtalstid;Status\n"
        f"{day} 10:00:00;070{uuid.uuid4().int % 10**7:07d};;{telephony['group']};;5;60;Besvarat\n"
        f"{day} 10:01:00;0701234567;;{telephony['group']};;lång;60;Besvarat\n"
    )
    headers = {**await auth_headers("it_admin"), "Content-Type": "text/csv"}
    response = await client.post(url, content=text.encode(), headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["rows"], body["calls"], body["events"]) == (2, 1, 3)
    assert body["errors"][0]["line"] == 3 and "Kötid" in body["errors"][0]["detail"]
    assert body["errors"][0]["detail"].startswith("Rad 3")  # Swedish by default
    refused = await client.post(url, content=b"Tid;Nummer\n", headers=headers)
    assert refused.status_code == 400 and "Starttid" in refused.json()["detail"]
    latin1 = await client.post(url, content="Starttid;Kötid\n".encode("latin-1"), headers=headers)
    assert latin1.status_code == 400 and "UTF-8" in latin1.json()["detail"]
    agent = {**await auth_headers("agent"), "Content-Type": "text/csv"}
    assert (await client.post(url, content=text.encode(), headers=agent)).status_code == 403
    assert (await client.post(url, content=text.encode())).status_code == 401


async def test_a_row_ingest_refuses_is_a_line_error_and_the_others_are_imported(
    client, auth_headers, telephony
) -> None:
    url = "/api/v1/plugins/telephony_centrex/imports/operator-csv"
    day = datetime.fromtimestamp(time.time() - 2 * 86400, STOCKHOLM).strftime("%Y-%m-%d")
    good = f"070{uuid.uuid4().int % 10**7:07d}"
    text = (
        "Starttid;A-nummer;B-nummer;Svarsgrupp;Besvarad av;Kötid;Samtalstid;Status\n"
        f"{day} 11:00:00;inget-nummer;;{telephony['group']};;5;60;Besvarat\n"
        f"{day} 11:01:00;{good};;{telephony['group']};;5;60;Besvarat\n"
    )
    headers = {**await auth_headers("it_admin"), "Content-Type": "text/csv"}
    response = await client.post(url, content=text.encode(), headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["rows"], body["calls"], body["events"]) == (2, 1, 3)
    assert [e["line"] for e in body["errors"]] == [2]
    assert body["errors"][0]["detail"].startswith("Rad 2: ")
    assert "telefonnummer" in body["errors"][0]["detail"].lower()
    english = await client.post(url, content=text.encode(),
                                headers={**headers, "Accept-Language": "en"})  # fmt: skip
    assert english.json()["errors"][0]["detail"].startswith("Line 2: Not a valid phone number")
