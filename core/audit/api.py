"""HTTP API of the audit trail for supervisors and IT: browse and export."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.params import Parameter

from core.audit.tables import AuditEntry


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get("/", opt={"permission": "audit.read"}, summary="Browse audit entries, newest first")
    async def list_entries(
        self,
        before_seq: int | None = Parameter(default=None, ge=1),
        limit: int = Parameter(default=100, ge=1, le=1000),
    ) -> list[dict[str, Any]]:
        query = AuditEntry.select().order_by(AuditEntry.seq, ascending=False).limit(limit)
        if before_seq:
            query = query.where(AuditEntry.seq < before_seq)
        return await query
