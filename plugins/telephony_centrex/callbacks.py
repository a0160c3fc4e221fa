"""The call-back list (kontaktlista) of each answer group, on the core's call-backs.

A call-back lands on the list when a caller gave up or was missed (ingest offers it), when the
caller chose call-back in the talsvar menu (a hang-up with cause ``callback``), or when an
agent adds it on the citizen's behalf; each has its agreed time window. Attempts and outcomes
are recorded by the core (``record_callback_attempt``); the dial goes through the driver where
it can originate calls.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from core import audit, db
from core.auth.service import Principal
from core.cases import search as case_search
from core.cases import service as cases
from core.db import raw
from core.errors import Conflict, InvalidInput
from plugins.telephony_centrex import runtime
from plugins.telephony_centrex.drivers.base import Capability

LIST_SQL = (
    "SELECT cb.id, cb.phone, cb.preferred_from, cb.preferred_to, cb.attempts, cb.outcome, "
    "cb.notes, cb.created_at, g.code AS answer_group, c.number AS case_number "
    "FROM callback cb LEFT JOIN answer_group g ON g.id = cb.answer_group "
    'LEFT JOIN kc_case c ON c.id = cb."case" WHERE cb.outcome = ?'
)
NOT_SECRET = " AND (c.id IS NULL OR c.secret = ?)"
OUTCOMES = ("pending", "reached", "cancelled")


def plain(item: Any) -> dict[str, Any]:
    """A call-back from the core as a dict (the core answers with dicts or structs)."""
    return msgspec.structs.asdict(item) if isinstance(item, msgspec.Struct) else dict(item)


async def group_list(
    principal: Principal,
    group: str | None = None,
    outcome: str = "pending",
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The call-backs of one group (or all), the earliest agreed time first; those of secret
    cases only for holders of ``cases.secret``."""
    if outcome not in OUTCOMES:
        raise InvalidInput("Unknown call-back outcome: {outcome}", outcome=outcome[:20])
    sql, args = LIST_SQL, [outcome]
    if not principal.can("cases.secret"):
        sql += NOT_SECRET
        args.append(False)
    if group:
        sql += " AND g.code = ?"
        args.append(group)
    sql += " ORDER BY COALESCE(cb.preferred_from, cb.created_at), cb.id LIMIT ?"
    return await raw.fetch(sql, *args, limit)


async def offer(
    principal: Principal,
    phone: str,
    group: str | None,
    preferred_from: int | None,
    preferred_to: int | None,
    notes: str = "",
    case: str | None = None,
) -> dict[str, Any]:
    """An agent puts a call-back on the group's list on the citizen's behalf."""
    now = int(time.time())
    if preferred_to is not None and preferred_to < now:
        raise InvalidInput("The agreed time is already over")
    return plain(
        await cases.request_callback(
            principal, case, phone, preferred_from, preferred_to, group, notes
        )
    )


async def attempt(
    principal: Principal, callback_id: int, outcome: str, notes: str = ""
) -> dict[str, Any]:
    """Record an attempt: reached, no_answer (stays on the list) or cancelled."""
    return plain(await cases.record_callback_attempt(principal, callback_id, outcome, notes))


async def dial(principal: Principal, callback_id: int) -> dict[str, Any]:
    """Dial the call-back through the driver (409 when the driver cannot originate calls)."""
    callback = plain(await case_search.get_callback(principal, callback_id))
    if callback["outcome"] != "pending":
        raise Conflict("The call-back is already done")
    driver = runtime.driver()
    if not driver.can(Capability.CLICK_TO_CALL):
        raise Conflict("The switch driver cannot dial; call the number by hand")
    call = await driver.originate(principal.username, callback["phone"])
    async with db.transaction():
        audit.record(
            principal.username,
            "telephony.dial",
            "callback",
            callback_id,
            {"call_id": call},
        )
    return {"callback": callback, "call_id": call}
