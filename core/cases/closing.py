"""Who may end a case, and why it was ended.

A case type with ``kc_may_close = false`` (ROSA 5–8: the department decides) is closed by the
department, never by the contact center. Every path that ends a case (a status change to a
terminal state, closing at the first contact, merging a duplicate) calls :func:`check_may_close`
first. Such a case may be closed only by a holder of ``cases.close_department`` (the case
officer role) who works in the case's department: the case is assigned to them, they belong
to an answer group of that department, or their competence profile holds the case type.
Agents, supervisors and the crisis team of the contact center may not, and the IT
administrator cannot work on cases at all. Every end needs a reason, which is stored on the
timeline and in the audit entry.
"""

from __future__ import annotations

from typing import Any

from core.auth.service import Principal
from core.db import raw
from core.errors import Forbidden, InvalidInput
from core.org import lookup

CLOSE_DEPARTMENT = "cases.close_department"
MAX_REASON_CHARS = 2000

# Is the user part of the case's department (answer group member or competence)?
IN_DEPARTMENT_SQL = (
    'SELECT 1 AS hit FROM answer_group_member m JOIN answer_group g ON g.id = m."group" '
    'WHERE m."user" = ? AND g.department = ? '
    'UNION ALL SELECT 1 AS hit FROM competence k WHERE k."user" = ? AND k.case_type = ?'
)


def closing_reason(reason: str) -> str:
    """The stripped closing reason, or InvalidInput when there is none or it is too long."""
    text = reason.strip()
    if not text:
        raise InvalidInput("Closing a case needs a reason")
    if len(text) > MAX_REASON_CHARS:
        raise InvalidInput("The text is too long")
    return text


async def check_may_close(principal: Principal, row: dict[str, Any]) -> None:
    """Refuse (403) when ``principal`` may not end the case ``row`` (a kc_case row)."""
    case_type = await lookup.case_type_by_id(row["case_type"])
    if case_type is None or case_type["kc_may_close"]:
        return
    if principal.can(CLOSE_DEPARTMENT) and await _works_in_department(principal, row):
        return
    raise Forbidden(
        "The contact center may not close cases of type {code}; "
        "a case officer of the department closes them",
        code=case_type["code"],
    )


async def _works_in_department(principal: Principal, row: dict[str, Any]) -> bool:
    if row.get("assignee_user") == principal.user_id:
        return True
    hits = await raw.fetch(
        IN_DEPARTMENT_SQL, principal.user_id, row["department"], principal.user_id, row["case_type"]
    )
    return bool(hits)
