"""The one shape every switch driver turns its call events into.

Drivers (generic CTI webhook, Asterisk AMI, operator CSV, queue_log, the simulator) map their
own events to :class:`CallEvent` and hand them to ``service.ingest``; everything after that
(contacts, screen pop, statistics) sees only this shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EventKind = Literal["new", "answer", "dtmf", "hangup"]
Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One call event from a switch, normalised.

    ``call_id`` is the switch's id of the call (unique per ``source``); ``(source, call_id,
    kind)`` identifies an event, so a repeated event is applied once. ``at`` is epoch seconds
    (UTC, may carry fractions). Numbers are as the switch gave them; ``service.ingest``
    normalises them to E.164. ``queue`` is the answer group's code, ``user`` the answering
    agent's username (``answer``) and ``cause`` the hang-up cause (``hangup``: e.g.
    "normalClearing", "cancel", "noAnswer", "busy", "abandon"). A ``dtmf`` event carries the
    caller's choice in the talsvar menu as ``extra["digits"]`` (ingest applies the active
    menu's choice: its group, or a call-back request that ends the call).
    """

    source: str
    call_id: str
    kind: EventKind
    at: float
    direction: Direction = "in"
    from_number: str = ""
    to_number: str = ""
    queue: str | None = None
    user: str | None = None
    answering_number: str = ""
    cause: str = ""
    extra: dict[str, str] = field(default_factory=dict)
