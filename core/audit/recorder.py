"""Recording audit entries from domain code.

``record()`` only queues the entry on the running write transaction; the transaction helper
(:func:`core.db.transaction`) chains and inserts all queued entries just before it commits,
so the entry is durable exactly when the change it describes is.
"""

from __future__ import annotations

import contextvars
from typing import Any

from core.audit.chain import Pending

_pending: contextvars.ContextVar[list[Pending] | None] = contextvars.ContextVar(
    "kontakt_audit_pending", default=None
)


class NotInTransaction(RuntimeError):
    """Audit entries must be recorded inside ``core.db.transaction()``."""


def begin() -> contextvars.Token:
    return _pending.set([])


def end(token: contextvars.Token) -> None:
    _pending.reset(token)


def take() -> list[Pending]:
    entries = _pending.get() or []
    if entries:
        _pending.set([])
    return entries


def record(
    actor: str,
    action: str,
    object_type: str,
    object_id: Any = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Queue an audit entry on the current write transaction.

    ``actor`` is a username or ``system``/``cli:<user>``; ``action`` a dotted verb such as
    ``user.create``; ``details`` any JSON-able dict (never secret values themselves).
    """
    entries = _pending.get()
    if entries is None:
        raise NotInTransaction(f"audit {action!r} recorded outside core.db.transaction()")
    entries.append(Pending(actor, action, object_type, str(object_id), dict(details or {})))


def record_read(
    actor: str, object_type: str, object_id: Any, details: dict[str, Any] | None = None
) -> None:
    """Queue an audit entry for a read of secret data (e.g. a protected identity)."""
    record(actor, "read", object_type, object_id, details)
