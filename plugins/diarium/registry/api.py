"""The registry's HTTP API, mounted at ``/api/v1/plugins/diarium``: ``/series``,
``/case-files``, ``/documents``, ``/classification``, ``/retention-plan``, ``/files`` and
``/search``. Only translation to the services; every route names its permission, and the
case officer's own-case-file rule is checked by :mod:`plugins.diarium.registry.access`.

Uploads (``POST /files``, the plan imports) take the raw body: the file as it is.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.params import JSONBody, PathParameter, QueryParameter

from core import db
from core.paging import Cursor, PageLimit
from core.web.security import principal_of
from core.web.types import Id, IdPath, IdQuery, bounded_int, query_text, text
from plugins.diarium.registry import (
    access,
    casefiles,
    classification,
    documents,
    files,
    retention,
    search,
    secrecy,
    series,
)

READ = {"permission": "diarium.read"}
REGISTER = {"permission": "diarium.register"}
HANDLE = {"permission": "diarium.handle"}
SECRET = {"permission": "diarium.secret"}
ADMIN = {"permission": "diarium.admin"}

SeriesCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-zÅÄÖåäö][A-Za-zÅÄÖåäö0-9]{0,19}$")]
SeriesPath = Annotated[str, PathParameter(pattern=r"^[A-Za-zÅÄÖåäö][A-Za-zÅÄÖåäö0-9]{0,19}$")]
SeriesQuery = Annotated[
    str | None, QueryParameter(pattern=r"^[A-Za-zÅÄÖåäö][A-Za-zÅÄÖåäö0-9]{0,19}$")
]
ShaPath = Annotated[str, PathParameter(pattern=r"^[0-9a-f]{64}$")]
Sha = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
Direction = Annotated[str, msgspec.Meta(pattern=r"^(in|drawn_up|out)$")]
DirectionQuery = Annotated[str | None, QueryParameter(pattern=r"^(in|drawn_up|out)$")]
DateText = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]
DateQuery = Annotated[str | None, QueryParameter(pattern=r"^\d{4}-\d{2}-\d{2}$")]
YearQuery = Annotated[int | None, QueryParameter(ge=1900, le=2999)]
Role = Annotated[str, msgspec.Meta(pattern=r"^(original|pdfa|ocr_text|masked_copy|decision)$")]
Action = Annotated[str, msgspec.Meta(pattern=r"^(keep|dispose|bevaras|gallras)$")]
Years = bounded_int(0, 200)
VersionQuery = Annotated[str | None, QueryParameter(pattern=r"^[A-Za-z0-9._-]{1,40}$")]
CaseStatusQuery = Annotated[str | None, QueryParameter(pattern=r"^(open|closed|cancelled)$")]
DocStatusQuery = Annotated[str | None, QueryParameter(pattern=r"^(registered|cancelled)$")]
KcNumber = text(40, 1)
UPLOAD_MAX = files.MAX_BYTES


class SeriesBody(msgspec.Struct, forbid_unknown_fields=True):
    """A new diary series: its code, name, board and number patterns."""

    code: SeriesCode
    name: text(200, 1)  # type: ignore[valid-type]
    pattern: text(80, 1)  # type: ignore[valid-type]
    board: text(200) = ""  # type: ignore[valid-type]
    doc_pattern: text(80) = ""  # type: ignore[valid-type]


class SeriesChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: text(200, 1) | None = None  # type: ignore[valid-type]
    board: text(200) | None = None  # type: ignore[valid-type]
    pattern: text(80, 1) | None = None  # type: ignore[valid-type]
    doc_pattern: text(80, 1) | None = None  # type: ignore[valid-type]
    active: bool | None = None


class Marking(msgspec.Struct, forbid_unknown_fields=True):
    """A secrecy marking: the OSL provision, the authority, the date and why."""

    provision: text(120, 1)  # type: ignore[valid-type]
    authority: text(200, 1)  # type: ignore[valid-type]
    reason: text(500) = ""  # type: ignore[valid-type]
    date: DateText | None = None


class FileRef(msgspec.Struct, forbid_unknown_fields=True):
    """A stored file (``POST /files``) to attach."""

    sha256: Sha
    filename: text(255, 1)  # type: ignore[valid-type]
    role: Role = "original"


class DocumentFields(msgspec.Struct, forbid_unknown_fields=True):
    """A document's registration: OSL 5:2's fields as public and protected text."""

    direction: Direction
    document_date: DateText | None = None
    counterpart_public: text(300) = ""  # type: ignore[valid-type]
    counterpart_protected: text(300) = ""  # type: ignore[valid-type]
    public_text: text(5000) = ""  # type: ignore[valid-type]
    protected_text: text(20000) = ""  # type: ignore[valid-type]
    document_type: text(120) = ""  # type: ignore[valid-type]
    files: list[FileRef] = []
    secrecy: Marking | None = None


class DocumentBody(DocumentFields, forbid_unknown_fields=True):
    """A registration by the registrator: in a series, or in one of its case files."""

    series_code: SeriesCode | None = None
    case_file_id: Id | None = None
    draft_id: Id | None = None


class CaseFileBody(msgspec.Struct, forbid_unknown_fields=True):
    series_code: SeriesCode
    title_public: text(500, 1)  # type: ignore[valid-type]
    classification_code: text(40, 1)  # type: ignore[valid-type]
    title_protected: text(500) = ""  # type: ignore[valid-type]
    officer: text(150) = ""  # type: ignore[valid-type]
    department: text(40) = ""  # type: ignore[valid-type]
    secrecy: Marking | None = None


class CaseFileChanges(msgspec.Struct, forbid_unknown_fields=True):
    officer: text(150) | None = None  # type: ignore[valid-type]
    title_public: text(500, 1) | None = None  # type: ignore[valid-type]
    title_protected: text(500) | None = None  # type: ignore[valid-type]
    classification_code: text(40, 1) | None = None  # type: ignore[valid-type]
    department: text(40) | None = None  # type: ignore[valid-type]


class DecisionBody(msgspec.Struct, forbid_unknown_fields=True):
    decision: text(20000) = ""  # type: ignore[valid-type]


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: text(500, 1)  # type: ignore[valid-type]


class KcLinkBody(msgspec.Struct, forbid_unknown_fields=True):
    kc_case: KcNumber  # type: ignore[valid-type]


class KcRegisterBody(msgspec.Struct, forbid_unknown_fields=True):
    kc_case: KcNumber  # type: ignore[valid-type]
    series_code: SeriesCode
    classification_code: text(40, 1)  # type: ignore[valid-type]
    title_public: text(500) = ""  # type: ignore[valid-type]
    title_protected: text(500) = ""  # type: ignore[valid-type]
    officer: text(150) = ""  # type: ignore[valid-type]


class RuleBody(msgspec.Struct, forbid_unknown_fields=True):
    """A row of the informationshanteringsplan."""

    board: text(200, 1)  # type: ignore[valid-type]
    document_type: text(120, 1)  # type: ignore[valid-type]
    action: Action
    period_years: Years | None = None
    process_code: text(40) | None = None  # type: ignore[valid-type]
    decision_ref: text(200) = ""  # type: ignore[valid-type]
    note: text(5000) = ""  # type: ignore[valid-type]


def _marking(marking: Marking | None) -> dict[str, Any] | None:
    return None if marking is None else msgspec.structs.asdict(marking)


def _page(items: list[Any]) -> dict[str, Any]:
    return {"items": items, "next_cursor": None, "total": len(items)}


async def _upload(request: Request) -> bytes:
    body = await request.body()
    if len(body) > UPLOAD_MAX:
        from core.errors import InvalidInput

        raise InvalidInput("The file is larger than {max} bytes", max=UPLOAD_MAX)
    return body


def _document_args(data: DocumentFields) -> dict[str, Any]:
    return {
        "direction": data.direction,
        "document_date": data.document_date,
        "counterpart_public": data.counterpart_public,
        "counterpart_protected": data.counterpart_protected,
        "public_text": data.public_text,
        "protected_text": data.protected_text,
        "document_type": data.document_type,
        "files": [(f.filename, f.sha256, f.role) for f in data.files],
        "secrecy": _marking(data.secrecy),
    }


class SeriesController(Controller):
    path = "/series"
    tags = ["diarium: registry"]

    @get("/", opt=READ, summary="The diary series")
    async def list_series(self) -> dict[str, Any]:
        return _page(await series.list_all())

    @post("/", opt=ADMIN, status_code=201, summary="Create a diary series (pattern with {seq})")
    async def create(self, request: Request, data: JSONBody[SeriesBody]) -> dict[str, Any]:
        return await series.create(
            principal_of(request).username,
            code=data.code,
            name=data.name,
            board=data.board,
            pattern=data.pattern,
            doc_pattern=data.doc_pattern,
        )

    @get("/{code:str}", opt=READ, summary="One diary series with its yearly counters")
    async def get_series(self, code: SeriesPath) -> dict[str, Any]:
        found = await series.get_by_code(code)
        return {**series.view(found), "counters": await series.counters(found["id"])}

    @patch("/{code:str}", opt=ADMIN, summary="Change a diary series")
    async def update(
        self, request: Request, code: SeriesPath, data: JSONBody[SeriesChanges]
    ) -> dict[str, Any]:
        return await series.update(
            principal_of(request).username,
            code,
            name=data.name,
            board=data.board,
            pattern=data.pattern,
            doc_pattern=data.doc_pattern,
            active=data.active,
        )


class CaseFileController(Controller):
    path = "/case-files"
    tags = ["diarium: registry"]

    @get("/", opt=READ, summary="Case files, newest first")
    async def list_case_files(
        self,
        request: Request,
        series_code: SeriesQuery = None,
        year: YearQuery = None,
        status: CaseStatusQuery = None,
        officer: Annotated[str | None, query_text(150)] = None,
        kc_case: Annotated[str | None, query_text(40)] = None,
        cursor: Cursor = None,
        limit: PageLimit = 50,
    ) -> dict[str, Any]:
        return await casefiles.list_page(
            principal_of(request),
            series_code=series_code,
            year=year,
            status=status,
            officer=officer,
            kc_case=kc_case,
            cursor=cursor,
            limit=limit,
        )

    @post("/", opt=REGISTER, status_code=201, summary="Open a case file (number taken)")
    async def open(self, request: Request, data: JSONBody[CaseFileBody]) -> dict[str, Any]:
        actor = principal_of(request).username
        marking = _marking(data.secrecy)
        if marking is not None:
            secrecy.check_marking(marking)  # a bad marking opens nothing
        async with db.transaction():
            opened = await casefiles.open_case_file(
                actor,
                series_code=data.series_code,
                title_public=data.title_public,
                title_protected=data.title_protected,
                classification_code=data.classification_code,
                officer=data.officer,
                department=data.department,
            )
            if marking is not None:
                await secrecy.add(actor, marking, case_file_id=opened["id"])
        return await casefiles.get(opened["id"], principal_of(request))

    @post(
        "/from-kc-case",
        opt=REGISTER,
        status_code=201,
        summary="Register a KC case into the diarium as a new case file (linked both ways)",
    )
    async def from_kc_case(
        self, request: Request, data: JSONBody[KcRegisterBody]
    ) -> dict[str, Any]:
        opened = await casefiles.register_kc_case(
            principal_of(request),
            data.kc_case,
            series_code=data.series_code,
            classification_code=data.classification_code,
            title_public=data.title_public,
            title_protected=data.title_protected,
            officer=data.officer,
        )
        return await casefiles.get(opened["id"], principal_of(request))

    @get("/{case_file_id:int}", opt=READ, summary="One case file with its documents")
    async def get_case_file(self, request: Request, case_file_id: IdPath) -> dict[str, Any]:
        return await casefiles.get(case_file_id, principal_of(request))

    @patch("/{case_file_id:int}", opt=REGISTER, summary="Change officer, titles, classification")
    async def update(
        self, request: Request, case_file_id: IdPath, data: JSONBody[CaseFileChanges]
    ) -> dict[str, Any]:
        await casefiles.update(
            principal_of(request).username,
            case_file_id,
            officer=data.officer,
            title_public=data.title_public,
            title_protected=data.title_protected,
            classification_code=data.classification_code,
            department=data.department,
        )
        return await casefiles.get(case_file_id, principal_of(request))

    @post(
        "/{case_file_id:int}/documents",
        opt=HANDLE,
        status_code=201,
        summary="Register a document in the case file (the officer: drawn up or sent)",
    )
    async def add_document(
        self, request: Request, case_file_id: IdPath, data: JSONBody[DocumentFields]
    ) -> dict[str, Any]:
        principal = principal_of(request)
        access.require_handler(principal, await casefiles.row(case_file_id))
        if data.direction == "in" and not principal.can("diarium.register"):
            from core.errors import Forbidden

            raise Forbidden("Documents received are registered by the registrator")
        registered = await documents.register(
            principal.username, case_file_id=case_file_id, **_document_args(data)
        )
        return await documents.get(registered["id"], principal)

    @post(
        "/{case_file_id:int}/decision",
        opt=HANDLE,
        summary="Record the case file's decision",
        status_code=200,
    )
    async def decide(
        self, request: Request, case_file_id: IdPath, data: JSONBody[DecisionBody]
    ) -> dict[str, Any]:
        principal = principal_of(request)
        access.require_handler(principal, await casefiles.row(case_file_id))
        await casefiles.decide(principal.username, case_file_id, data.decision)
        return await casefiles.get(case_file_id, principal)

    @post(
        "/{case_file_id:int}/close",
        opt=HANDLE,
        summary="Close the case file with its decision",
        status_code=200,
    )
    async def close(
        self, request: Request, case_file_id: IdPath, data: JSONBody[DecisionBody]
    ) -> dict[str, Any]:
        principal = principal_of(request)
        access.require_handler(principal, await casefiles.row(case_file_id))
        await casefiles.close(principal.username, case_file_id, decision=data.decision)
        return await casefiles.get(case_file_id, principal)

    @post(
        "/{case_file_id:int}/reopen",
        opt=ADMIN,
        summary="Reopen a closed case file",
        status_code=200,
    )
    async def reopen(
        self, request: Request, case_file_id: IdPath, data: JSONBody[ReasonBody]
    ) -> dict[str, Any]:
        await casefiles.reopen(principal_of(request).username, case_file_id, data.reason)
        return await casefiles.get(case_file_id, principal_of(request))

    @post(
        "/{case_file_id:int}/cancel",
        opt=REGISTER,
        summary="Cancel a case file (number kept)",
        status_code=200,
    )
    async def cancel(
        self, request: Request, case_file_id: IdPath, data: JSONBody[ReasonBody]
    ) -> dict[str, Any]:
        await casefiles.cancel(principal_of(request).username, case_file_id, data.reason)
        return await casefiles.get(case_file_id, principal_of(request))

    @post(
        "/{case_file_id:int}/kc-link",
        opt=REGISTER,
        summary="Link a KC case into the file",
        status_code=200,
    )
    async def link(
        self, request: Request, case_file_id: IdPath, data: JSONBody[KcLinkBody]
    ) -> dict[str, Any]:
        await casefiles.link_kc_case(principal_of(request), case_file_id, data.kc_case)
        return await casefiles.get(case_file_id, principal_of(request))

    @post(
        "/{case_file_id:int}/secrecy",
        opt=REGISTER,
        status_code=201,
        summary="Mark the case file secret (OSL provision, date, authority)",
    )
    async def mark(
        self, request: Request, case_file_id: IdPath, data: JSONBody[Marking]
    ) -> dict[str, Any]:
        await secrecy.add(
            principal_of(request).username, _marking(data) or {}, case_file_id=case_file_id
        )
        return await casefiles.get(case_file_id, principal_of(request))

    @post(
        "/{case_file_id:int}/secrecy/{marking_id:int}/lift",
        opt=ADMIN,
        summary="Lift a secrecy marking of the case file",
        status_code=200,
    )
    async def lift(
        self, request: Request, case_file_id: IdPath, marking_id: IdPath, data: JSONBody[ReasonBody]
    ) -> dict[str, Any]:
        await secrecy.lift_of(
            principal_of(request).username, marking_id, data.reason, case_file_id=case_file_id
        )
        return await casefiles.get(case_file_id, principal_of(request))


class DocumentController(Controller):
    path = "/documents"
    tags = ["diarium: registry"]

    @post("/", opt=REGISTER, status_code=201, summary="Register a document (number taken)")
    async def register(self, request: Request, data: JSONBody[DocumentBody]) -> dict[str, Any]:
        principal = principal_of(request)
        registered = await documents.register(
            principal.username,
            series_code=data.series_code or "",
            case_file_id=data.case_file_id,
            draft_id=data.draft_id,
            **_document_args(data),
        )
        return await documents.get(registered["id"], principal)

    @get("/{document_id:int}", opt=READ, summary="One document (secrecy warning, reads audited)")
    async def get_document(self, request: Request, document_id: IdPath) -> dict[str, Any]:
        return await documents.get(document_id, principal_of(request))

    @post(
        "/{document_id:int}/cancel",
        opt=REGISTER,
        summary="Cancel a registration (number kept)",
        status_code=200,
    )
    async def cancel(
        self, request: Request, document_id: IdPath, data: JSONBody[ReasonBody]
    ) -> dict[str, Any]:
        await documents.cancel(principal_of(request).username, document_id, data.reason)
        return await documents.get(document_id, principal_of(request))

    @post(
        "/{document_id:int}/files",
        opt=REGISTER,
        status_code=201,
        summary="Attach a stored file to the document",
    )
    async def attach(
        self, request: Request, document_id: IdPath, data: JSONBody[FileRef]
    ) -> dict[str, Any]:
        await documents.add_file(
            principal_of(request).username, document_id, data.sha256, data.filename, data.role
        )
        return await documents.get(document_id, principal_of(request))

    @get(
        "/{document_id:int}/files/{file_id:int}",
        opt=READ,
        summary="Download a file of the document (a marked one's only with the right to secrets)",
    )
    async def download(
        self, request: Request, document_id: IdPath, file_id: IdPath
    ) -> Response[bytes]:
        found = await documents.file_for(document_id, file_id, principal_of(request))
        name = found["filename"].replace('"', "")
        return Response(
            found["path"].read_bytes(),
            media_type=found["mime"],
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    @post(
        "/{document_id:int}/secrecy",
        opt=REGISTER,
        status_code=201,
        summary="Mark the document secret (OSL provision, date, authority)",
    )
    async def mark(
        self, request: Request, document_id: IdPath, data: JSONBody[Marking]
    ) -> dict[str, Any]:
        await secrecy.add(
            principal_of(request).username, _marking(data) or {}, document_id=document_id
        )
        return await documents.get(document_id, principal_of(request))

    @post(
        "/{document_id:int}/secrecy/{marking_id:int}/lift",
        opt=ADMIN,
        summary="Lift a secrecy marking of the document",
        status_code=200,
    )
    async def lift(
        self, request: Request, document_id: IdPath, marking_id: IdPath, data: JSONBody[ReasonBody]
    ) -> dict[str, Any]:
        await secrecy.lift_of(
            principal_of(request).username, marking_id, data.reason, document_id=document_id
        )
        return await documents.get(document_id, principal_of(request))


class FileController(Controller):
    path = "/files"
    tags = ["diarium: registry"]

    @post(
        "/",
        opt=HANDLE,
        status_code=201,
        summary="Store a file (the raw body; content-addressed, stored once)",
    )
    async def store(self, request: Request) -> dict[str, Any]:
        data = await _upload(request)
        sha256 = await files.store(data, request.headers.get("content-type", ""))
        return await files.blob(sha256)

    @get("/{sha256:str}", opt=SECRET, summary="A stored file by its SHA-256 (read audited)")
    async def fetch(self, request: Request, sha256: ShaPath) -> Response[bytes]:
        from core import audit, db

        found = await files.blob(sha256)
        path = files.open_blob(sha256)
        async with db.transaction():
            audit.record_read(principal_of(request).username, "diarium_blob", sha256, {})
        return Response(
            path.read_bytes(),
            media_type=found["mime"],
            headers={"X-Content-Type-Options": "nosniff"},
        )


class ClassificationController(Controller):
    path = "/classification"
    tags = ["diarium: registry"]

    @get("/", opt=READ, summary="The classification plan (KLASSA)")
    async def plan(self, plan_version: VersionQuery = None) -> dict[str, Any]:
        return _page(await classification.classes(plan_version))

    @get("/versions", opt=READ, summary="The plan versions")
    async def versions(self) -> dict[str, Any]:
        return _page(await classification.versions())

    @post(
        "/import",
        opt=ADMIN,
        status_code=200,
        summary="Import a plan version from CSV or XLSX (the raw body); faults name row and column",
    )
    async def import_plan(
        self,
        request: Request,
        plan_version: Annotated[str, QueryParameter(pattern=r"^[A-Za-z0-9._-]{1,40}$")] = "1",
        filename: Annotated[str, query_text(200)] = "plan.csv",
    ) -> dict[str, Any]:
        return await classification.import_plan(
            principal_of(request).username,
            await _upload(request),
            filename,
            plan_version=plan_version,
        )


class RetentionController(Controller):
    path = "/retention-plan"
    tags = ["diarium: registry"]

    @get("/", opt=READ, summary="The informationshanteringsplan (one board's, or all)")
    async def rules(self, board: Annotated[str | None, query_text(200)] = None) -> dict[str, Any]:
        return _page(await retention.rules_for(board))

    @post("/", opt=ADMIN, status_code=201, summary="Add a rule to a board's plan")
    async def create(self, request: Request, data: JSONBody[RuleBody]) -> dict[str, Any]:
        return await retention.create(
            principal_of(request).username, **msgspec.structs.asdict(data)
        )

    @put("/{rule_id:int}", opt=ADMIN, summary="Replace a rule")
    async def update(
        self, request: Request, rule_id: IdPath, data: JSONBody[RuleBody]
    ) -> dict[str, Any]:
        return await retention.update(
            principal_of(request).username, rule_id, **msgspec.structs.asdict(data)
        )

    @delete("/{rule_id:int}", opt=ADMIN, status_code=200, summary="Remove a rule")
    async def remove(self, request: Request, rule_id: IdPath) -> dict[str, Any]:
        await retention.delete(principal_of(request).username, rule_id)
        return {"deleted": rule_id}

    @post(
        "/import",
        opt=ADMIN,
        status_code=200,
        summary="Replace a board's plan from CSV or XLSX (the raw body)",
    )
    async def import_plan(
        self,
        request: Request,
        board: Annotated[str, query_text(200, 1)],
        filename: Annotated[str, query_text(200)] = "plan.csv",
    ) -> dict[str, Any]:
        return await retention.import_plan(
            principal_of(request).username, await _upload(request), filename, board=board
        )


@get("/search", opt=READ, tags=["diarium: registry"], summary="The registrator's search")
async def search_registry(
    request: Request,
    q: Annotated[str | None, query_text(200)] = None,
    series_code: SeriesQuery = None,
    year: YearQuery = None,
    direction: DirectionQuery = None,
    date_from: DateQuery = None,
    date_to: DateQuery = None,
    case_file_id: IdQuery = None,
    status: DocStatusQuery = None,
    cursor: Cursor = None,
    limit: PageLimit = 50,
) -> dict[str, Any]:
    return await search.search(
        principal_of(request),
        q=q,
        series_code=series_code,
        year=year,
        direction=direction,
        date_from=date_from,
        date_to=date_to,
        case_file_id=case_file_id,
        status=status,
        cursor=cursor,
        limit=limit,
    )


ROUTES = [
    SeriesController,
    CaseFileController,
    DocumentController,
    FileController,
    ClassificationController,
    RetentionController,
    search_registry,
]
