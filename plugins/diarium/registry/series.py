"""Diary series per nämnd with their number patterns, and the gap-free yearly counters."""

from __future__ import annotations

from typing import Any


async def create(
    actor: str, *, code: str, name: str, board: str, pattern: str, doc_pattern: str = ""
) -> dict[str, Any]:
    """Create a series; a pattern without ``{seq}`` is refused (422)."""
    raise NotImplementedError


async def get_by_code(code: str) -> dict[str, Any]:
    """The series with this code (NotFound, 404, if there is none)."""
    raise NotImplementedError
