"""Pre-registration: a host (or the reception) invites a visitor; the invitation e-mail (core
outbox) carries the visit's code and a link to its QR code; at the kiosk the QR code checks
the visitor in in one step (:func:`arrive`). The code is stored hashed and works once.

The reception sees who is expected today (:func:`expected_today`).
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import segno

from core import audit, db
from core.auth.service import Principal
from core.citizen import notify
from core.db import raw
from core.errors import Forbidden, NotFound
from plugins.visitor_reception import hosts, runtime, visits

INVITE_PREFIX = "VI1-"
QR_PATH = "/api/v1/plugins/visitor_reception/invitation-qr"


def qr_url(code: str) -> str:
    """Where the invitation's QR code is (``public_url`` of the appliance when set)."""
    try:
        settings = notify.current_settings()
        base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    except RuntimeError:
        base = ""
    return f"{base}{QR_PATH}?{urlencode({'code': code})}"


def qr_svg(code: str) -> bytes:
    """The QR code of an invitation code as SVG (the code itself is the only content)."""
    if not code.startswith(INVITE_PREFIX):
        raise NotFound("The invitation code is not known")
    return segno.make(code, error="m").svg_inline(scale=8).encode()


async def invite(
    principal: Principal,
    host_id: int | None,
    name: str,
    email: str,
    expected_at: int,
    data: visits.CheckIn,
) -> dict[str, Any]:
    """Pre-register a visitor and queue the invitation; a host invites for themselves, the
    reception for anyone. Returns the visit (the code only travels in the e-mail)."""
    name = visits.clean_name(name)
    if host_id is None:
        host = await hosts.get_by_username(principal.username)
    else:
        host = await hosts.get(host_id)
        if host["username"] != principal.username and not principal.can("reception.desk"):
            raise Forbidden("Only the reception may invite visitors for someone else")
    code = INVITE_PREFIX + secrets.token_urlsafe(18)
    now = int(time.time())
    lang = data.language
    async with db.transaction():
        number = await visits.next_number(now)
        await raw.insert(
            "visitor_visit",
            {
                "number": number,
                "visitor_name": name,
                "organisation": " ".join(data.organisation.split()),
                "purpose": data.purpose.strip(),
                "needs_assistance": data.needs_assistance,
                "language": lang,
                "host_id": host["id"],
                "host_username": host["username"],
                "location": host["location"] or str(runtime.setting("default_location")),
                "protected": bool(host["protected"]),
                "registered_by": principal.username,
                "status": "expected",
                "expected_at": expected_at,
                "local_day": visits.local_day(expected_at),
                "invite_email": email,
                "invite_hash": visits.code_hash(code),
            },
        )
        when = datetime.fromtimestamp(expected_at, visits.zone()).strftime("%Y-%m-%d %H:%M")
        await notify.queue(
            email,
            "visitor_invitation",
            lang,
            visit_number=number,
            visitor=name,
            host=host["full_name"],
            when=when,
            location=host["location"] or str(runtime.setting("default_location")),
            code=code,
            qr_url=qr_url(code),
        )
        audit.record(
            principal.username, "reception.invited", "visitor_visit", number,
            {"host": host["username"], "expected_at": expected_at},
        )  # fmt: skip
    return visits.view(await visits.get_row(number), reveal=True)


async def arrive(code: str, kiosk: dict[str, Any]) -> dict[str, Any]:
    """Check an invited visitor in with the invitation's QR code, in one step."""
    row = None
    if code.strip().startswith(INVITE_PREFIX):
        row = await visits.fetch_visit(
            "v.invite_hash = ? AND v.status = 'expected'", visits.code_hash(code)
        )
    if row is None:
        raise NotFound("The invitation code is not known")
    host = await hosts.get(row["host_id"])
    data = visits.CheckIn(
        visitor_name=row["visitor_name"],
        host_id=row["host_id"],
        purpose=row["purpose"],
        organisation=row["organisation"],
        needs_assistance=bool(row["needs_assistance"]),
        language=row["language"],
    )
    now = int(time.time())
    async with db.transaction():
        taken = await raw.fetch(
            "UPDATE visitor_visit SET invite_hash = '' WHERE id = ? AND status = 'expected' "
            "AND invite_hash <> '' RETURNING id",
            row["id"],
        )
        if not taken:
            raise NotFound("The invitation code is not known")
        signout, _ = await visits.admit(
            row["id"], row["number"], host, row["visitor_name"], data, None, kiosk, now
        )
    return await visits.admitted(row["id"], signout)


async def expected_today(now: int | None = None) -> list[dict[str, Any]]:
    """Pre-registered visitors expected today (local day) who have not arrived yet."""
    day = visits.local_day(now or int(time.time()))
    return await visits.fetch_visits(
        "v.status = 'expected' AND v.local_day = ? ORDER BY v.expected_at, v.id", day
    )
