"""Tagging crisis contacts: an agent gives a core contact received while the crisis is active
one or more of the crisis team's topics, optionally an area and a question that had no
approved answer.

A *crisis contact* is any core contact whose ``received_at`` falls in the event's window
(activation to deactivation), in any channel and by any process: the lägesbild counts them
from the core's ``contact`` table (its index on ``received_at``), so nothing depends on a hook
having run. Tagging reads the contact by id (or number), checks the window, and stores the
tag and one row per topic with the hour, channel and area copied, and moves the running
counts of ``crisis_tag_count`` (the contact and each topic per event, hour, channel and area),
in one audited transaction. Tagging again replaces the topics, area and question (the old
counts are taken back).
"""

from __future__ import annotations

import time
from typing import Any

from core import audit, db
from core.auth.service import Principal
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from plugins.crisis_mode.situation import links

MAX_TOPICS = 10
TAG_SQL = (
    "SELECT id, event_id, contact_id, contact_number, channel, received_at, hour_start, "
    "area_id, question, tagged_by, tagged_at, updated_at FROM crisis_tag"
)


def hour_of(epoch: int) -> int:
    """The start of the (UTC, and so Swedish) hour of ``epoch``."""
    return int(epoch) - int(epoch) % 3600


async def _contact(contact_id: int | None, number: str | None) -> dict[str, Any]:
    if (contact_id is None) == (not number):
        raise InvalidInput(
            "Give either contact_id or contact_number", location=("body", "contact_id")
        )
    sql = "SELECT id, number, channel, received_at FROM contact WHERE "
    if contact_id is not None:
        row = await raw.fetchrow(sql + "id = ?", contact_id)
    else:
        row = await raw.fetchrow(sql + "number = ?", (number or "").strip())
    if row is None:
        raise NotFound("No contact {ref}", ref=contact_id if contact_id is not None else number)
    return row


async def _event(event_id: int | None) -> dict[str, Any]:
    if event_id is not None:
        return await links.event(event_id)
    event = await links.current()
    if event is None:
        raise Conflict("No crisis is active")
    return event


async def _topic_ids(ids: list[int], keep: set[int]) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise InvalidInput("Give at least one topic", location=("body", "topic_ids"))
    if len(wanted) > MAX_TOPICS:
        raise InvalidInput(
            "At most {count} topics per contact", location=("body", "topic_ids"), count=MAX_TOPICS
        )
    marks = ", ".join("?" for _ in wanted)
    rows = await raw.fetch(f"SELECT id, active FROM crisis_topic WHERE id IN ({marks})", *wanted)
    usable = {int(r["id"]) for r in rows if r["active"] or int(r["id"]) in keep}
    unknown = [i for i in wanted if i not in usable]
    if unknown:
        raise InvalidInput(
            "Unknown or inactive topic: {ids}",
            location=("body", "topic_ids"),
            ids=", ".join(map(str, unknown)),
        )
    return wanted


async def _area(area_id: int | None, keep: int | None) -> int | None:
    if area_id is None:
        return None
    row = await raw.fetchrow("SELECT id, active FROM crisis_area WHERE id = ?", area_id)
    if row is None or not (row["active"] or area_id == keep):
        raise InvalidInput(
            "Unknown or inactive area: {id}", location=("body", "area_id"), id=area_id
        )
    return area_id


async def tag(
    principal: Principal,
    topic_ids: list[int],
    contact_id: int | None = None,
    contact_number: str | None = None,
    area_id: int | None = None,
    question: str = "",
    event_id: int | None = None,
) -> dict[str, Any]:
    """Tag a crisis contact (the active event's, or ``event_id``'s); returns the tag."""
    contact = await _contact(contact_id, contact_number)
    event = await _event(event_id)
    start, end = links.window(event)
    if not start <= int(contact["received_at"]) < end:
        raise Conflict(
            "Contact {number} was not received during crisis event {event}",
            number=contact["number"],
            event=event["id"],
        )
    question = " ".join(question.split())
    existing = await raw.fetchrow(
        TAG_SQL + " WHERE event_id = ? AND contact_id = ?", event["id"], contact["id"]
    )
    kept_topics: set[int] = set()
    if existing is not None:
        kept_topics = {
            int(r["topic_id"])
            for r in await raw.fetch(
                "SELECT topic_id FROM crisis_tag_topic WHERE tag_id = ?", existing["id"]
            )
        }
    topics = await _topic_ids(topic_ids, kept_topics)
    area = await _area(area_id, existing["area_id"] if existing else None)
    now = int(time.time())
    hour = hour_of(int(contact["received_at"]))
    async with db.transaction():
        if existing is None:
            tag_id = await raw.insert(
                "crisis_tag",
                {
                    "event_id": event["id"],
                    "contact_id": contact["id"],
                    "contact_number": contact["number"],
                    "channel": contact["channel"],
                    "received_at": contact["received_at"],
                    "hour_start": hour,
                    "area_id": area,
                    "question": question,
                    "tagged_by": principal.username,
                    "tagged_at": now,
                    "updated_at": now,
                },
            )
        else:
            tag_id = int(existing["id"])
            await raw.fetch(
                "UPDATE crisis_tag SET area_id = ?, question = ?, updated_at = ? WHERE id = ?",
                area,
                question,
                now,
                tag_id,
            )
            await raw.fetch("DELETE FROM crisis_tag_topic WHERE tag_id = ?", tag_id)
            await count(int(event["id"]), hour, contact["channel"], existing["area_id"],
                        sorted(kept_topics), -1)  # fmt: skip
        await count(int(event["id"]), hour, contact["channel"], area, topics, 1)
        await raw.executemany(
            "INSERT INTO crisis_tag_topic (tag_id, event_id, topic_id, hour_start, channel, "
            "area_id) VALUES (?, ?, ?, ?, ?, ?)",
            [(tag_id, event["id"], t, hour, contact["channel"], area) for t in topics],
        )
        audit.record(
            principal.username,
            "crisis.contact_tagged" if existing is None else "crisis.contact_retagged",
            "contact",
            contact["number"],
            {"event": event["id"], "topics": topics, "area": area, "question": bool(question)},
        )
    return await get(int(event["id"]), int(contact["id"]))


