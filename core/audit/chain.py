"""The hash chain: how an entry's hash is computed, how pending entries are appended.

Each entry's ``hash`` is sha256 over the previous entry's hash and every field of the entry,
so changing, deleting, inserting or reordering a row breaks the links after it. Somebody with
database access can recompute every hash, so the last entry of each committed transaction is
also signed (Ed25519, key in keyring), and periodic checkpoints sign the head of the chain:
without the key, a rewritten chain no longer matches its signatures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.audit import signing
from core.audit.tables import AuditCheckpoint
from core.db import raw

GENESIS = "0" * 64
# Key for pg_advisory_xact_lock: serialises appends across processes on PostgreSQL.
PG_LOCK_KEY = 0x4B4F4E54  # "KONT"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now_text() -> str:
    """Now as the fixed-width ISO-8601 UTC text stored in ``at`` (sorts as it reads)."""
    return datetime.now(UTC).strftime(TIME_FORMAT)


def time_text(moment: datetime) -> str:
    """An aware datetime as stored ``at`` text (converted to UTC)."""
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


# one encoder for every call (json.dumps with these arguments builds a new one each time)
_CANONICAL = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str
)


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept, no NaN/Infinity."""
    return _CANONICAL.encode(value)


@dataclass
class Pending:
    """An entry recorded inside a transaction, not yet chained (details as canonical JSON)."""

    actor: str
    action: str
    object_type: str
    object_id: str
    details: str = "{}"
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


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """:func:`entry_hash` of a stored (or exported) entry row, given the previous hash."""
    return entry_hash(
        prev_hash,
        int(row["seq"]),
        row["at"],
        row["actor"],
        row["action"],
        row["object_type"],
        row["object_id"],
        row["details"],
    )


def checkpoint_digest(seq: int, head_hash: str, at: str) -> str:
    """What a checkpoint signs: its sequence number, the head hash and its time, together."""
    payload = canonical(["kontakt-audit-checkpoint", seq, head_hash, at])
    return hashlib.sha256(payload.encode()).hexdigest()


async def _lock_head() -> tuple[int, str]:
    """The chain head, read under the append lock of the current transaction.

    SQLite write transactions are ``BEGIN IMMEDIATE`` (one writer at a time already); on
    PostgreSQL a transaction-scoped advisory lock serialises appenders, and READ COMMITTED
    makes the head read after the lock see every chain commit before it.
    """
    if raw.get_engine().engine_type == "postgres":
        await raw.fetch("SELECT pg_advisory_xact_lock(?)", PG_LOCK_KEY)
    head = await raw.fetchrow("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
    return (head["seq"], head["hash"]) if head else (0, GENESIS)


INSERT_SQL = (
    "INSERT INTO audit_entry (seq, at, actor, action, object_type, object_id, details, "
    "prev_hash, hash, signature, key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def append(entries: list[Pending]) -> int:
    """Chain and insert entries inside the current transaction; sign the last. Returns head seq."""
    if not entries:
        return 0
    seq, prev = await _lock_head()
    rows = []
    for item in entries:
        seq += 1
        fields = (item.at, item.actor, item.action, item.object_type, item.object_id, item.details)
        digest = entry_hash(prev, seq, *fields)
        rows.append([seq, *fields, prev, digest, None, None])
        prev = digest
    rows[-1][-2:] = signing.sign(prev)
    await raw.executemany(INSERT_SQL, [tuple(row) for row in rows])
    return seq


async def checkpoint(skip_unchanged: bool = False) -> dict[str, Any] | None:
    """Write a signed checkpoint of the current head (inside the current transaction).

    Returns the checkpoint row, or None when the chain is empty or (with ``skip_unchanged``)
    the newest checkpoint already covers the head.
    """
    seq, head = await _lock_head()
    if seq == 0:
        return None
    if skip_unchanged:
        last = await (
            AuditCheckpoint.select(AuditCheckpoint.seq, AuditCheckpoint.hash)
            .order_by(AuditCheckpoint.seq, ascending=False)
            .first()
        )
        if last and last["seq"] == seq and last["hash"] == head:
            return None
    at = utc_now_text()
    signature, key_id = signing.sign(checkpoint_digest(seq, head, at))
    row = {"seq": seq, "hash": head, "at": at, "signature": signature, "key_id": key_id}
    await AuditCheckpoint.insert(AuditCheckpoint(**row))
    return row
