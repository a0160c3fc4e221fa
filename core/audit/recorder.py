"""Recording audit entries from domain code.

``record()`` only queues the entry on the running write transaction; the transaction helper
(:func:`core.db.transaction`) chains and inserts all queued entries just before it commits,
so the entry is durable exactly when the change it describes is, and vanishes with it when
the transaction rolls back.
"""

from __future__ import annotations

import contextvars
from typing import Any

from core.audit.chain import Pending, canonical

_pending: contextvars.ContextVar[list[Pending] | None] = contextvars.ContextVar(
    "kontakt_audit_pending", default=None
)

# Column widths of core.audit.tables.AuditEntry (PostgreSQL enforces them).
ACTOR_MAX, ACTION_MAX, OBJECT_MAX = 150, 100, 100
# A details key containing one of these words never carries its string value into the trail.
SECRET_WORDS = ("password", "secret", "token", "passphrase", "private_key", "api_key")
REDACTED = "[redacted]"


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


def queued() -> int:
    """How many entries the current transaction has queued (for :func:`discard_after`)."""
    return len(_pending.get() or [])


def discard_after(count: int) -> None:
    """Drop the entries queued after the first ``count`` (a savepoint rolled back)."""
    entries = _pending.get()
    if entries is not None:
        del entries[count:]


def redact(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with string values under secret-looking keys replaced."""
    if isinstance(value, dict):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, key) for v in value]
    if isinstance(value, str) and value and any(w in key.lower() for w in SECRET_WORDS):
        return REDACTED
    return value


def record(
    actor: str,
    action: str,
    object_type: str,
    object_id: Any = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Queue an audit entry on the current write transaction.

    ``actor`` is a username or ``system``/``cli:<user>``; ``action`` a dotted verb such as
    ``user.create``; ``details`` any JSON-able dict, stored as canonical JSON (sorted keys).
    Never pass secret values: string values under keys such as ``password`` or ``token`` are
    replaced by ``[redacted]``. Raises :class:`NotInTransaction` outside a transaction and
    ``ValueError`` for details that are not JSON (e.g. NaN).
    """
    entries = _pending.get()
    if entries is None:
        raise NotInTransaction(f"audit {action!r} recorded outside core.db.transaction()")
    if details is not None and not isinstance(details, dict):
        raise TypeError("audit details must be a dict")
    text = canonical(redact(dict(details or {})))
    entries.append(
        Pending(
            str(actor)[:ACTOR_MAX],
            str(action)[:ACTION_MAX],
            str(object_type)[:OBJECT_MAX],
            str(object_id)[:OBJECT_MAX],
            text,
        )
    )


def record_read(
    actor: str, object_type: str, object_id: Any, details: dict[str, Any] | None = None
) -> None:
    """Queue an audit entry for a read of secret data (e.g. a protected identity)."""
    record(actor, "read", object_type, object_id, details)
