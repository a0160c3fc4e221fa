"""Staff who accept visitors, and the kiosk's search among them.

The search answers with a host's id, name and unit only (never username, e-mail or phone), and
only for active staff marked as accepting visitors, so the kiosk exposes nothing of the staff
directory beyond whom a visitor may ask for.
"""

from __future__ import annotations

import time
from typing import Any

from core import audit, db
from core.db import raw
from core.errors import InvalidInput, NotFound

MIN_QUERY = 2
MAX_RESULTS = 10
HOST_SQL = (
    "SELECT h.id, h.username, h.unit, h.location, h.protected, h.accepts, "
    "u.full_name, u.email, u.languages, u.active "
    "FROM visitor_host h JOIN kc_user u ON u.username = h.username"
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def save(
    actor: str, username: str, unit: str, location: str, protected: bool, accepts: bool
) -> dict[str, Any]:
    """Mark a member of staff as (not) accepting visitors, with unit and location; audited."""
    user = await raw.fetchrow("SELECT id FROM kc_user WHERE username = ?", username)
    if user is None:
        raise InvalidInput("No user {username}", username=username)
    now = int(time.time())
    async with db.transaction():
        existing = await raw.fetchrow("SELECT id FROM visitor_host WHERE username = ?", username)
        values = {"unit": unit, "location": location, "protected": protected, "accepts": accepts}
        if existing is None:
            await raw.insert("visitor_host", {"username": username, **values, "updated_at": now})
        else:
            await raw.fetch(
                "UPDATE visitor_host SET unit = ?, location = ?, protected = ?, accepts = ?, "
                "updated_at = ? WHERE username = ?",
                unit,
                location,
                protected,
                accepts,
                now,
                username,
            )
        audit.record(actor, "reception.host_saved", "visitor_host", username, values)
    return await by_username(username)


async def by_username(username: str) -> dict[str, Any]:
    row = await raw.fetchrow(HOST_SQL + " WHERE h.username = ?", username)
    if row is None:
        raise NotFound("No host {username}", username=username)
    return public(row)


async def get(host_id: int) -> dict[str, Any]:
    """The full host row (for the service: e-mail and languages included)."""
    row = await raw.fetchrow(HOST_SQL + " WHERE h.id = ?", host_id)
    if row is None or not row["accepts"] or not row["active"]:
        raise InvalidInput("No host with id {id} accepts visitors", id=host_id)
    return row


async def get_by_username(username: str) -> dict[str, Any]:
    """The full host row of a member of staff accepting visitors (400 otherwise)."""
    row = await raw.fetchrow(HOST_SQL + " WHERE h.username = ?", username)
    if row is None or not row["accepts"] or not row["active"]:
        raise InvalidInput("You are not marked as accepting visitors")
    return row


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A host as the reception and the administrator see it."""
    return {
        "id": row["id"],
        "username": row["username"],
        "name": row["full_name"],
        "unit": row["unit"],
        "location": row["location"],
        "protected": bool(row["protected"]),
        "accepts": bool(row["accepts"]),
    }


async def list_all() -> list[dict[str, Any]]:
    return [public(row) for row in await raw.fetch(HOST_SQL + " ORDER BY u.full_name, h.id")]


async def search(query: str) -> list[dict[str, Any]]:
    """Hosts accepting visitors whose name or unit contains every word of ``query`` (at least
    2 characters): id, name and unit only."""
    query = " ".join(query.split())
    if len(query) < MIN_QUERY:
        raise InvalidInput(
            "Type at least {count} letters", location=("query", "q"), count=MIN_QUERY
        )
    # every word in the name or the unit ("vilma bygg"), at most four words
    patterns = [f"%{_escape_like(word)}%" for word in query.lower().split()[:4]]
    word = "(LOWER(u.full_name) LIKE ? ESCAPE '\\' OR LOWER(h.unit) LIKE ? ESCAPE '\\')"
    rows = await raw.fetch(
        HOST_SQL
        + " WHERE h.accepts = ? AND u.active = ? AND "
        + " AND ".join([word] * len(patterns))
        + " ORDER BY u.full_name, h.id LIMIT ?",
        True,
        True,
        *[p for pattern in patterns for p in (pattern, pattern)],
        MAX_RESULTS,
    )
    return [{"id": r["id"], "name": r["full_name"], "unit": r["unit"]} for r in rows]
