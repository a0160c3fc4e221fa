"""Call history imports over HTTP: an operator portal's CSV export and Asterisk's queue_log.

Both hand their calls to ``service.ingest`` event by event, so importing the same file twice
(or history that live events already delivered) applies each event once. The answer says how
many rows and events were read and lists the refused lines with their line number (and, for
CSV, the column), in the request's language. Each import is audited.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post

from core import audit, db
from core.errors import InvalidInput
from core.web.problems import language_of
from core.web.security import principal_of
from plugins.telephony_centrex import runtime, service
from plugins.telephony_centrex.operator_csv import CsvFormat, import_csv
from plugins.telephony_centrex.queue_log import QueueLogParser

MAX_BYTES = 20 * 1024 * 1024


async def _text(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise InvalidInput("The file is larger than {limit} MB", limit=MAX_BYTES // 2**20)
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text") from None


async def _audit(actor: str, kind: str, result: dict[str, Any]) -> None:
    async with db.transaction():
        audit.record(actor, "telephony.import", "telephony_import", kind,
                     {k: v for k, v in result.items() if k != "errors"}
                     | {"refused": len(result["errors"])})  # fmt: skip


class ImportController(Controller):
    path = "/imports"
    tags = ["telephony"]

    @post(
        "/operator-csv",
        opt={"permission": "telephony.admin"},
        status_code=200,
        summary="Import an operator portal's CSV export (column mapping from the settings)",
    )
    async def operator_csv(self, request: Request) -> dict[str, Any]:
        text = await _text(request)
        result = await import_csv(text, CsvFormat.from_settings(runtime.CONFIG), service.ingest)
        answer = result.as_dict(language_of(request))
        await _audit(principal_of(request).username, "operator-csv", answer)
        return answer

    @post(
        "/queue-log",
        opt={"permission": "telephony.admin"},
        status_code=200,
        summary="Import an Asterisk queue_log file (call history)",
    )
    async def queue_log(self, request: Request) -> dict[str, Any]:
        text = await _text(request)
        parser = QueueLogParser(source="ami")
        events = 0
        for event in parser.parse(text.splitlines()):
            await service.ingest(event)
            events += 1
        answer = {
            "events": events,
            "errors": [{"line": e.line, "detail": e.reason} for e in parser.errors],
        }
        await _audit(principal_of(request).username, "queue-log", answer)
        return answer


ROUTES = [ImportController]
