"""Likely duplicates of a party without an identity number: same folded name and the same
phone number (E.164) or e-mail address (case-insensitive).

Parties merged into another never count; two parties that both carry an identity number are
never duplicates of each other (their numbers differ: they are unique).
"""

from __future__ import annotations

from typing import Any

from core.db import raw

MAX_CANDIDATES = 50
CANDIDATES_SQL = (
    "SELECT id FROM party WHERE merged_into IS NULL AND name_key = ? AND id <> ? "
    "AND ((phone <> '' AND phone = ?) OR (email <> '' AND email = ?)) {numbered} "
    "ORDER BY id LIMIT ?"
)
ONLY_WITHOUT_NUMBER = "AND id_number_index IS NULL AND org_number = ''"


async def candidates(values: dict[str, Any], exclude: int = 0) -> list[int]:
    """Ids of the parties that look like the party ``values`` (cleaned columns: ``name_key``,
    ``phone``, ``email``, and the numbers if it has them), oldest first."""
    name_key = values.get("name_key") or ""
    phone = values.get("phone") or ""
    email = values.get("email") or ""
    if not name_key or not (phone or email):
        return []
    numbered = values.get("id_number_index") or values.get("org_number")
    sql = CANDIDATES_SQL.format(numbered=ONLY_WITHOUT_NUMBER if numbered else "")
    rows = await raw.fetch(sql, name_key, exclude, phone, email, MAX_CANDIDATES)
    return [row["id"] for row in rows]


async def of_party(row: dict[str, Any]) -> list[int]:
    """Ids of the likely duplicates of a stored party (its row from the ``party`` table)."""
    return await candidates(row, exclude=row["id"])
