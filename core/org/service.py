"""Departments, answer groups, members, case types and competence profiles (no HTTP here)."""

from __future__ import annotations

import json
import re
from typing import Any

from piccolo.query import Select
from piccolo.table import Table

from core import audit, db, paging
from core.auth.tables import User
from core.errors import InvalidInput, NotFound
from core.org import lookup
from core.org.tables import AnswerGroup, CaseType, Competence, Department, GroupMember

CODE_RE = re.compile(r"^[A-Za-z0-9ÅÄÖåäö_.-]{1,60}$")
DEPARTMENT_KINDS = ("department", "committee", "company", "external")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _code(value: str, limit: int) -> str:
    value = (value or "").strip()
    if not CODE_RE.match(value) or len(value) > limit:
        raise InvalidInput("Not a valid code: {code}", code=value)
    return value


def _name(value: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 200:
        raise InvalidInput("A name of 1-200 characters is required")
    return value


def _languages(values: list[str]) -> list[str]:
    for lang in values:
        if not re.match(r"^[a-z]{2,3}$", lang):
            raise InvalidInput("Not a valid language code: {lang}", lang=lang)
    return sorted(set(values))


async def _department_id(code: str) -> int:
    row = await Department.select(Department.id).where(Department.code == code).first()
    if row is None:
        raise InvalidInput("Unknown department: {code}", code=code)
    return row["id"]


async def _group_id(code: str) -> int:
    row = await AnswerGroup.select(AnswerGroup.id).where(AnswerGroup.code == code).first()
    if row is None:
        raise NotFound("Unknown answer group: {code}", code=code)
    return row["id"]


async def _user_id(username: str) -> int:
    row = await User.select(User.id).where(User.username == username).first()
    if row is None:
        raise InvalidInput("No user named {username}", username=username)
    return row["id"]


# -- departments ---------------------------------------------------------------------------
def _department_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: row[key]
        for key in ("code", "name_sv", "name_en", "kind", "email", "calendar", "active")
    }


async def _by_code(
    table: type[Table], query: Select, scope: str, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None, int]:
    """One page of ``query`` over ``table`` by code (keyset on code, id), its next cursor and
    the table's row count (these tables are small, counting them is cheap)."""
    keys = (("code", str), ("id", int))
    page, next_cursor = await paging.select_page(table, query, scope, keys, cursor, limit)
    return page, next_cursor, await table.count()


async def list_departments(
    cursor: str | None = None, limit: int = paging.DEFAULT_LIMIT
) -> dict[str, Any]:
    """One page of the departments by code (keyset on code, id), with the total."""
    page, next_cursor, total = await _by_code(
        Department, Department.select(), "departments", cursor, limit
    )
    return paging.page([_department_view(r) for r in page], next_cursor, total)


