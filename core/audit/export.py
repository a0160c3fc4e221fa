"""Exporting the audit trail as JSON lines or CSV, streamed in sequence order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

from core.audit.tables import AuditEntry

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


async def export_rows(fmt: str, since_seq: int = 0) -> AsyncIterator[str]:
    """Yield text chunks of the export (header first for CSV)."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown export format {fmt!r}; use jsonl or csv")
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow(FIELDS)
        yield buffer.getvalue()
    after = since_seq
    while True:
        rows = await (
            AuditEntry.select(*[getattr(AuditEntry, f) for f in FIELDS])
            .where(AuditEntry.seq > after)
            .order_by(AuditEntry.seq)
            .limit(BATCH)
        )
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            if fmt == "jsonl":
                buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                writer.writerow([row[f] for f in FIELDS])
        yield buffer.getvalue()
        after = rows[-1]["seq"]
