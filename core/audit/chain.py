"""The hash chain: how an entry's hash is computed, how pending entries are appended."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.audit import signing
from core.audit.tables import AuditCheckpoint, AuditEntry

GENESIS = "0" * 64
# Key for pg_advisory_xact_lock: serialises appends across processes on PostgreSQL.
PG_LOCK_KEY = 0x4B4F4E54  # "KONT"


def utc_now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass
class Pending:
    """An entry recorded inside a transaction, not yet chained."""

    actor: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any] = field(default_factory=dict)
    at: str = field(default_factory=utc_now_text)


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details: str,
) -> str:
    """sha256 over the previous hash and every field of the entry (details as stored text)."""
    payload = canonical([prev_hash, seq, at, actor, action, object_type, object_id, details])
    return hashlib.sha256(payload.encode()).hexdigest()


async def _lock_head() -> tuple[int, str]:
    db = AuditEntry._meta.db
    if db.engine_type == "postgres":
        await AuditEntry.raw("SELECT pg_advisory_xact_lock({})", PG_LOCK_KEY)
    head = await (
        AuditEntry.select(AuditEntry.seq, AuditEntry.hash)
        .order_by(AuditEntry.seq, ascending=False)
        .first()
    )
    return (head["seq"], head["hash"]) if head else (0, GENESIS)


async def append(entries: list[Pending]) -> int:
    """Chain and insert entries inside the current transaction; sign the last. Returns head seq."""
    if not entries:
        return 0
    seq, prev = await _lock_head()
    rows = []
    for item in entries:
        seq += 1
        details = canonical(item.details)
        digest = entry_hash(
            prev, seq, item.at, item.actor, item.action, item.object_type, item.object_id, details
        )
        rows.append(
            AuditEntry(
                seq=seq,
                at=item.at,
                actor=item.actor,
                action=item.action,
                object_type=item.object_type,
                object_id=item.object_id,
                details=details,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    signature, key_id = signing.sign(prev)
    rows[-1].signature, rows[-1].key_id = signature, key_id
    await AuditEntry.insert(*rows)
    return seq


async def checkpoint() -> dict[str, Any] | None:
    """Write a signed checkpoint of the current head (inside the current transaction)."""
    seq, head = await _lock_head()
    if seq == 0:
        return None
    signature, key_id = signing.sign(head)
    row = {"seq": seq, "hash": head, "at": utc_now_text(), "signature": signature, "key_id": key_id}
    await AuditCheckpoint.insert(AuditCheckpoint(**row))
    return row