COUNT_SQL = (
    "INSERT INTO crisis_tag_count (event_id, hour_start, topic_id, channel, area_id, n) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, hour_start, topic_id, channel, area_id) "
    "DO UPDATE SET n = crisis_tag_count.n + excluded.n"
)


async def count(
    event_id: int, hour: int, channel: str, area_id: int | None, topic_ids: list[int], step: int
) -> None:
    """Add ``step`` (1 or -1) to the running counts of a tagged contact (topic 0) and of each
    of its topics, in the caller's transaction; the lägesbild reads these few rows instead of
    a row per tag."""
    cells = [0, *topic_ids]
    await raw.executemany(
        COUNT_SQL, [(event_id, hour, t, channel, area_id or 0, step) for t in cells]
    )


async def get(event_id: int, contact_id: int) -> dict[str, Any]:
    """The tag of one contact in one event (404 when it is not tagged)."""
    row = await raw.fetchrow(
        TAG_SQL + " WHERE event_id = ? AND contact_id = ?", event_id, contact_id
    )
    if row is None:
        raise NotFound("Contact {ref} is not tagged", ref=contact_id)
    topics = await raw.fetch(
        "SELECT topic_id FROM crisis_tag_topic WHERE tag_id = ? ORDER BY topic_id", row["id"]
    )
    return view(row, [int(t["topic_id"]) for t in topics])


async def get_for_contact(
    contact_id: int | None, contact_number: str | None, event_id: int | None
) -> dict[str, Any]:
    """The tag of a contact by id or number, in the active event or ``event_id``."""
    contact = await _contact(contact_id, contact_number)
    event = await _event(event_id)
    return await get(int(event["id"]), int(contact["id"]))


def view(row: dict[str, Any], topic_ids: list[int]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "event_id": row["event_id"],
        "contact_id": row["contact_id"],
        "contact_number": row["contact_number"],
        "channel": row["channel"],
        "received_at": row["received_at"],
        "hour_start": row["hour_start"],
        "topic_ids": topic_ids,
        "area_id": row["area_id"],
        "question": row["question"],
        "tagged_by": row["tagged_by"],
        "tagged_at": row["tagged_at"],
        "updated_at": row["updated_at"],
    }


async def page(event_id: int, limit: int, after_id: int | None) -> tuple[list[dict], int | None]:
    """Tags of an event, newest first, in keyset pages by id."""
    args: list[Any] = [event_id]
    sql = TAG_SQL + " WHERE event_id = ?"
    if after_id is not None:
        sql += " AND id < ?"
        args.append(after_id)
    rows = await raw.fetch(sql + " ORDER BY id DESC LIMIT ?", *args, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    topics: dict[int, list[int]] = {int(r["id"]): [] for r in rows}
    if rows:
        marks = ", ".join("?" for _ in rows)
        for t in await raw.fetch(
            f"SELECT tag_id, topic_id FROM crisis_tag_topic WHERE tag_id IN ({marks}) "
            "ORDER BY topic_id",
            *topics,
        ):
            topics[int(t["tag_id"])].append(int(t["topic_id"]))
    items = [view(r, topics[int(r["id"])]) for r in rows]
    return items, (int(rows[-1]["id"]) if more else None)


async def untagged(
    event_id: int, limit: int, cursor: str | None, username: str | None = None
) -> dict[str, Any]:
    """Crisis contacts of the event not tagged yet, newest first (keyset pages on
    ``(received_at, id)``); only those ``username`` registered when given. Number, channel,
    time and who registered it — never the summary (a secret case's contact stays where the
    core's secrecy rule keeps it)."""
    from core import paging

    event = await links.event(event_id)
    start, end = links.window(event)
    scope = f"crisis_untagged:{event_id}"
    after = paging.decode_cursor(scope, cursor, (int, int))
    sql = (
        "SELECT c.id, c.number, c.channel, c.received_at, c.created_by FROM contact c "
        "WHERE c.received_at >= ? AND c.received_at < ? AND NOT EXISTS (SELECT 1 FROM "
        "crisis_tag t WHERE t.event_id = ? AND t.contact_id = c.id)"
    )
    args: list[Any] = [start, end, event_id]
    if username:
        sql += " AND c.created_by = ?"
        args.append(username)
    if after:
        sql += " AND " + paging.keyset_clause(("c.received_at", "c.id"))
        args.extend(after)
    rows = await raw.fetch(
        sql + " ORDER BY c.received_at DESC, c.id DESC LIMIT ?", *args, limit + 1
    )
    items, next_cursor = paging.cut(rows, limit, scope, lambda r: (r["received_at"], r["id"]))
    shown = [
        {"contact_id": r["id"], "contact_number": r["number"], "channel": r["channel"],
         "received_at": r["received_at"], "registered_by": r["created_by"]}
        for r in items
    ]  # fmt: skip
    return paging.page(shown, next_cursor)
