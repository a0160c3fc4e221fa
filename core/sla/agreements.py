"""Agreements (överenskommelser) with departments and their targets per case type.

Persistence and validation; every change is audited in its transaction and invalidates the
look-up caches of :mod:`core.sla.service`. One department never has two agreements valid on
the same day.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from core import audit, db, paging
from core.auth.tables import User
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from core.org.tables import CaseType, Department
from core.sla.service import (
    as_date,
    calendar_for,
    invalidate_on_commit,
    resolve_target,
)
from core.sla.tables import Agreement, AgreementTarget

# The look-ups live in core.sla.service; re-exported for callers that think "agreements".
__all__ = ["calendar_for", "resolve_target"]

MAX_MINUTES = 1_000_000  # about eight years of office hours
MAX_LEVELS = 10
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


# --------------------------------------------------------------------------- validation


def periods_overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    """Whether two inclusive validity periods share a day (None = open-ended)."""
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


def _check_period(valid_from: date, valid_to: date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(
            "The validity period ends ({valid_to}) before it starts ({valid_from})",
            valid_from=valid_from.isoformat(),
            valid_to=valid_to.isoformat(),
        )


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("The name must be 1-200 characters")
    return name


def _check_fee(fee: int) -> int:
    if fee < 0:
        raise InvalidInput("The base fee must not be negative")
    return int(fee)


def check_minutes(field: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MINUTES:
        raise InvalidInput(
            "{field} must be a whole number of minutes from 1 to {max}",
            field=field,
            max=MAX_MINUTES,
        )
    return value


def check_warning_percent(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
        raise InvalidInput("The warning threshold must be 1-99 percent")
    return value


async def check_escalation(chain: Any) -> list[dict[str, Any]]:
    """A list of {"level": n, "notify": [username | e-mail, ...]} with rising levels.

    Usernames must name existing staff accounts; anything with an @ must be an e-mail address.
    """
    if not isinstance(chain, list):
        raise InvalidInput("The escalation chain must be a list of levels")
    if len(chain) > MAX_LEVELS:
        raise InvalidInput("The escalation chain has at most {n} levels", n=MAX_LEVELS)
    result: list[dict[str, Any]] = []
    previous = 0
    usernames: set[str] = set()
    for item in chain:
        if not isinstance(item, dict) or set(item) - {"level", "notify"}:
            raise InvalidInput("An escalation level has the fields level and notify")
        level, notify = item.get("level"), item.get("notify")
        if isinstance(level, bool) or not isinstance(level, int) or level <= previous:
            raise InvalidInput("Escalation levels must be whole numbers rising from 1")
        if not isinstance(notify, list) or not notify:
            raise InvalidInput("Escalation level {level} notifies nobody", level=level)
        names: list[str] = []
        for who in notify:
            if not isinstance(who, str):
                raise InvalidInput("Escalation level {level} notifies nobody", level=level)
            who = who.strip()
            if "@" in who:
                if not EMAIL_RE.match(who):
                    raise InvalidInput("Not a valid e-mail address: {email}", email=who)
            elif USERNAME_RE.match(who):
                usernames.add(who)
            else:
                raise InvalidInput("Not a user or an e-mail address: {value}", value=who)
            if who not in names:
                names.append(who)
        result.append({"level": level, "notify": names})
        previous = level
    if usernames:
        rows = await User.select(User.username).where(User.username.is_in(sorted(usernames)))
        missing = sorted(usernames - {r["username"] for r in rows})
        if missing:
            raise InvalidInput(
                "Unknown user(s) in the escalation chain: {users}", users=", ".join(missing)
            )
    return result


# --------------------------------------------------------------------------- agreements


def _agreement_dict(row: dict[str, Any]) -> dict[str, Any]:
    valid_from, valid_to = as_date(row["valid_from"]), as_date(row["valid_to"])
    return {
        "id": row["id"],
        "department_id": row["department"],
        "name": row["name"],
        "valid_from": valid_from.isoformat() if valid_from else None,
        "valid_to": valid_to.isoformat() if valid_to else None,
        "base_fee_ore": int(row["base_fee_ore"] or 0),
        "notes": row["notes"],
    }


async def _agreement_row(agreement_id: int) -> dict[str, Any]:
    rows = await Agreement.select().where(Agreement.id == agreement_id)
    if not rows:
        raise NotFound("There is no agreement {id}", id=agreement_id)
    return rows[0]


async def _lock_department(department_id: int) -> dict[str, Any]:
    """The department row; on PostgreSQL locked, so overlap checks cannot race."""
    query = Department.select(Department.id, Department.code).where(Department.id == department_id)
    if Department._meta.db.engine_type == "postgres":
        query = query.lock_rows()
    rows = await query
    if not rows:
        raise InvalidInput("There is no department {id}", id=department_id)
    return rows[0]


async def _check_no_overlap(
    department_id: int, valid_from: date, valid_to: date | None, exclude_id: int | None = None
) -> None:
    rows = await Agreement.select(
        Agreement.id, Agreement.name, Agreement.valid_from, Agreement.valid_to
    ).where(Agreement.department == department_id)
    for other in rows:
        if other["id"] == exclude_id:
            continue
        if periods_overlap(
            valid_from, valid_to, as_date(other["valid_from"]), as_date(other["valid_to"])
        ):
            raise Conflict(
                "The period overlaps the department's agreement {name} ({id})",
                name=other["name"],
                id=other["id"],
            )


async def list_agreements(
    department_id: int | None = None,
    cursor: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """One page of the agreements, optionally of one department, by department and oldest
    validity first (keyset on department, valid_from, id), with their number."""
    scope = "agreements"
    query = Agreement.select().order_by(Agreement.department, Agreement.valid_from, Agreement.id)
    count = Agreement.count()
    if department_id is not None:
        query = query.where(Agreement.department == department_id)
        count = count.where(Agreement.department == department_id)
    after = paging.decode_cursor(scope, cursor, (int, str, int))
    if after is not None:
        department, valid_from, last = int(after[0]), _cursor_day(str(after[1])), int(after[2])
        query = query.where(
            (Agreement.department > department)
            | (
                (Agreement.department == department)
                & (
                    (Agreement.valid_from > valid_from)
                    | ((Agreement.valid_from == valid_from) & (Agreement.id > last))
                )
            )
        )
    rows = [_agreement_dict(r) for r in await query.limit(limit + 1)]
    page, next_cursor = paging.cut(
        rows, limit, scope, lambda r: (r["department_id"], r["valid_from"], r["id"])
    )
    return paging.page(page, next_cursor, await count)


def _cursor_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("The cursor is not valid; use the next_cursor of a page") from None


async def get_agreement(agreement_id: int) -> dict[str, Any]:
    """One agreement with its targets."""
    info = _agreement_dict(await _agreement_row(agreement_id))
    info["targets"] = await list_targets(agreement_id)
    return info


async def create_agreement(
    actor: str,
    department_id: int,
    name: str,
    valid_from: date,
    valid_to: date | None = None,
    base_fee_ore: int = 0,
    notes: str = "",
) -> dict[str, Any]:
    """A new agreement; its validity must not overlap another of the same department."""
    name = _check_name(name)
    _check_period(valid_from, valid_to)
    fee = _check_fee(base_fee_ore)
    async with db.transaction():
        department = await _lock_department(department_id)
        await _check_no_overlap(department_id, valid_from, valid_to)
        row = Agreement(
            department=department_id,
            name=name,
            valid_from=valid_from,
            valid_to=valid_to,
            base_fee_ore=fee,
            notes=notes or "",
        )
        await row.save()
        audit.record(
            actor,
            "sla.agreement.create",
            "sla_agreement",
            row.id,
            {
                "department": department["code"],
                "name": name,
                "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat() if valid_to else None,
                "base_fee_ore": fee,
            },
        )
        invalidate_on_commit()
    return await get_agreement(row.id)


async def update_agreement(actor: str, agreement_id: int, **changes: Any) -> dict[str, Any]:
    """Change name, validity period, base fee or notes (the department stays)."""
    allowed = {"name", "valid_from", "valid_to", "base_fee_ore", "notes"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput("Unknown field(s): {fields}", fields=", ".join(sorted(unknown)))
    async with db.transaction():
        current = await _agreement_row(agreement_id)
        values: dict[Any, Any] = {}
        details: dict[str, Any] = {}
        if "name" in changes:
            values[Agreement.name] = details["name"] = _check_name(changes["name"])
        if "base_fee_ore" in changes:
            values[Agreement.base_fee_ore] = details["base_fee_ore"] = _check_fee(
                changes["base_fee_ore"]
            )
        if "notes" in changes:
            values[Agreement.notes] = details["notes"] = changes["notes"] or ""
        if "valid_from" in changes or "valid_to" in changes:
            valid_from = changes.get("valid_from", as_date(current["valid_from"]))
            valid_to = changes.get("valid_to", as_date(current["valid_to"]))
            _check_period(valid_from, valid_to)
            await _lock_department(current["department"])
            await _check_no_overlap(current["department"], valid_from, valid_to, agreement_id)
            values[Agreement.valid_from] = valid_from
            values[Agreement.valid_to] = valid_to
            details["valid_from"] = valid_from.isoformat()
            details["valid_to"] = valid_to.isoformat() if valid_to else None
        if values:
            await Agreement.update(values).where(Agreement.id == agreement_id)
            audit.record(actor, "sla.agreement.update", "sla_agreement", agreement_id, details)
        invalidate_on_commit()
    return await get_agreement(agreement_id)


async def delete_agreement(actor: str, agreement_id: int) -> None:
    """Delete an agreement and its targets."""
    async with db.transaction():
        current = await _agreement_row(agreement_id)
        await Agreement.delete().where(Agreement.id == agreement_id)
        audit.record(
            actor,
            "sla.agreement.delete",
            "sla_agreement",
            agreement_id,
            {"name": current["name"], "department_id": current["department"]},
        )
        invalidate_on_commit()


# --------------------------------------------------------------------------- targets


def _target_dict(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "agreement_id": row["agreement"],
        "case_type_id": row["case_type"],
        "first_response_minutes": row["first_response_minutes"],
        "resolution_minutes": row["resolution_minutes"],
        "warning_percent": int(row["warning_percent"]),
        "escalation": raw.json_column(row["escalation"], []),
        "expected_volume": int(row["expected_volume"] or 0),
    }


async def list_targets(agreement_id: int) -> list[dict[str, Any]]:
    """The agreement's targets, by case type."""
    await _agreement_row(agreement_id)
    rows = await AgreementTarget.select().where(AgreementTarget.agreement == agreement_id)
    return [_target_dict(r) for r in sorted(rows, key=lambda r: r["case_type"])]


