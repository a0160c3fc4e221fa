"""Who may do what with a case file beyond the route's permission.

- The registrator (``diarium.register``) and the head registrator handle every case file.
- A case officer (``diarium.handle``) handles the case files they are officer of: documents
  drawn up, decisions, closing; others' case files answer 403.
- Protected text (and secret-marked content) is shown to holders of ``diarium.secret`` and to
  the officer of the case file; every such read is audited by the caller.
"""

from __future__ import annotations

from typing import Any

from core.errors import Forbidden


def may_handle(principal: Any, case_file: dict[str, Any] | None) -> bool:
    if principal.can("diarium.register"):
        return True
    return bool(
        case_file is not None
        and principal.can("diarium.handle")
        and case_file.get("officer") == principal.username
    )


def require_handler(principal: Any, case_file: dict[str, Any] | None) -> None:
    """403 unless ``principal`` handles this case file."""
    if not may_handle(principal, case_file):
        raise Forbidden("Only the case file's officer or a registrator may do this")


def may_see_protected(principal: Any, case_file: dict[str, Any] | None) -> bool:
    if principal.can("diarium.secret"):
        return True
    return bool(
        case_file is not None
        and principal.can("diarium.handle")
        and case_file.get("officer") == principal.username
    )
