"""Case types set aside: their cases' service-level timers paused, with a reason.

Crisis mode sets ordinary case types aside while the contact center is the municipality's
information central. :func:`pause_case_types` stops the clock of every open case of those
types (a ``pause`` line in each case's timeline and an audit entry per case, with the
reason); cases created or reopened meanwhile start paused (:func:`is_paused`, used by
:mod:`core.cases.timers`); a case leaving ``waiting`` stays paused. :func:`resume_case_types`
starts the clocks again: every running due and warning instant moves on by the business time
the pause took, as after waiting for the citizen. Cases that are ``waiting`` stay paused until
the citizen replies.

One active pause per case type; ``ref`` names who asked (e.g. ``crisis_mode:event:3``) so the
same caller resumes what it paused. The paused case types are cached in-process (invalidated
here at once and after commit; other processes see a change within ``CACHE_TTL`` seconds).
"""

from __future__ import annotations

import json
import time
from typing import Any

from core import audit, db
from core.cases import timers
from core.db import raw
from core.errors import InvalidInput

CACHE_TTL = 30.0
MAX_REASON = 500
MAX_REF = 100
RUNNING = ("ok", "warning", "breached")
PAUSE_COLUMNS = (
    "p.id, p.case_type, t.code, p.reason, p.ref, p.paused_by, p.paused_at, p.cases, "
    "p.resumed_by, p.resumed_at, p.resumed_cases"
)
PAUSE_SQL = f"SELECT {PAUSE_COLUMNS} FROM case_type_pause p JOIN case_type t ON t.id = p.case_type"
TO_PAUSE_SQL = (
    "SELECT id, number FROM kc_case WHERE case_type = ? AND paused_since IS NULL "
    "AND status NOT IN ('waiting', 'decided', 'closed') AND sla_state IN ('ok', 'warning', "
    "'breached')"
)
TO_RESUME_SQL = (
    "SELECT id, number, department, status, paused_since, paused_seconds, first_response_at, "
    "closed_at, first_response_due, first_response_warn, resolution_due, resolution_warn, "
    "sla_state FROM kc_case WHERE case_type = ? AND paused_since IS NOT NULL "
    "AND status NOT IN ('waiting', 'decided', 'closed')"
)
RESUME_SQL = (
    "UPDATE kc_case SET paused_since = NULL, paused_seconds = ?, first_response_due = ?, "
    "first_response_warn = ?, resolution_due = ?, resolution_warn = ?, sla_state = ?, "
    "sla_next_check = ? WHERE id = ?"
)
EVENT_SQL = (
    'INSERT INTO case_event ("case", at, kind, actor, public, text, data) '
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)

_cache: tuple[float, frozenset[int]] | None = None


def invalidate() -> None:
    """Forget the cached set of paused case types."""
    global _cache
    _cache = None


async def paused_case_types() -> frozenset[int]:
    """Ids of the case types set aside now (cached for ``CACHE_TTL`` seconds)."""
    global _cache
    entry = _cache
    if entry is not None and entry[0] > time.monotonic():
        return entry[1]
    rows = await raw.fetch("SELECT case_type FROM case_type_pause WHERE resumed_at IS NULL")
    ids = frozenset(int(r["case_type"]) for r in rows)
    _cache = (time.monotonic() + CACHE_TTL, ids)
    return ids


async def is_paused(case_type_id: int) -> bool:
    """Whether the case type's timers stand still now."""
    return int(case_type_id) in await paused_case_types()


async def active_pauses(ref: str | None = None) -> list[dict[str, Any]]:
    """The pauses in force (optionally only those ``ref`` started), by case type code."""
    sql, args = PAUSE_SQL + " WHERE p.resumed_at IS NULL", []
    if ref is not None:
        sql += " AND p.ref = ?"
        args.append(ref)
    return await raw.fetch(sql + " ORDER BY t.code", *args)


