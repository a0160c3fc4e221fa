"""HTTP API of the audit trail for supervisors and IT: browse, export and verify."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.openapi.spec.enums import OpenAPIFormat
from litestar.params import QueryParameter
from litestar.response import Stream

from core import paging
from core.audit import export as exporting
from core.audit.chain import time_text
from core.audit.tables import AuditEntry
from core.audit.verify import verify_chain
from core.errors import InvalidInput
from core.web.security import principal_of
from core.web.types import MAX_ID, NO_NUL, IdQuery, query_int, query_text

COLUMNS = [
    AuditEntry.seq,
    AuditEntry.at,
    AuditEntry.actor,
    AuditEntry.action,
    AuditEntry.object_type,
    AuditEntry.object_id,
    AuditEntry.details,
    AuditEntry.hash,
    AuditEntry.key_id,
]
Filter = Annotated[str | None, query_text(100, 1)]


def parse_time(name: str, value: str | None) -> str | None:
    """An ISO-8601 time with a zone (``Z`` or an offset) as stored ``at`` text, in UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            "{name} must be an ISO-8601 time such as 2026-01-31T08:00:00Z", name=name
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput("{name} must say its time zone (end it with Z for UTC)", name=name)
    return time_text(moment)


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    try:
        details = json.loads(row["details"])
    except (TypeError, ValueError):
        details = row["details"]
    return {**row, "details": details}


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get(
        "/",
        opt={"permission": "audit.read"},
        summary="Browse audit entries, newest first",
        description=(
            "Filters combine with AND. `from` is inclusive and `to` exclusive (ISO-8601 with a "
            "time zone). Page backwards with `cursor` = the `next_cursor` of the previous "
            "page (keyset on seq), or start below a known sequence number with `before_seq`. "
            "`total` is not counted (null): the log is long."
        ),
    )
    async def list_entries(
        self,
        actor: Annotated[str | None, query_text(150, 1)] = None,
        action: Filter = None,
        object_type: Filter = None,
        object_id: Filter = None,
        from_: Annotated[
            str | None, query_text(64, name="from", format=OpenAPIFormat.DATE_TIME)
        ] = None,
        to: Annotated[str | None, query_text(64, format=OpenAPIFormat.DATE_TIME)] = None,
        before_seq: IdQuery = None,
        cursor: paging.Cursor = None,
        limit: Annotated[int, query_int(1, 1000)] = 100,
    ) -> paging.Page[dict[str, Any]]:
        since, until = parse_time("from", from_), parse_time("to", to)
        if since and until and since >= until:
            raise InvalidInput("from must be earlier than to")
        query = AuditEntry.select(*COLUMNS).order_by(AuditEntry.seq, ascending=False)
        for column, value in (
            (AuditEntry.actor, actor),
            (AuditEntry.action, action),
            (AuditEntry.object_type, object_type),
            (AuditEntry.object_id, object_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if since:
            query = query.where(AuditEntry.at >= since)
        if until:
            query = query.where(AuditEntry.at < until)
        if before_seq is not None:
            query = query.where(AuditEntry.seq < before_seq)
        after = paging.decode_cursor("audit", cursor, (int,))
        if after is not None:
            query = query.where(AuditEntry.seq < after[0])
        rows, next_cursor = paging.cut(
            await query.limit(limit + 1), limit, "audit", lambda r: (r["seq"],)
        )
        return paging.Page(items=[_entry(r) for r in rows], next_cursor=next_cursor)

    @get(
        "/export",
        opt={"permission": "audit.export", "media_types": tuple(exporting.FORMATS.values())},
        summary="Export the audit trail (CSV or JSON lines), oldest first; the export is audited",
    )
    async def export(
        self,
        request: Request,
        format: Annotated[  # noqa: A002
            str, QueryParameter(max_length=10, pattern=NO_NUL, enum=list(exporting.FORMATS))
        ] = "jsonl",
        since_seq: Annotated[int, query_int(0, MAX_ID)] = 0,
    ) -> Stream:
        fmt = exporting.check_format(format)
        through = await exporting.begin_export(principal_of(request).username, fmt, since_seq)
        return Stream(
            exporting.export_rows(fmt, since_seq, through),
            media_type=exporting.FORMATS[fmt],
            headers={
                "Content-Disposition": f'attachment; filename="{exporting.filename(fmt)}"',
                "Cache-Control": "no-store",
            },
        )

    @get("/verify", opt={"permission": "audit.read"}, summary="Prove the hash chain and signatures")
    async def verify(self) -> dict[str, Any]:
        return (await verify_chain()).as_dict()
