"""Crisis events: the one active now, one by id, and an event's timeline.

The contract the other areas build on (messages, situation, the record): ``current()``,
``get(event_id)`` and ``timeline(event_id)``. Activation and deactivation themselves are in
:mod:`plugins.crisis_mode.activation.service`.

An event dict: ``id``, ``status`` (active | ended), ``level`` (heightened | extraordinary),
``exercise`` (bool), ``reason``, ``building`` (or None), ``activated_by``, ``activated_at``
(epoch seconds), ``deactivated_by``, ``deactivated_at``, ``deactivation_reason`` (None while
active) and ``label`` ("ÖVNING"/"EXERCISE" texts for an exercise, else empty strings).
"""

from __future__ import annotations

from typing import Any

from core import paging
from core.db import raw
from core.errors import NotFound

EVENT_SQL = (
    "SELECT id, status, level, exercise, reason, building, activated_by, activated_at, "
    "deactivated_by, deactivated_at, deactivation_reason FROM crisis_event"
)
TIMELINE_SQL = (
    "SELECT id, event_id, at, kind, step, status, actor, detail, manual, data FROM crisis_timeline"
)
LEVELS = ("heightened", "extraordinary")
EXERCISE_LABEL = {"sv": "ÖVNING", "en": "EXERCISE"}


def event_view(row: dict[str, Any]) -> dict[str, Any]:
    """An event row as the API and the other areas see it."""
    event = dict(row)
    event["exercise"] = bool(event["exercise"])
    event["label"] = dict(EXERCISE_LABEL) if event["exercise"] else {"sv": "", "en": ""}
    return event


async def current() -> dict[str, Any] | None:
    """The active crisis event, or None when crisis mode is off."""
    row = await raw.fetchrow(EVENT_SQL + " WHERE status = 'active'")
    return event_view(row) if row else None


async def get(event_id: int) -> dict[str, Any]:
    """One crisis event (active or ended); NotFound when there is none with that id."""
    row = await raw.fetchrow(EVENT_SQL + " WHERE id = ?", int(event_id))
    if row is None:
        raise NotFound("There is no crisis event {id}", id=event_id)
    return event_view(row)


async def timeline(event_id: int) -> list[dict[str, Any]]:
    """The event's timeline in order: ``activated``, one ``step`` line per plan step (status
    done | skipped | failed, ``detail``, ``manual`` = what to do by hand), the ``undo`` lines
    of deactivation and ``deactivated``. NotFound for an unknown event."""
    await get(event_id)
    rows = await raw.fetch(TIMELINE_SQL + " WHERE event_id = ? ORDER BY id", int(event_id))
    for row in rows:
        row["data"] = raw.json_column(row["data"], {})
    return rows


async def list_events(cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
    """One page of the events, newest first (keyset on id), with their number."""
    after = paging.decode_cursor("crisis_events", cursor, (int,))
    sql, args = EVENT_SQL, []
    if after is not None:
        sql += " WHERE id < ?"
        args.append(after[0])
    rows = await raw.fetch(sql + " ORDER BY id DESC LIMIT ?", *args, int(limit) + 1)
    items, next_cursor = paging.cut(rows, limit, "crisis_events", lambda r: (r["id"],))
    total = await raw.fetchrow("SELECT COUNT(*) AS n FROM crisis_event")
    return paging.page([event_view(r) for r in items], next_cursor, int(total["n"]))
