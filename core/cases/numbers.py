"""Identification numbers from configurable patterns with yearly sequences.

The counter row is incremented with ``UPDATE … RETURNING`` inside the caller's write
transaction: on PostgreSQL the row lock serialises concurrent processes, on SQLite the
``BEGIN IMMEDIATE`` write lock does, so numbers are unique and gap-free per committed scope.
"""

from __future__ import annotations

import re

from core.db import raw

PATTERN_FIELDS = re.compile(r"\{(year|seq(?::0\d+d)?)\}")


def validate_pattern(pattern: str) -> None:
    """Raise ValueError unless the pattern has {seq} (or {seq:06d}) and only known fields."""
    if "{seq" not in pattern:
        raise ValueError(f"number pattern {pattern!r} must contain {{seq}}")
    leftover = PATTERN_FIELDS.sub("", pattern)
    if "{" in leftover or "}" in leftover:
        raise ValueError(f"number pattern {pattern!r} may only use {{year}} and {{seq:0Nd}}")


async def next_value(scope: str) -> int:
    """Increment the counter of ``scope`` (creating it) and return the new value."""
    rows = await raw.fetch(
        "INSERT INTO number_sequence (scope, value) VALUES (?, 1) "
        "ON CONFLICT (scope) DO UPDATE SET value = number_sequence.value + 1 "
        "RETURNING value",
        scope,
    )
    return int(rows[0]["value"])


async def next_number(kind: str, pattern: str, year: int) -> str:
    """The next number of ``kind`` (e.g. 'case') for ``year``, formatted by ``pattern``."""
    scope = f"{kind}:{year}" if "{year}" in pattern else kind
    return pattern.format(year=year, seq=await next_value(scope))
