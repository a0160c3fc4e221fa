"""Import of Asterisk's ``queue_log`` file (call history) as CallEvents.

Each line is ``time|callid|queuename|agent|event|data1|data2|…`` (``time`` in epoch seconds,
``callid`` the caller channel's Uniqueid). The events that make a call:

=================  =====================================  ===============================
event              data                                   CallEvent
=================  =====================================  ===============================
DID                the dialled number                     (remembered as ``to_number``)
ENTERQUEUE         url, caller id, position               ``new``
CONNECT            hold time, bridged uniqueid, ring      ``answer`` (agent = member name)
COMPLETECALLER     hold time, talk time, position         ``hangup`` normalClearing
COMPLETEAGENT      hold time, talk time, position         ``hangup`` normalClearing
ABANDON            position, original position, wait     ``hangup`` abandon
EXITWITHTIMEOUT    position, original position, wait      ``hangup`` noAnswer
EXITWITHKEY        key, position, original position, wait ``hangup`` noAnswer (key kept)
EXITEMPTY          position, original position, wait      ``hangup`` noAnswer
(BLIND|ATTENDED)TRANSFER, TRANSFER                        ``hangup`` transfer
=================  =====================================  ===============================

Agent events (ADDMEMBER, PAUSE, RINGNOANSWER, …) are not calls and are skipped. The source
defaults to ``ami`` and the call id is the queue_log ``callid``, the Uniqueid the AMI driver
uses too, so history imported after live events (or imported twice) is applied once by
``service.ingest``. A call that enters a second queue (after a time-out) continues as
``<callid>/<queue>``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugins.telephony_centrex.callevents import CallEvent
from plugins.telephony_centrex.drivers.ami import agent_fields

ENDINGS = {
    "COMPLETECALLER": "normalClearing",
    "COMPLETEAGENT": "normalClearing",
    "ABANDON": "abandon",
    "EXITWITHTIMEOUT": "noAnswer",
    "EXITWITHKEY": "noAnswer",
    "EXITEMPTY": "noAnswer",
    "TRANSFER": "transfer",
    "BLINDTRANSFER": "transfer",
    "ATTENDEDTRANSFER": "transfer",
}
MAX_LINE = 4096


@dataclass
class LineError:
    """A line that could not be read: its number (from 1) and why."""

    line: int
    reason: str


@dataclass
class QueueLogParser:
    """Turns queue_log lines into CallEvents, keeping per-call state across lines.

    ``agents`` maps the agent field (``PJSIP/4501`` or a member name) to a username.
    """

    source: str = "ami"
    agents: dict[str, str] = field(default_factory=dict)
    errors: list[LineError] = field(default_factory=list)
    _dids: dict[str, str] = field(default_factory=dict)
    _queues: dict[str, list[str]] = field(default_factory=dict)

    def _call_id(self, callid: str, queue: str) -> str:
        queues = self._queues.get(callid) or [queue]
        return callid if queue == queues[0] else f"{callid}/{queue}"

    def parse_line(self, number: int, line: str) -> CallEvent | None:
        """The CallEvent of one line, or None (not a call event, or an error recorded)."""
        line = line.rstrip("\r\n")
        if not line.strip():
            return None
        if len(line) > MAX_LINE:
            self.errors.append(LineError(number, "line too long"))
            return None
        parts = line.split("|")
        if len(parts) < 5:
            self.errors.append(LineError(number, f"{len(parts)} fields, at least 5 expected"))
            return None
        stamp, callid, queue, agent, event, *data = parts
        try:
            at = float(stamp)
        except ValueError:
            self.errors.append(LineError(number, f"time {stamp[:30]!r} is not epoch seconds"))
            return None
        data += [""] * (5 - len(data))
        if callid in ("", "NONE") or queue in ("", "NONE"):
            return None
        base = {"source": self.source, "at": at, "queue": queue}
        if event == "DID":
            self._dids[callid] = data[0]
            return None
        if event == "ENTERQUEUE":
            seen = self._queues.setdefault(callid, [])
            if queue not in seen:
                seen.append(queue)
            return CallEvent(
                call_id=self._call_id(callid, queue),
                kind="new",
                from_number=data[1],
                to_number=self._dids.get(callid, ""),
                extra={"position": data[2]},
                **base,
            )
        if event == "CONNECT":
            return CallEvent(
                call_id=self._call_id(callid, queue),
                kind="answer",
                **agent_fields(
                    "" if "/" in agent else agent, agent if "/" in agent else "", self.agents
                ),  # fmt: skip
                extra={"hold_seconds": data[0]},
                **base,
            )
        if event in ENDINGS:
            extra = {"key": data[0]} if event == "EXITWITHKEY" else {}
            if event.startswith("COMPLETE"):
                extra = {"hold_seconds": data[0], "talk_seconds": data[1]}
            return CallEvent(
                call_id=self._call_id(callid, queue),
                kind="hangup",
                cause=ENDINGS[event],
                extra={"event": event, **extra},
                **base,
            )
        return None

    def parse(self, lines: Iterable[str]) -> Iterator[CallEvent]:
        """Every CallEvent in ``lines`` in file order; bad lines land in ``errors``."""
        for number, line in enumerate(lines, 1):
            event = self.parse_line(number, line)
            if event is not None:
                yield event


@dataclass
class ImportResult:
    """What an import did: events handed to the sink, lines refused, time taken."""

    events: int = 0
    errors: list[LineError] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "errors": [{"line": e.line, "reason": e.reason} for e in self.errors],
            "seconds": round(self.seconds, 3),
        }


async def import_file(
    path: Path,
    sink: Callable[[CallEvent], Awaitable[Any]],
    source: str = "ami",
    agents: dict[str, str] | None = None,
) -> ImportResult:
    """Read a queue_log file and hand each call event to ``sink`` (``service.ingest``),
    in order; re-importing the same file applies nothing twice (the sink deduplicates)."""
    started = time.perf_counter()
    parser = QueueLogParser(source=source, agents=dict(agents or {}))
    result = ImportResult()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for event in parser.parse(handle):
            await sink(event)
            result.events += 1
    result.errors = parser.errors
    result.seconds = time.perf_counter() - started
    return result