async def _target_row(agreement_id: int, target_id: int) -> dict[str, Any]:
    rows = await AgreementTarget.select().where(
        (AgreementTarget.id == target_id) & (AgreementTarget.agreement == agreement_id)
    )
    if not rows:
        raise NotFound(
            "Agreement {agreement} has no target {id}", agreement=agreement_id, id=target_id
        )
    return rows[0]


def _check_budgets(first_response: int | None, resolution: int | None) -> None:
    check_minutes("first_response_minutes", first_response)
    check_minutes("resolution_minutes", resolution)
    if first_response is None and resolution is None:
        raise InvalidInput("A target needs a first response or a resolution time")
    if first_response is not None and resolution is not None and resolution < first_response:
        raise InvalidInput("The resolution time must not be shorter than the first response time")


def _check_volume(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("The expected volume must not be negative")
    return value


async def create_target(
    actor: str,
    agreement_id: int,
    case_type_id: int,
    first_response_minutes: int | None = None,
    resolution_minutes: int | None = None,
    warning_percent: int = 80,
    escalation: list[dict[str, Any]] | None = None,
    expected_volume: int = 0,
) -> dict[str, Any]:
    """Targets for one case type of the agreement's department (one per case type)."""
    _check_budgets(first_response_minutes, resolution_minutes)
    check_warning_percent(warning_percent)
    _check_volume(expected_volume)
    chain = await check_escalation(escalation or [])
    async with db.transaction():
        agreement = await _agreement_row(agreement_id)
        case_types = await CaseType.select(CaseType.id, CaseType.code, CaseType.department).where(
            CaseType.id == case_type_id
        )
        if not case_types:
            raise InvalidInput("There is no case type {id}", id=case_type_id)
        case_type = case_types[0]
        if case_type["department"] != agreement["department"]:
            raise InvalidInput(
                "The case type {case_type} does not belong to the agreement's department",
                case_type=case_type["code"],
            )
        if await AgreementTarget.exists().where(
            (AgreementTarget.agreement == agreement_id)
            & (AgreementTarget.case_type == case_type_id)
        ):
            raise Conflict(
                "The agreement already has a target for the case type {case_type}",
                case_type=case_type["code"],
            )
        row = AgreementTarget(
            agreement=agreement_id,
            case_type=case_type_id,
            first_response_minutes=first_response_minutes,
            resolution_minutes=resolution_minutes,
            warning_percent=warning_percent,
            escalation=chain,
            expected_volume=expected_volume,
        )
        await row.save()
        audit.record(
            actor,
            "sla.target.create",
            "sla_target",
            row.id,
            {
                "agreement_id": agreement_id,
                "case_type": case_type["code"],
                "first_response_minutes": first_response_minutes,
                "resolution_minutes": resolution_minutes,
                "warning_percent": warning_percent,
                "escalation": chain,
                "expected_volume": expected_volume,
            },
        )
        invalidate_on_commit()
    return _target_dict(await _target_row(agreement_id, row.id))


async def update_target(
    actor: str, agreement_id: int, target_id: int, **changes: Any
) -> dict[str, Any]:
    """Change a target's budgets, warning threshold, escalation chain or expected volume."""
    allowed = {
        "first_response_minutes",
        "resolution_minutes",
        "warning_percent",
        "escalation",
        "expected_volume",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput("Unknown field(s): {fields}", fields=", ".join(sorted(unknown)))
    if "escalation" in changes:
        changes["escalation"] = await check_escalation(changes["escalation"] or [])
    if "warning_percent" in changes:
        check_warning_percent(changes["warning_percent"])
    if "expected_volume" in changes:
        _check_volume(changes["expected_volume"])
    async with db.transaction():
        current = await _target_row(agreement_id, target_id)
        _check_budgets(
            changes.get("first_response_minutes", current["first_response_minutes"]),
            changes.get("resolution_minutes", current["resolution_minutes"]),
        )
        if changes:
            columns = AgreementTarget._meta.get_column_by_name
            await AgreementTarget.update({columns(k): v for k, v in changes.items()}).where(
                AgreementTarget.id == target_id
            )
            audit.record(actor, "sla.target.update", "sla_target", target_id, dict(changes))
        invalidate_on_commit()
    return _target_dict(await _target_row(agreement_id, target_id))


async def delete_target(actor: str, agreement_id: int, target_id: int) -> None:
    """Remove a target: the case type has no service level under this agreement."""
    async with db.transaction():
        current = await _target_row(agreement_id, target_id)
        await AgreementTarget.delete().where(AgreementTarget.id == target_id)
        audit.record(
            actor,
            "sla.target.delete",
            "sla_target",
            target_id,
            {"agreement_id": agreement_id, "case_type_id": current["case_type"]},
        )
        invalidate_on_commit()
