"""Shifts of the 24/7 opening, where the gaps are, and who is signed in now.

A shift is a core user (or a roster person without an account) from ``starts_at`` to
``ends_at`` (at most 24 hours). :func:`coverage` lists the stretches of a period that no shift
covers, so the crisis team sees where the round-the-clock opening is still unmanned.
*Signed in now* are the users holding an unrevoked, unexpired core session token.
"""

from __future__ import annotations

import time
from typing import Any

from core import audit, db
from core.db import raw
from core.errors import InvalidInput, NotFound

MAX_SHIFT = 24 * 3600
MAX_SPAN = 31 * 24 * 3600
SHIFT_SQL = (
    "SELECT s.id, s.starts_at, s.ends_at, s.username, s.person_id, s.role, s.note, "
    "s.created_by, s.created_at, u.full_name, p.name AS person_name "
    "FROM crisis_shift s LEFT JOIN kc_user u ON u.username = s.username "
    "LEFT JOIN crisis_roster_person p ON p.id = s.person_id"
)


def view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "starts_at": row["starts_at"],
        "ends_at": row["ends_at"],
        "username": row["username"],
        "person_id": row["person_id"],
        "name": row["full_name"] or row["person_name"] or row["username"],
        "role": row["role"],
        "note": row["note"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
    }


async def create(
    actor: str,
    starts_at: int,
    ends_at: int,
    username: str = "",
    person_id: int | None = None,
    role: str = "",
    note: str = "",
) -> dict[str, Any]:
    """Add a shift for a user or a roster person; audited."""
    if ends_at <= starts_at:
        raise InvalidInput("A shift must end after it starts", location=("body", "ends_at"))
    if ends_at - starts_at > MAX_SHIFT:
        raise InvalidInput("A shift is at most 24 hours", location=("body", "ends_at"))
    if bool(username) == (person_id is not None):
        raise InvalidInput("Give either username or person_id", location=("body", "username"))
    if username and not await raw.fetchrow("SELECT id FROM kc_user WHERE username = ?", username):
        raise InvalidInput("No user {username}", location=("body", "username"), username=username)
    if person_id is not None and not await raw.fetchrow(
        "SELECT id FROM crisis_roster_person WHERE id = ?", person_id
    ):
        raise InvalidInput(
            "No person with id {id} on the roster", location=("body", "person_id"), id=person_id
        )
    async with db.transaction():
        shift_id = await raw.insert(
            "crisis_shift",
            {
                "starts_at": starts_at,
                "ends_at": ends_at,
                "username": username,
                "person_id": person_id,
                "role": " ".join(role.split()),
                "note": note.strip(),
                "created_by": actor,
                "created_at": int(time.time()),
            },
        )
        audit.record(
            actor,
            "crisis.shift_added",
            "crisis_shift",
            shift_id,
            {"from": starts_at, "to": ends_at, "user": username, "person": person_id},
        )
    return await get(shift_id)


async def get(shift_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(SHIFT_SQL + " WHERE s.id = ?", shift_id)
    if row is None:
        raise NotFound("No shift with id {id}", id=shift_id)
    return view(row)


async def delete(actor: str, shift_id: int) -> dict[str, Any]:
    """Remove a shift; audited."""
    shift = await get(shift_id)
    async with db.transaction():
        await raw.fetch("DELETE FROM crisis_shift WHERE id = ?", shift_id)
        audit.record(
            actor,
            "crisis.shift_removed",
            "crisis_shift",
            shift_id,
            {"from": shift["starts_at"], "to": shift["ends_at"]},
        )
    return shift


def _span(start: int, end: int) -> None:
    if end <= start:
        raise InvalidInput("The period must end after it starts", location=("query", "to"))
    if end - start > MAX_SPAN:
        raise InvalidInput("The period is at most 31 days", location=("query", "to"))


async def between(start: int, end: int) -> list[dict[str, Any]]:
    """Shifts overlapping [start, end), by start."""
    _span(start, end)
    rows = await raw.fetch(
        SHIFT_SQL + " WHERE s.ends_at > ? AND s.starts_at < ? ORDER BY s.starts_at, s.id",
        start,
        end,
    )
    return [view(r) for r in rows]


def gaps(shifts: list[dict[str, Any]], start: int, end: int) -> list[dict[str, int]]:
    """The stretches of [start, end) no shift covers."""
    out: list[dict[str, int]] = []
    cursor = start
    for shift in sorted(shifts, key=lambda s: s["starts_at"]):
        if shift["starts_at"] > cursor:
            out.append({"from": cursor, "to": min(shift["starts_at"], end)})
        cursor = max(cursor, shift["ends_at"])
        if cursor >= end:
            break
    if cursor < end:
        out.append({"from": cursor, "to": end})
    return [g for g in out if g["to"] > g["from"]]


async def coverage(start: int, end: int) -> dict[str, Any]:
    """The shifts of a period and its uncovered stretches (``covered`` when there are none)."""
    shifts = await between(start, end)
    holes = gaps(shifts, start, end)
    return {"from": start, "to": end, "items": shifts, "gaps": holes, "covered": not holes}


async def signed_in(now: int | None = None) -> list[dict[str, Any]]:
    """Users with a live core session now (unrevoked, unexpired token), by name."""
    now = int(now if now is not None else time.time())
    rows = await raw.fetch(
        "SELECT u.username, u.full_name, MIN(t.created_at) AS since FROM auth_token t "
        'JOIN kc_user u ON u.id = t."user" WHERE t.revoked = ? AND t.expires_at > ? '
        "AND u.active = ? GROUP BY u.id, u.username, u.full_name ORDER BY u.full_name, u.username",
        False,
        now,
        True,
    )
    return [{"username": r["username"], "name": r["full_name"], "since": r["since"]} for r in rows]


async def now_view(now: int | None = None) -> dict[str, Any]:
    """Who is on shift now, who is signed in now, and who is on shift but not signed in."""
    now = int(now if now is not None else time.time())
    on_shift = [
        view(r)
        for r in await raw.fetch(
            SHIFT_SQL + " WHERE s.starts_at <= ? AND s.ends_at > ? ORDER BY s.starts_at, s.id",
            now,
            now,
        )
    ]
    online = await signed_in(now)
    names = {u["username"] for u in online}
    missing = [s for s in on_shift if s["username"] and s["username"] not in names]
    return {"at": now, "on_shift": on_shift, "signed_in": online, "on_shift_not_signed_in": missing}
