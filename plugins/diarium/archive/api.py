"""The archive's HTTP API, under ``/api/v1/plugins/diarium``: ``/disposal/…`` (gallring by
decision) and ``/exports/…`` (FGS 2.0 packages for the e-archive). Every endpoint needs
``diarium.archive``. Only translation to the services here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.response import File

from core import paging
from core.web.security import principal_of
from core.web.types import Id, IdPath, IdQuery, TextQuery, text
from plugins.diarium.archive import disposal, exports

ARCHIVE = {"permission": "diarium.archive"}
RunStatus = Annotated[
    Literal["proposed", "approved", "rejected", "executed"] | None, QueryParameter()
]
Format = Literal["zip", "tar"]


class ProposeBody(msgspec.Struct, forbid_unknown_fields=True):
    """Draw up a disposal run: optionally only one board's case files."""

    board: text(200) = ""  # type: ignore[valid-type]
    note: text(2000) = ""  # type: ignore[valid-type]


class DecideBody(msgspec.Struct, forbid_unknown_fields=True):
    """Approve (with the disposal decision's reference) or reject a proposed run."""

    approve: bool
    decision_ref: text(200) = ""  # type: ignore[valid-type]
    note: text(2000) = ""  # type: ignore[valid-type]


class ExportBody(msgspec.Struct, forbid_unknown_fields=True):
    """Export a closed case file as an FGS 2.0 package."""

    case_file_id: Id
    format: Format = "zip"


class DisposalController(Controller):
    path = "/disposal"
    tags = ["diarium: archive"]

    @get("/candidates", opt=ARCHIVE, summary="What the plan allows to dispose of now")
    async def list_candidates(self, board: TextQuery = None) -> dict[str, Any]:
        found = await disposal.candidates(board or "")
        items = [
            {
                "document_id": d["id"],
                "document_number": d["number"],
                "case_file_id": d["case_file_id"],
                "case_number": d["case_number"],
                "document_type": d["document_type"],
                "rule_id": d["rule"]["id"],
                "rule_ref": d["rule"]["decision_ref"],
                "period_years": d["rule"]["period_years"],
                "due_at": d["due_at"],
                "files": d["files"],
                "bytes": d["bytes"],
            }
            for d in found
        ]
        return paging.page(items, None, len(items))

    @get("/runs", opt=ARCHIVE, summary="Disposal runs, newest first")
    async def list_runs(
        self,
        status: RunStatus = None,
        cursor: paging.Cursor = None,
        limit: paging.PageLimit = 50,
    ) -> dict[str, Any]:
        return await disposal.runs(status or "", cursor, limit)

    @post("/runs", opt=ARCHIVE, status_code=201, summary="Propose a disposal run (gallring)")
    async def propose(self, request: Request, data: JSONBody[ProposeBody]) -> dict[str, Any]:
        actor = principal_of(request).username
        return await disposal.propose(actor, board=data.board, note=data.note)

    @get("/runs/{run_id:int}", opt=ARCHIVE, summary="A disposal run with what it lists")
    async def get_run(self, run_id: IdPath) -> dict[str, Any]:
        return await disposal.get(run_id)

    @post(
        "/runs/{run_id:int}/decision",
        opt=ARCHIVE,
        status_code=200,
        summary="Approve or reject a proposed run (someone other than its proposer)",
    )
    async def decide(
        self, request: Request, run_id: IdPath, data: JSONBody[DecideBody]
    ) -> dict[str, Any]:
        actor = principal_of(request).username
        return await disposal.decide(
            actor, run_id, approve=data.approve, decision_ref=data.decision_ref, note=data.note
        )

    @post(
        "/runs/{run_id:int}/execute",
        opt=ARCHIVE,
        status_code=200,
        summary="Execute an approved run: the files are disposed of, the entries stay",
    )
    async def execute(self, request: Request, run_id: IdPath) -> dict[str, Any]:
        return await disposal.execute(principal_of(request).username, run_id)


class ExportController(Controller):
    path = "/exports"
    tags = ["diarium: archive"]

    @get("/", opt=ARCHIVE, summary="FGS 2.0 exports, newest first")
    async def list_exports(
        self,
        case_file_id: IdQuery = None,
        cursor: paging.Cursor = None,
        limit: paging.PageLimit = 50,
    ) -> dict[str, Any]:
        return await exports.exports(case_file_id, cursor, limit)

    @post("/", opt=ARCHIVE, status_code=201, summary="Export a closed case file (FGS 2.0)")
    async def create(self, request: Request, data: JSONBody[ExportBody]) -> dict[str, Any]:
        actor = principal_of(request).username
        return await exports.export(actor, data.case_file_id, data.format)

    @get("/{export_id:int}", opt=ARCHIVE, summary="One export")
    async def get_export(self, export_id: IdPath) -> dict[str, Any]:
        return await exports.get(export_id)

    @get(
        "/{export_id:int}/package",
        opt={**ARCHIVE, "media_types": ("application/zip", "application/x-tar")},
        summary="Download the package (zip or tar), audited",
    )
    async def package(self, request: Request, export_id: IdPath) -> File:
        path, name, mime = await exports.download(principal_of(request).username, export_id)
        return File(path=path, filename=name, media_type=mime)


ROUTES = [DisposalController, ExportController]
