"""A visitor who came with a question: their visit's core contact opens a new case or joins
an open one, through the core's ``attach_contact`` (the plugin writes no core table).

A protected visit's case is opened secret, and its case number shows only to those who may
see the visit's name (the host, ``reception.protected``).
"""

from __future__ import annotations

from typing import Any

from core import audit, db
from core.auth.service import Principal
from core.cases import service as cases
from core.errors import Conflict
from plugins.visitor_reception import visits


async def open_or_join(
    principal: Principal,
    number: str,
    *,
    case_type: str | None = None,
    summary: str = "",
    join_case: str | None = None,
) -> dict[str, Any]:
    """Put visit ``number``'s contact into a new case of ``case_type`` or the open case
    ``join_case``; returns ``{"case": <number>, "visit": …}``. 404 for an unknown visit, case
    type or case; 409 before check-in, when the visit is in a case already or the case is
    closed."""
    row = await visits.get_row(number)
    if not row["contact_number"]:
        raise Conflict("Visit {number} has not arrived yet", number=number)
    if row["case_number"]:
        raise Conflict("Visit {number} is already in a case", number=number)
    async with db.transaction():
        result = await cases.attach_contact(
            principal,
            row["contact_number"],
            case_type=case_type,
            summary=summary,
            join_case=join_case,
            secret=bool(row["protected"]),
        )
        case_number = result["case"]["number"]
        audit.record(
            principal.username,
            "reception.case",
            "visitor_visit",
            number,
            {"case": case_number, "opened": join_case is None},
        )
    visit = (await visits.views_for(principal, [await visits.get_row(number)], "case"))[0]
    return {"case": case_number, "visit": visit}
