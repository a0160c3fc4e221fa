"""Case files (akter): opened with a number taken gap-free from the series, classified in the
classification plan, handled by an officer, closed with a decision; a core KC case can be
linked into one (both sides show the link)."""

from __future__ import annotations

from typing import Any


async def open_case_file(
    actor: str,
    *,
    series_code: str,
    title_public: str,
    title_protected: str = "",
    classification_code: str,
    officer: str = "",
    department: str = "",
    kc_case_id: int | None = None,
) -> dict[str, Any]:
    """Open a case file in the series (its diarienummer taken gap-free), audited."""
    raise NotImplementedError


async def get(case_file_id: int, principal: Any) -> dict[str, Any]:
    """One case file with its documents as ``principal`` may see it (protected title only
    with ``diarium.secret``; secrecy warnings shown)."""
    raise NotImplementedError


async def close(actor: str, case_file_id: int, *, decision: str) -> dict[str, Any]:
    """Close an open case file with its decision, audited."""
    raise NotImplementedError
