"""The evacuation roll call: one action lists everyone signed in, with host, location and the
"needs assistance" mark; the reception ticks people off as safe (web page or API); the same
list prints as a PDF and as a self-contained offline HTML copy with its refresh time.

Crisis mode starts it through the core hook ``start_roll_call``. Names of protected visits
are shown here (an evacuation needs them); every such read is audited.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core import audit, db, events
from core.auth.service import Principal
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, NotFound
from core.i18n import translator
from plugins.visitor_reception import pdf, visits

log = logging.getLogger(__name__)
EVENT = "reception.roll_call"  # registered in __init__.register_event_types
ROLL_SQL = "SELECT id, reason, actor, started_at, people FROM visitor_roll_call"
_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined,
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)


async def start(actor: str, reason: str) -> dict[str, Any]:
    """Start a roll call of everyone signed in now; audited with the count."""
    people = len(await visits.inside())
    async with db.transaction():
        roll_id = await raw.insert(
            "visitor_roll_call",
            {"reason": reason, "actor": actor, "started_at": int(time.time()), "people": people},
        )
        audit.record(actor, "reception.roll_call", "visitor_roll_call", roll_id, {"people": people})
    _publish({"roll_call": roll_id, "started": True})
    return await get(roll_id)


async def get(roll_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(ROLL_SQL + " WHERE id = ?", roll_id)
    if row is None:
        raise NotFound("No roll call {id}", id=roll_id)
    return row


async def latest() -> dict[str, Any]:
    """The latest roll call (NotFound before the first)."""
    row = await raw.fetchrow(ROLL_SQL + " ORDER BY id DESC LIMIT 1")
    if row is None:
        raise NotFound("No roll call has been started")
    return row


async def people(principal: Principal, roll: dict[str, Any]) -> list[dict[str, Any]]:
    """Everyone of the roll call: signed in now, or ticked off as safe in it; those needing
    assistance first, then by location and name. Safe marks of older roll calls are not
    shown."""
    rows = await visits.fetch_visits("v.status = 'inside' OR v.safe_roll_call = ?", roll["id"])
    for row in rows:
        if row["safe_roll_call"] != roll["id"]:
            row["safe_at"], row["safe_by"] = None, ""
    protected = [r for r in rows if r["protected"]]
    if protected:
        async with db.transaction():
            for row in protected:
                audit.record_read(
                    principal.username, "visitor_visit", row["number"], {"in": "roll_call"}
                )
    rows.sort(key=lambda r: (not r["needs_assistance"], r["location"], r["visitor_name"]))
    return [visits.view(r, reveal=True) for r in rows]


async def mark_safe(principal: Principal, roll_id: int, number: str, safe: bool) -> dict:
    """Tick a visitor off as safe in the roll call (or take the tick back); audited."""
    roll = await get(roll_id)
    row = await visits.get_row(number)
    if row["status"] != "inside" and row["safe_roll_call"] != roll["id"]:
        raise Conflict("Visit {number} is not in this roll call", number=number)
    now = int(time.time())
    async with db.transaction():
        await raw.fetch(
            "UPDATE visitor_visit SET safe_roll_call = ?, safe_at = ?, safe_by = ? WHERE id = ?",
            roll["id"] if safe else None,
            now if safe else None,
            principal.username if safe else "",
            row["id"],
        )
        audit.record(
            principal.username,
            "reception.safe" if safe else "reception.unsafe",
            "visitor_visit",
            number,
            {"roll_call": roll["id"]},
        )
    view = visits.view(await visits.get_row(number), reveal=True)
    _publish(
        {
            "roll_call": roll["id"],
            "number": number,
            "safe_at": view["safe_at"],
            "safe_by": view["safe_by"],
        }
    )
    return view


def _publish(data: dict[str, Any]) -> None:
    """Tell every reception desk (``reception.desk``) that the roll call changed, after the
    commit; names stay out of the event (the desks read the list themselves)."""
    try:
        events.publish(Event(EVENT, data))
    except Exception:
        log.exception("live event %s failed", EVENT)


def summary(roll: dict[str, Any], listed: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "roll_call": roll,
        "people": listed,
        "counts": {
            "inside": len(listed),
            "safe": sum(1 for p in listed if p["safe_at"]),
            "needs_assistance": sum(1 for p in listed if p["needs_assistance"]),
        },
    }


def as_pdf(roll: dict[str, Any], listed: list[dict[str, Any]], lang: str) -> bytes:
    return pdf.roll_call(listed, roll["started_at"], int(time.time()), lang, visits.zone())


def as_offline_html(roll: dict[str, Any], listed: list[dict[str, Any]], lang: str) -> str:
    """A self-contained HTML copy (no scripts, no external files) with its refresh time."""
    now = int(time.time())
    return _env.get_template("offline.html").render(
        lang=lang,
        _=translator(lang),
        roll=roll,
        people=listed,
        started=pdf.local_time(roll["started_at"], visits.zone()),
        refreshed=pdf.local_time(now, visits.zone(), "%Y-%m-%d %H:%M:%S"),
        refreshed_iso=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
    )


async def start_for_hook(actor: str, reason: str) -> dict[str, Any]:
    """The ``start_roll_call`` hook: start a roll call and return it with everyone in it."""
    roll = await start(actor, reason[:200])
    principal = Principal(
        user_id=None,  # type: ignore[arg-type]
        username=actor,
        full_name=actor,
        roles=(),
        permissions=frozenset({"reception.desk"}),
    )
    return summary(roll, await people(principal, roll))
