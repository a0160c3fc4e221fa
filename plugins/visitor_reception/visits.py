"""Visits: check-in (at a kiosk or by the reception), the host told at once, sign-out (by the
badge's QR code, by the reception, or automatically each evening), and who is inside.

A check-in, its core contact (channel ``visit``), the host's e-mail in the core outbox and the
audit entry are written in one transaction; the host's live event is published after commit.
The contact's summary names the host and the visit number, never the visitor: the visitor's
name stays in this plugin's table, under its retention period.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core import audit, db, events
from core.auth import service as auth
from core.auth.service import Principal
from core.cases import numbers
from core.cases import service as cases
from core.citizen import notify
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from core.i18n import N_
from plugins.visitor_reception import hosts, runtime

log = logging.getLogger(__name__)

ARRIVED = "reception.visitor_arrived"
PROTECTED_NAME = N_("Protected visit")
NUMBER_PATTERN = "B{year}-{seq:05d}"
CODE_PREFIX = "VR1-"
#: A visit's own columns; :func:`fetch_visits` adds the host's name and the contact's case.
VISIT_SQL = (
    "SELECT v.id, v.number, v.visitor_name, v.organisation, v.purpose, v.needs_assistance, "
    "v.language, v.host_id, v.host_username, v.location, v.protected, v.kiosk_id, "
    "v.registered_by, v.status, v.checked_in_at, v.checked_out_at, v.checkout_kind, "
    "v.contact_number, v.local_day, v.acknowledged_at, v.safe_roll_call, v.safe_at, "
    "v.safe_by FROM visitor_visit v "
)


async def fetch_visits(condition: str, *args: Any) -> list[dict[str, Any]]:
    """The visits ``WHERE condition`` (and its ``ORDER BY``), each with its host's name and
    the case its contact went into (``host_name``, ``case_number``; from the core's services,
    one query each for all the rows)."""
    rows = await raw.fetch(f"{VISIT_SQL}WHERE {condition}", *args)
    if rows:
        names = await auth.full_names(r["host_username"] for r in rows)
        in_cases = await cases.case_numbers_of_contacts(r["contact_number"] for r in rows)
        for row in rows:
            row["host_name"] = names.get(row["host_username"])
            row["case_number"] = in_cases.get(row["contact_number"] or "")
    return rows


async def fetch_visit(condition: str, *args: Any) -> dict[str, Any] | None:
    """The first of :func:`fetch_visits`, or None."""
    rows = await fetch_visits(condition, *args)
    return rows[0] if rows else None


@dataclass(frozen=True)
class CheckIn:
    """What a visitor (or the reception on their behalf) tells at check-in."""

    visitor_name: str
    host_id: int
    purpose: str = ""
    organisation: str = ""
    needs_assistance: bool = False
    language: str = "sv"


def zone() -> ZoneInfo:
    return ZoneInfo(cases.current_settings().timezone)


def local_day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, zone()).strftime("%Y-%m-%d")


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _actor(principal: Principal | None, kiosk: dict[str, Any] | None) -> str:
    return principal.username if principal else f"kiosk:{kiosk['id'] if kiosk else '?'}"


def _contact_principal(principal: Principal | None, actor: str) -> Principal:
    """Who registers the visit's contact: the reception user, or the kiosk as the system."""
    return Principal(
        user_id=principal.user_id if principal else None,  # type: ignore[arg-type]
        username=actor,
        full_name=principal.full_name if principal else "Kiosk",
        roles=(),
        permissions=frozenset({"contacts.register"}),
    )


