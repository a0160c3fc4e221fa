"""The classification plan in the KLASSA structure (verksamhetsområde → processgrupp →
process, dot codes), imported from the municipality's CSV or XLSX."""

from __future__ import annotations

from typing import Any


async def import_plan(
    actor: str, data: bytes, filename: str, *, plan_version: str = "1"
) -> dict[str, Any]:
    """Import a plan from CSV or XLSX; errors name the row and column (422), nothing changes."""
    raise NotImplementedError