def _check(reason: str, ref: str) -> tuple[str, str]:
    reason, ref = (reason or "").strip(), (ref or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput("A reason of 1-500 characters is needed")
    if not ref or len(ref) > MAX_REF:
        raise InvalidInput("A reference of 1-100 characters is needed")
    return reason, ref


async def _case_types(codes: list[str]) -> list[dict[str, Any]]:
    wanted = sorted({str(c) for c in codes})
    if not wanted:
        raise InvalidInput("Name at least one case type")
    marks = ", ".join("?" for _ in wanted)
    rows = await raw.fetch(f"SELECT id, code FROM case_type WHERE code IN ({marks})", *wanted)
    unknown = sorted(set(wanted) - {r["code"] for r in rows})
    if unknown:
        raise InvalidInput("Unknown case type(s): {codes}", codes=", ".join(unknown)[:200])
    return sorted(rows, key=lambda r: r["code"])


def _event_row(case_id: int, now: int, kind: str, actor: str, data: dict[str, Any]) -> tuple:
    return (case_id, now, kind, actor, False, data["reason"], json.dumps(data, ensure_ascii=False))


async def pause_case_types(actor: str, codes: list[str], reason: str, ref: str) -> dict[str, Any]:
    """Set the case types ``codes`` aside: stop the timers of their open cases (audited per
    case and per case type, with ``reason``). Types already set aside are left as they are
    and listed under ``already``. Returns ``{"paused": [{"code", "cases"}], "already": [...]}``.
    """
    reason, ref = _check(reason, ref)
    types = await _case_types(codes)
    now = int(time.time())
    paused: list[dict[str, Any]] = []
    already: list[str] = []
    async with db.transaction():
        current = {p["case_type"] for p in await active_pauses()}
        for case_type in types:
            if case_type["id"] in current:
                already.append(case_type["code"])
                continue
            cases = await raw.fetch(TO_PAUSE_SQL, case_type["id"])
            pause_id = await raw.insert(
                "case_type_pause",
                {
                    "case_type": case_type["id"],
                    "reason": reason,
                    "ref": ref,
                    "paused_by": actor,
                    "paused_at": now,
                    "cases": len(cases),
                },
            )
            await raw.executemany(
                "UPDATE kc_case SET paused_since = ?, sla_state = 'paused', "
                "sla_next_check = NULL WHERE id = ?",
                [(now, c["id"]) for c in cases],
            )
            data = {"reason": reason, "ref": ref, "set_aside": case_type["code"]}
            await raw.executemany(
                EVENT_SQL, [_event_row(c["id"], now, "pause", actor, data) for c in cases]
            )
            for case in cases:
                audit.record(actor, "case.sla_pause", "case", case["number"], data)
            audit.record(
                actor,
                "case_type.pause",
                "case_type",
                case_type["code"],
                {"reason": reason, "ref": ref, "cases": len(cases), "pause": pause_id},
            )
            paused.append({"code": case_type["code"], "cases": len(cases)})
        invalidate()
        db.on_commit(invalidate)
    return {"paused": paused, "already": already, "reason": reason, "ref": ref}


async def resume_case_types(actor: str, ref: str) -> dict[str, Any]:
    """Resume every case type ``ref`` set aside: the paused open cases' due and warning
    instants move on by the business time paused (audited per case and per case type).
    Cases waiting for the citizen stay paused. Returns ``{"resumed": [{"code", "cases"}]}``.
    """
    ref = (ref or "").strip()
    now = int(time.time())
    resumed: list[dict[str, Any]] = []
    async with db.transaction():
        for pause in await active_pauses(ref):
            cases = await raw.fetch(TO_RESUME_SQL, pause["case_type"])
            updates = []
            for row in cases:
                merged = {**row, **await timers.resumed(row, now)}
                updates.append(
                    (
                        merged["paused_seconds"],
                        merged["first_response_due"],
                        merged["first_response_warn"],
                        merged["resolution_due"],
                        merged["resolution_warn"],
                        merged["sla_state"],
                        merged["sla_next_check"],
                        row["id"],
                    )
                )
            await raw.executemany(RESUME_SQL, updates)
            data = {"reason": pause["reason"], "ref": ref, "set_aside": pause["code"]}
            await raw.executemany(
                EVENT_SQL, [_event_row(c["id"], now, "resume", actor, data) for c in cases]
            )
            for case in cases:
                audit.record(actor, "case.sla_resume", "case", case["number"], data)
            await raw.fetch(
                "UPDATE case_type_pause SET resumed_by = ?, resumed_at = ?, resumed_cases = ? "
                "WHERE id = ?",
                actor,
                now,
                len(cases),
                pause["id"],
            )
            audit.record(
                actor,
                "case_type.resume",
                "case_type",
                pause["code"],
                {"ref": ref, "cases": len(cases), "seconds": now - int(pause["paused_at"])},
            )
            resumed.append({"code": pause["code"], "cases": len(cases)})
        invalidate()
        db.on_commit(invalidate)
    return {"resumed": resumed, "ref": ref}