async def save_department(actor: str, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Create or update a department (by code)."""
    code = _code(code, 20)
    values = {
        "name_sv": _name(data.get("name_sv", "")),
        "name_en": _name(data.get("name_en") or data.get("name_sv", "")),
        "kind": data.get("kind", "department"),
        "email": data.get("email", ""),
        "calendar": data.get("calendar", "standard"),
        "active": data.get("active", True),
    }
    if values["kind"] not in DEPARTMENT_KINDS:
        raise InvalidInput("Unknown department kind: {kind}", kind=values["kind"])
    if values["email"] and not EMAIL_RE.match(values["email"]):
        raise InvalidInput("Not a valid e-mail address: {email}", email=values["email"])
    async with db.transaction():
        existing = await Department.select(Department.id).where(Department.code == code).first()
        if existing:
            await Department.update(values).where(Department.id == existing["id"])
        else:
            await Department.insert(Department(code=code, **values))
        audit.record(actor, "department.save", "department", code, values)
    lookup.forget()
    return _department_view({"code": code, **values})


# -- answer groups -------------------------------------------------------------------------
async def list_groups(
    cursor: str | None = None, limit: int = paging.DEFAULT_LIMIT
) -> dict[str, Any]:
    """One page of the answer groups by code (keyset on code, id) with their members."""
    page, next_cursor, total = await _by_code(
        AnswerGroup,
        AnswerGroup.select(*AnswerGroup.all_columns(), AnswerGroup.department.code),
        "groups",
        cursor,
        limit,
    )
    return paging.page(await _group_views(page), next_cursor, total)


async def _group(code: str) -> dict[str, Any]:
    rows = await AnswerGroup.select(*AnswerGroup.all_columns(), AnswerGroup.department.code).where(
        AnswerGroup.code == code
    )
    return (await _group_views(rows))[0]


async def _group_views(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The groups ``rows`` as the API shows them, with their members by username."""
    if not rows:
        return []
    members = await GroupMember.select(
        GroupMember.group, GroupMember.user.username, GroupMember.virtual
    ).where(GroupMember.group.is_in([r["id"] for r in rows]))
    by_group: dict[int, list[dict[str, Any]]] = {}
    for m in members:
        by_group.setdefault(m["group"], []).append(
            {"username": m["user.username"], "virtual": bool(m["virtual"])}
        )
    return [
        {
            "code": r["code"],
            "name_sv": r["name_sv"],
            "name_en": r["name_en"],
            "department": r["department.code"],
            "phone_number": r["phone_number"],
            "languages": r["languages"],
            "active": r["active"],
            "members": sorted(by_group.get(r["id"], []), key=lambda m: m["username"]),
        }
        for r in rows
    ]


async def save_group(actor: str, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Create or update an answer group (by code)."""
    code = _code(code, 40)
    values = {
        "name_sv": _name(data.get("name_sv", "")),
        "name_en": _name(data.get("name_en") or data.get("name_sv", "")),
        "department": await _department_id(data["department"]) if data.get("department") else None,
        "phone_number": data.get("phone_number", ""),
        "languages": _languages(data.get("languages") or ["sv"]),
        "active": data.get("active", True),
    }
    async with db.transaction():
        existing = await AnswerGroup.select(AnswerGroup.id).where(AnswerGroup.code == code).first()
        if existing:
            await AnswerGroup.update(values).where(AnswerGroup.id == existing["id"])
        else:
            await AnswerGroup.insert(AnswerGroup(code=code, **values))
        audit.record(
            actor,
            "group.save",
            "answer_group",
            code,
            {**values, "department": data.get("department")},
        )
    lookup.forget()
    return await _group(code)


async def set_members(actor: str, code: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    """Replace the members of an answer group (virtual = a department's case officer)."""
    group_id = await _group_id(code)
    wanted = {}
    for member in members:
        wanted[await _user_id(member["username"])] = bool(member.get("virtual", False))
    async with db.transaction():
        await GroupMember.delete().where(GroupMember.group == group_id)
        if wanted:
            await GroupMember.insert(
                *[
                    GroupMember(group=group_id, user=uid, virtual=virtual)
                    for uid, virtual in wanted.items()
                ]
            )
        audit.record(
            actor,
            "group.members",
            "answer_group",
            code,
            {"members": sorted(m["username"] for m in members)},
        )
    return await _group(code)


# -- case types ----------------------------------------------------------------------------
def _json_list(value: Any) -> list[Any]:
    """A JSON column's list (Piccolo reads JSON back as text on SQLite and PostgreSQL)."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return list(value) if isinstance(value, list) else []


def _case_type_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": row["code"],
        "name_sv": row["name_sv"],
        "name_en": row["name_en"],
        "department": row["department.code"],
        "rosa_level": row["rosa_level"],
        "kc_may_close": bool(row["kc_may_close"]),
        "public": bool(row["public"]),
        "description_sv": row["description_sv"],
        "description_en": row["description_en"],
        "keywords": _json_list(row["keywords"]),
        "unit_price_ore": row["unit_price_ore"],
        "active": bool(row["active"]),
    }


async def list_case_types(
    cursor: str | None = None, limit: int = paging.DEFAULT_LIMIT
) -> dict[str, Any]:
    """One page of the case types by code (keyset on code, id), with the total."""
    page, next_cursor, total = await _by_code(
        CaseType,
        CaseType.select(*CaseType.all_columns(), CaseType.department.code),
        "case-types",
        cursor,
        limit,
    )
    return paging.page([_case_type_view(r) for r in page], next_cursor, total)


async def get_case_type(code: str) -> dict[str, Any]:
    row = (
        await CaseType.select(*CaseType.all_columns(), CaseType.department.code)
        .where(CaseType.code == code)
        .first()
    )
    if row is None:
        raise NotFound("Unknown case type: {code}", code=code)
    return _case_type_view(row)


async def save_case_type(actor: str, code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Create or update a case type; ROSA level 1-8; levels 5-8 may not be closed by the KC."""
    code = _code(code, 60)
    rosa = data.get("rosa_level", 1)
    if not isinstance(rosa, int) or not 1 <= rosa <= 8:
        raise InvalidInput("The ROSA level must be 1-8")
    kc_may_close = bool(data.get("kc_may_close", rosa <= 4))
    if kc_may_close and rosa >= 5:
        raise InvalidInput(
            "Case types of ROSA level 5-8 stay in the back office; the contact "
            "center may not close them"
        )
    price = data.get("unit_price_ore", 0)
    if not isinstance(price, int) or price < 0:
        raise InvalidInput("The unit price must be a whole number of öre, 0 or more")
    values = {
        "name_sv": _name(data.get("name_sv", "")),
        "name_en": _name(data.get("name_en") or data.get("name_sv", "")),
        "department": await _department_id(data.get("department", "")),
        "rosa_level": rosa,
        "kc_may_close": kc_may_close,
        "public": bool(data.get("public", False)),
        "description_sv": str(data.get("description_sv", ""))[:5000],
        "description_en": str(data.get("description_en", ""))[:5000],
        "keywords": [str(k)[:60] for k in data.get("keywords", [])][:50],
        "unit_price_ore": price,
        "active": bool(data.get("active", True)),
    }
    async with db.transaction():
        existing = await CaseType.select(CaseType.id).where(CaseType.code == code).first()
        if existing:
            await CaseType.update(values).where(CaseType.id == existing["id"])
        else:
            await CaseType.insert(CaseType(code=code, **values))
        audit.record(
            actor,
            "case_type.save",
            "case_type",
            code,
            {**values, "department": data.get("department")},
        )
    lookup.forget()
    return await get_case_type(code)


# -- competence profiles -------------------------------------------------------------------
async def get_competence(username: str) -> dict[str, Any]:
    user = await User.select(User.id, User.languages).where(User.username == username).first()
    if user is None:
        raise NotFound("No user named {username}", username=username)
    rows = await Competence.select(Competence.case_type.code, Competence.group.code).where(
        Competence.user == user["id"]
    )
    return {
        "username": username,
        "languages": user["languages"],
        "case_types": sorted(r["case_type.code"] for r in rows if r["case_type.code"]),
        "groups": sorted(r["group.code"] for r in rows if r["group.code"]),
    }


async def set_competence(
    actor: str, username: str, case_types: list[str], groups: list[str]
) -> dict[str, Any]:
    """Replace an agent's kompetensprofil: the case types and answer groups they handle."""
    user_id = await _user_id(username)
    type_ids = []
    for code in sorted(set(case_types)):
        row = await CaseType.select(CaseType.id).where(CaseType.code == code).first()
        if row is None:
            raise InvalidInput("Unknown case type: {code}", code=code)
        type_ids.append(row["id"])
    group_ids = []
    for code in sorted(set(groups)):
        row = await AnswerGroup.select(AnswerGroup.id).where(AnswerGroup.code == code).first()
        if row is None:
            raise InvalidInput("Unknown answer group: {code}", code=code)
        group_ids.append(row["id"])
    async with db.transaction():
        await Competence.delete().where(Competence.user == user_id)
        rows = [Competence(user=user_id, case_type=t) for t in type_ids]
        rows += [Competence(user=user_id, group=g) for g in group_ids]
        if rows:
            await Competence.insert(*rows)
        audit.record(
            actor,
            "competence.set",
            "user",
            username,
            {"case_types": sorted(set(case_types)), "groups": sorted(set(groups))},
        )
    return await get_competence(username)


async def qualified_agents(case_type: str) -> list[str]:
    """Active users whose competence profile covers the case type."""
    rows = await Competence.select(Competence.user.username, Competence.user.active).where(
        Competence.case_type.code == case_type
    )
    return sorted(r["user.username"] for r in rows if r["user.active"])
