"""Exporting the audit trail as JSON lines or CSV, streamed in sequence order.

Every column is exported as stored (``details`` as its canonical JSON text), so anyone can
recompute the hashes of an export with :func:`core.audit.chain.entry_hash`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

from core import audit
from core.audit.chain import utc_now_text
from core.audit.tables import AuditEntry
from core.errors import InvalidInput

FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
FIELDS = [
    "seq",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "details",
    "prev_hash",
    "hash",
    "signature",
    "key_id",
]
BATCH = 2000


def check_format(fmt: str) -> str:
    """The format name, or InvalidInput naming the allowed ones."""
    if fmt not in FORMATS:
        raise InvalidInput("Unknown export format {format}; use jsonl or csv", format=repr(fmt))
    return fmt


def filename(fmt: str) -> str:
    """A download name such as ``kontakt-audit-20261122T070549Z.csv``."""
    stamp = utc_now_text()[:19].replace("-", "").replace(":", "")
    return f"kontakt-audit-{stamp}Z.{fmt}"


async def head_seq() -> int:
    row = await AuditEntry.select(AuditEntry.seq).order_by(AuditEntry.seq, ascending=False).first()
    return row["seq"] if row else 0


async def begin_export(actor: str, fmt: str, since_seq: int = 0, via: str = "api") -> int:
    """Audit an export (action ``audit.export``) in its own transaction; returns its last seq.

    The export covers entries ``since_seq < seq <= through`` where ``through`` is the head
    just before the export's own audit entry, so the export is a fixed, verifiable prefix.
    """
    from core import db

    check_format(fmt)
    if since_seq < 0:
        raise InvalidInput("since_seq must not be negative")
    async with db.transaction():
        through = await head_seq()
        audit.record(
            actor,
            "audit.export",
            "audit",
            "",
            {"format": fmt, "since_seq": since_seq, "through_seq": through, "via": via},
        )
    return through


def _line(row: dict[str, Any]) -> str:
    return json.dumps({f: row[f] for f in FIELDS}, ensure_ascii=False) + "\n"


async def export_rows(
    fmt: str, since_seq: int = 0, through_seq: int | None = None
) -> AsyncIterator[str]:
    """Yield text chunks of the export (header first for CSV), ``since_seq < seq <= through``."""
    check_format(fmt)
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow(FIELDS)
        yield buffer.getvalue()
    after = since_seq
    while True:
        query = (
            AuditEntry.select(*[getattr(AuditEntry, f) for f in FIELDS])
            .where(AuditEntry.seq > after)
            .order_by(AuditEntry.seq)
            .limit(BATCH)
        )
        if through_seq is not None:
            query = query.where(AuditEntry.seq <= through_seq)
        rows = await query
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            if fmt == "jsonl":
                buffer.write(_line(row))
            else:
                writer.writerow(["" if row[f] is None else row[f] for f in FIELDS])
        yield buffer.getvalue()
        after = rows[-1]["seq"]
