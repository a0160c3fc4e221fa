"""Import of call statistics exported as CSV from an operator's portal (switches that send no
events at all).

Each row is one finished call. Which column holds what is configured, as the setting
``csv_columns``: ``field=Column heading`` pairs separated by commas, for the fields

``start`` (required: when the call came in), ``caller``, ``called``, ``queue`` (answer group
code), ``agent`` (username or extension), ``wait`` and ``talk`` (seconds, or ``m:ss`` /
``h:mm:ss``), ``outcome`` (which values mean answered is ``csv_answered``; an empty outcome
with talk time counts as answered) and ``call_id``.

A row becomes the ``new``, ``answer`` (when answered) and ``hangup`` events the call would
have produced. Without a ``call_id`` column the id is a hash of the row's start, caller,
called and queue, so importing the same export twice (or overlapping exports) applies each
call once. Errors name the line (counting the heading as line 1) and the column, and the
other rows are imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import InvalidInput
from core.i18n import translator
from plugins.telephony_centrex.callevents import CallEvent
from plugins.telephony_centrex.drivers.ami import USERNAME_RE, agent_fields

FIELDS = ("start", "caller", "called", "queue", "agent", "wait", "talk", "outcome", "call_id")
DEFAULT_COLUMNS = (
    "start=Starttid,caller=A-nummer,called=B-nummer,queue=Svarsgrupp,agent=Besvarad av,"
    "wait=Kötid,talk=Samtalstid,outcome=Status"
)
DEFAULT_ANSWERED = "besvarat,besvarad,answered,ja"
DEFAULT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_ROWS = 500_000
DURATION_RE = re.compile(r"^(?:(\d{1,3}):)?(?:(\d{1,2}):)?(\d{1,6})$")


@dataclass(frozen=True)
class CsvFormat:
    """How one operator's export looks: the column of each field, delimiter, time format,
    time zone of the times, and which outcome values mean answered."""

    columns: dict[str, str]
    delimiter: str = ";"
    time_format: str = DEFAULT_TIME_FORMAT
    timezone: str = "Europe/Stockholm"
    answered: frozenset[str] = frozenset(DEFAULT_ANSWERED.split(","))
    source: str = "operator"

    @classmethod
    def from_settings(cls, config: dict[str, Any]) -> CsvFormat:
        """From the settings ``csv_columns``, ``csv_delimiter``, ``csv_time_format``,
        ``csv_answered`` (all optional); InvalidInput for a mapping that cannot work."""
        text = str(config.get("csv_columns") or DEFAULT_COLUMNS)
        columns: dict[str, str] = {}
        for pair in text.split(","):
            name, sep, heading = pair.partition("=")
            name, heading = name.strip(), heading.strip()
            if not sep or name not in FIELDS or not heading:
                raise InvalidInput(
                    "The CSV column mapping {pair} is not field=Column (fields: {fields})",
                    pair=pair.strip()[:60],
                    fields=", ".join(FIELDS),
                )
            columns[name] = heading
        if "start" not in columns:
            raise InvalidInput("The CSV column mapping needs a start column")
        answered = str(config.get("csv_answered") or DEFAULT_ANSWERED)
        return cls(
            columns=columns,
            delimiter=str(config.get("csv_delimiter") or ";")[:1],
            time_format=str(config.get("csv_time_format") or DEFAULT_TIME_FORMAT),
            answered=frozenset(v.strip().lower() for v in answered.split(",") if v.strip()),
        )


def duration(value: str) -> int:
    """Seconds from ``95``, ``1:35`` or ``0:01:35`` (ValueError otherwise)."""
    match = DURATION_RE.match(value.strip())
    if not match:
        raise ValueError(value)
    parts = [int(p) for p in match.groups() if p is not None]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


@dataclass
class CsvResult:
    """Rows read, calls and events handed on, and the errors (one per bad row)."""

    rows: int = 0
    calls: int = 0
    events: int = 0
    errors: list[InvalidInput] = field(default_factory=list)

    def as_dict(self, lang: str = "sv") -> dict[str, Any]:
        translate = translator(lang)
        return {
            "rows": self.rows,
            "calls": self.calls,
            "events": self.events,
            "errors": [{"line": e.params["line"], "detail": e.render(translate)}
                       for e in self.errors],
        }  # fmt: skip


class RefusedRow(InvalidInput):
    """Ingest refused an event of a row: the row's line and ingest's own reason."""

    def __init__(self, line: int, reason: InvalidInput) -> None:
        super().__init__("Line {line}: {reason}", line=line, reason=str(reason))
        self.reason = reason

    def render(self, translate) -> str:
        text = translate(self.message)
        return text.format(line=self.params["line"], reason=self.reason.render(translate))


class CsvReader:
    """Turns the rows of one export into CallEvents."""

    def __init__(self, fmt: CsvFormat) -> None:
        self.fmt = fmt
        self.zone = ZoneInfo(fmt.timezone)

    def _cell(self, row: dict[str, str], name: str) -> str:
        heading = self.fmt.columns.get(name)
        return (row.get(heading) or "").strip() if heading else ""

    def _seconds(self, row: dict[str, str], name: str, line: int) -> int:
        value = self._cell(row, name)
        if not value:
            return 0
        try:
            return duration(value)
        except ValueError:
            raise InvalidInput(
                "Line {line}, column {column}: {value} is not a number of seconds or m:ss",
                line=line,
                column=self.fmt.columns[name],
                value=value[:30],
            ) from None

    def call_events(self, row: dict[str, str], line: int) -> list[CallEvent]:
        """The events of one row (InvalidInput naming the line and column)."""
        start_text = self._cell(row, "start")
        try:
            start = datetime.strptime(start_text, self.fmt.time_format).replace(tzinfo=self.zone)
        except ValueError:
            raise InvalidInput(
                "Line {line}, column {column}: {value} is not a time like {example}",
                line=line,
                column=self.fmt.columns["start"],
                value=start_text[:30] or "''",
                example=datetime(2026, 12, 1, 9, 5).strftime(self.fmt.time_format),
            ) from None
        wait, talk = self._seconds(row, "wait", line), self._seconds(row, "talk", line)
        outcome = self._cell(row, "outcome").lower()
        answered = outcome in self.fmt.answered if outcome else talk > 0
        caller, called, queue = (self._cell(row, n) for n in ("caller", "called", "queue"))
        call_id = self._cell(row, "call_id")
        if not call_id:
            key = "|".join((start.isoformat(), caller, called, queue))
            call_id = "csv-" + hashlib.sha256(key.encode()).hexdigest()[:24]
        at = start.timestamp()
        common = {"source": self.fmt.source, "call_id": call_id[:120], "queue": queue or None}
        events = [CallEvent(kind="new", at=at, from_number=caller, to_number=called, **common)]
        if answered:
            agent = self._cell(row, "agent")
            fields = (
                agent_fields("", f"csv/{agent}", {})
                if agent.isdigit()
                else {"user": agent if USERNAME_RE.match(agent) else None}
            )
            events.append(CallEvent(kind="answer", at=at + wait, **fields, **common))
            events.append(
                CallEvent(kind="hangup", at=at + wait + talk, cause="normalClearing", **common)
            )
        else:
            events.append(CallEvent(kind="hangup", at=at + wait, cause="abandon", **common))
        return events

    def read(self, text: str, result: CsvResult) -> list[CallEvent]:
        """Every event of the export; bad rows are added to ``result.errors``."""
        return [event for _, events in self.rows(text, result) for event in events]

    def rows(self, text: str, result: CsvResult) -> list[tuple[int, list[CallEvent]]]:
        """Each good row's line and events (the whole file is read before anything is
        imported); bad rows are added to ``result.errors``."""
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=self.fmt.delimiter)
        headings = reader.fieldnames or []
        for name, heading in self.fmt.columns.items():
            if heading not in headings:
                raise InvalidInput(
                    "The CSV file has no column {column} for {field} (it has: {columns})",
                    column=heading,
                    field=name,
                    columns=", ".join(headings)[:300] or "-",
                )
        parsed: list[tuple[int, list[CallEvent]]] = []
        for row in reader:
            result.rows += 1
            if result.rows > MAX_ROWS:
                raise InvalidInput("The CSV file has more than {limit} rows", limit=MAX_ROWS)
            try:
                parsed.append((reader.line_num, self.call_events(row, reader.line_num)))
            except InvalidInput as exc:
                result.errors.append(exc)
                continue
            result.calls += 1
        return parsed


async def import_csv(
    text: str, fmt: CsvFormat, sink: Callable[[CallEvent], Awaitable[Any]]
) -> CsvResult:
    """Import one export: each call's events handed to ``sink`` (``service.ingest``)."""
    result = CsvResult()
    for line, events in CsvReader(fmt).rows(text, result):
        try:
            for event in events:
                await sink(event)
                result.events += 1
        except InvalidInput as exc:  # the row's later events are not handed on
            result.errors.append(RefusedRow(line, exc))
            result.calls -= 1
    return result
