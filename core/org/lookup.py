"""Cached look-ups of case types, departments and answer groups (read on every registration).

Entries live for a short TTL so changes made by another process show up within seconds;
:func:`forget` clears the cache at once after a change in this process.
"""

from __future__ import annotations

import time
from typing import Any

from core.org.tables import AnswerGroup, CaseType, Department

TTL_SECONDS = 15.0
_cache: dict[tuple[str, Any], tuple[float, dict[str, Any] | None]] = {}


def forget() -> None:
    _cache.clear()


async def _cached(key: tuple[str, Any], load) -> dict[str, Any] | None:
    hit = _cache.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < TTL_SECONDS:
        return hit[1]
    value = await load()
    _cache[key] = (now, value)
    return value


async def case_type(code: str) -> dict[str, Any] | None:
    """The case type with this code (any state), with its department's code and calendar."""
    return await _cached(
        ("case_type", code),
        lambda: (
            CaseType.select(
                *CaseType.all_columns(), CaseType.department.code, CaseType.department.calendar
            )
            .where(CaseType.code == code)
            .first()
        ),
    )


async def case_type_by_id(case_type_id: int) -> dict[str, Any] | None:
    return await _cached(
        ("case_type_id", case_type_id),
        lambda: (
            CaseType.select(
                *CaseType.all_columns(), CaseType.department.code, CaseType.department.calendar
            )
            .where(CaseType.id == case_type_id)
            .first()
        ),
    )


async def department(code: str) -> dict[str, Any] | None:
    return await _cached(
        ("department", code), lambda: Department.select().where(Department.code == code).first()
    )


async def answer_group(code: str) -> dict[str, Any] | None:
    return await _cached(
        ("group", code), lambda: AnswerGroup.select().where(AnswerGroup.code == code).first()
    )