async def check_in(
    data: CheckIn, principal: Principal | None = None, kiosk: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Register a visit; returns its view with the sign-out code (shown only here)."""
    name = clean_name(data.visitor_name)
    host = await hosts.get(data.host_id)
    now = int(time.time())
    async with db.transaction():
        number = await next_number(now)
        visit = {
            "number": number,
            "visitor_name": name,
            "organisation": " ".join(data.organisation.split()),
            "purpose": data.purpose.strip(),
            "needs_assistance": data.needs_assistance,
            "language": data.language,
            "host_id": host["id"],
            "host_username": host["username"],
            "location": host["location"] or str(runtime.setting("default_location")),
            "protected": bool(host["protected"]),
            "registered_by": _actor(principal, kiosk),
            "status": "expected",
        }
        visit_id = await raw.insert("visitor_visit", visit)
        code, contact_number = await admit(
            visit_id, number, host, name, data, principal, kiosk, now
        )
    row = _walk_in_row(visit, host, now, contact_number)
    return {"visit": view(row, reveal=True), "signout_code": code}


def _walk_in_row(
    visit: dict[str, Any], host: dict[str, Any], now: int, contact_number: str
) -> dict[str, Any]:
    """The row of a visit just checked in, as :func:`fetch_visit` would read it back (the check-in
    answers from what it wrote instead of reading the visit again)."""
    return {
        **visit,
        "host_name": host["full_name"],
        "status": "inside",
        "checked_in_at": now,
        "checked_out_at": None,
        "checkout_kind": "",
        "safe_at": None,
        "safe_by": "",
        "acknowledged_at": None,
        "case_number": None,  # the visit's contact is registered without a case
        "contact_number": contact_number,
    }


def clean_name(text: str) -> str:
    """A visitor's name with its spaces tidied; 400 when nothing is left."""
    name = " ".join(text.split())
    if not name:
        raise InvalidInput("Give the visitor's name", location=("body", "visitor_name"))
    return name


async def next_number(now: int) -> str:
    """The next visit number (in the caller's transaction)."""
    year = datetime.fromtimestamp(now, zone()).year
    return await numbers.next_number("visit", NUMBER_PATTERN, year)


async def admit(
    visit_id: int,
    number: str,
    host: dict[str, Any],
    name: str,
    data: CheckIn,
    principal: Principal | None,
    kiosk: dict[str, Any] | None,
    now: int,
) -> tuple[str, str]:
    """Let an expected visit in (in the caller's transaction): the core contact, the host's
    e-mail, the audit entry and, after commit, the host's live event. Returns the sign-out
    code (stored hashed) and the contact's number."""
    code = CODE_PREFIX + secrets.token_urlsafe(18)
    actor = _actor(principal, kiosk)
    contact = await cases.register_contact(
        _contact_principal(principal, actor),
        cases.ContactInput(
            channel="visit",
            summary=f"Besök {number} hos {host['full_name']}",
            received_at=now,
            language=data.language,
            external_ref=f"visit:{number}",
        ),
    )
    await raw.fetch(
        "UPDATE visitor_visit SET status = 'inside', checked_in_at = ?, kiosk_id = ?, "
        "signout_hash = ?, contact_number = ?, local_day = ?, invite_hash = '' WHERE id = ?",
        now,
        kiosk["id"] if kiosk else None,
        code_hash(code),
        contact["contact"]["number"],
        local_day(now),
        visit_id,
    )
    await _tell_host(host, number, name, data)
    audit.record(
        actor,
        "reception.checked_in",
        "visitor_visit",
        number,
        {"host": host["username"], "kiosk": kiosk["id"] if kiosk else None},
    )
    db.on_commit(lambda: _publish_arrival(host["username"], number, name, data))
    return code, contact["contact"]["number"]


async def admitted(visit_id: int, code: str) -> dict[str, Any]:
    """The answer to a check-in: the visit and its sign-out code."""
    row = await fetch_visit("v.id = ?", visit_id)
    assert row is not None
    return {"visit": view(row, reveal=True), "signout_code": code}


async def _tell_host(host: dict[str, Any], number: str, name: str, data: CheckIn) -> None:
    """The host's e-mail, in the outbox of the check-in's transaction (none without an
    address)."""
    if not host["email"]:
        return
    languages = raw.json_column(host["languages"], [])
    lang = "en" if languages and languages[0] == "en" else "sv"
    await notify.queue(
        host["email"],
        "visitor_arrived",
        lang,
        visit_number=number,
        visitor=name,
        organisation=" ".join(data.organisation.split()),
        purpose=data.purpose.strip(),
    )


def _publish_arrival(username: str, number: str, name: str, data: CheckIn) -> None:
    try:
        events.publish(
            Event(
                ARRIVED,
                {
                    "number": number,
                    "visitor_name": name,
                    "organisation": " ".join(data.organisation.split()),
                    "purpose": data.purpose.strip(),
                    "needs_assistance": data.needs_assistance,
                },
                users=(username,),
            )
        )
    except Exception:
        log.exception("live event %s failed", ARRIVED)


def view(row: dict[str, Any], reveal: bool) -> dict[str, Any]:
    """A visit as the API shows it; a protected visit's name only when ``reveal``."""
    protected = bool(row["protected"])
    shown = reveal or not protected
    return {
        "number": row["number"],
        "visitor_name": row["visitor_name"] if shown else None,
        "organisation": row["organisation"] if shown else None,
        "purpose": row["purpose"] if shown else None,
        "case": row["case_number"] if shown else None,
        "needs_assistance": bool(row["needs_assistance"]),
        "language": row["language"],
        "host": {"id": row["host_id"], "name": row["host_name"] or row["host_username"]},
        "location": row["location"],
        "protected": protected,
        "status": row["status"],
        "checked_in_at": row["checked_in_at"],
        "checked_out_at": row["checked_out_at"],
        "checkout_kind": row["checkout_kind"],
        "contact_number": row["contact_number"],
        "safe_at": row["safe_at"],
        "safe_by": row["safe_by"],
        "host_acknowledged_at": row["acknowledged_at"],
    }


def may_reveal(principal: Principal, row: dict[str, Any]) -> bool:
    """Protected visits' names: the host, and holders of ``reception.protected``."""
    return principal.username == row["host_username"] or principal.can("reception.protected")


async def views_for(principal: Principal, rows: list[dict[str, Any]], why: str) -> list[dict]:
    """Views of ``rows`` for ``principal``; each protected name revealed is an audited read."""
    revealed = [r for r in rows if r["protected"] and may_reveal(principal, r)]
    if revealed:
        async with db.transaction():
            for row in revealed:
                audit.record_read(principal.username, "visitor_visit", row["number"], {"in": why})
    return [view(r, reveal=may_reveal(principal, r)) for r in rows]


async def get_row(number: str) -> dict[str, Any]:
    row = await fetch_visit("v.number = ?", number)
    if row is None:
        raise NotFound("No visit {number}", number=number)
    return row


async def _sign_out(row: dict[str, Any], actor: str, kind: str, at: int) -> None:
    updated = await raw.fetch(
        "UPDATE visitor_visit SET status = 'out', checked_out_at = ?, checkout_kind = ? "
        "WHERE id = ? AND status = 'inside' RETURNING id",
        at,
        kind,
        row["id"],
    )
    if not updated:
        raise Conflict("Visit {number} is already signed out", number=row["number"])
    audit.record(actor, "reception.signed_out", "visitor_visit", row["number"], {"kind": kind})


async def row_by_code(code: str) -> dict[str, Any]:
    """The visit of a badge's QR code; NotFound for an unknown code."""
    row = None
    if code.strip().startswith(CODE_PREFIX):
        row = await fetch_visit("v.signout_hash = ?", code_hash(code))
    if row is None:
        raise NotFound("The sign-out code is not known")
    return row


async def sign_out_by_code(code: str, kiosk: dict[str, Any]) -> dict[str, Any]:
    """Sign out with the badge's QR code at a kiosk (whose screen never shows a case)."""
    row = await row_by_code(code)
    async with db.transaction():
        await _sign_out(row, f"kiosk:{kiosk['id']}", "kiosk", int(time.time()))
    return {**view(await get_row(row["number"]), reveal=False), "case": None}


async def sign_out(principal: Principal, number: str) -> dict[str, Any]:
    """The reception signs a visitor out."""
    row = await get_row(number)
    async with db.transaction():
        await _sign_out(row, principal.username, "reception", int(time.time()))
    return (await views_for(principal, [await get_row(number)], "sign_out"))[0]


async def inside() -> list[dict[str, Any]]:
    """Every visit signed in now, oldest first."""
    return await fetch_visits("v.status = 'inside' ORDER BY v.checked_in_at, v.id")


def auto_signout_due(now: int) -> int | None:
    """The latest automatic sign-out instant at or before ``now`` (today's or yesterday's)."""
    minutes = runtime.auto_signout_minutes(str(runtime.setting("auto_signout_time")))
    local = datetime.fromtimestamp(now, zone())
    due = local.replace(hour=minutes // 60, minute=minutes % 60, second=0, microsecond=0)
    if due > local:
        due -= timedelta(days=1)
    return int(due.timestamp())


async def overdue(now: int | None = None) -> list[dict[str, Any]]:
    """Visits still signed in that checked in before the last automatic sign-out time (the
    sign-out job has not run, or the visit came in after it and stayed overnight)."""
    due = auto_signout_due(now or int(time.time()))
    return [r for r in await inside() if r["checked_in_at"] < (due or 0)]


async def auto_sign_out(now: int | None = None) -> int:
    """Sign out everyone who checked in before the last automatic sign-out time, recorded
    as ``auto``; returns how many."""
    now = now or int(time.time())
    rows = await overdue(now)
    if not rows:
        return 0
    async with db.transaction():
        await raw.executemany(
            "UPDATE visitor_visit SET status = 'out', checked_out_at = ?, checkout_kind = 'auto' "
            "WHERE id = ? AND status = 'inside'",
            [(now, row["id"]) for row in rows],
        )
        audit.record(
            "system", "reception.auto_signed_out", "visitor_visit", "", {"count": len(rows)}
        )
    return len(rows)


def run_auto_sign_out() -> None:
    """The worker's periodic task (every 15 minutes)."""
    from core import jobs

    jobs.run_async(auto_sign_out())
