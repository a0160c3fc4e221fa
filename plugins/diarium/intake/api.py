"""The intake's HTTP API under ``/api/v1/plugins/diarium``: drafts (list, one, change the
suggestions, discard, register, upload a scan, the searchable PDF/A) and the intake runs
(watched folder, shared mailbox) on demand. Every route needs ``diarium.register``.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.params import JSONBody, QueryParameter

from core import paging
from core.errors import NotFound, Unavailable
from core.web.security import principal_of
from core.web.types import Id, IdPath, TextQuery, text
from plugins.diarium.intake import drafts, mailbox, scans

REGISTER = {"permission": "diarium.register"}
UPLOAD_LIMIT = 200 * 1024 * 1024  # the route's hard cap; max_scan_bytes is the real limit
StatusQuery = Annotated[str | None, QueryParameter(pattern=r"^(new|registered|discarded|all)$")]
SourceQuery = Annotated[str | None, QueryParameter(pattern=r"^(scan|upload|mail)$")]
FilenameQuery = Annotated[
    str, QueryParameter(pattern=r"^[^\x00/\\]*$", min_length=1, max_length=200)
]
DateText = Annotated[str, msgspec.Meta(pattern=r"^(\d{4}-\d{2}-\d{2})?$", max_length=10)]
Unset = msgspec.UnsetType


class DraftChanges(msgspec.Struct, forbid_unknown_fields=True):
    """The registrator's corrections of a draft's suggestions (only the fields given)."""

    sender: text(300) | Unset = msgspec.UNSET  # type: ignore[valid-type]
    sender_email: text(254) | Unset = msgspec.UNSET  # type: ignore[valid-type]
    subject: text(500) | Unset = msgspec.UNSET  # type: ignore[valid-type]
    received_date: DateText | Unset = msgspec.UNSET
    letter_date: DateText | Unset = msgspec.UNSET
    series_code: text(20) | Unset = msgspec.UNSET  # type: ignore[valid-type]
    case_file_id: Id | None | Unset = msgspec.UNSET
    document_type: text(120) | Unset = msgspec.UNSET  # type: ignore[valid-type]
    note: text(1000) | Unset = msgspec.UNSET  # type: ignore[valid-type]


FIELD_NAMES = {"sender": "suggested_sender", "subject": "suggested_subject"}


class DiscardBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: text(500, 1)  # type: ignore[valid-type]


class NewCaseFileBody(msgspec.Struct, forbid_unknown_fields=True):
    """A case file opened for the draft in the same transaction as its registration."""

    title_public: text(500, 1)  # type: ignore[valid-type]
    classification_code: text(40, 1)  # type: ignore[valid-type]
    title_protected: text(500) = ""  # type: ignore[valid-type]
    officer: text(150) = ""  # type: ignore[valid-type]
    department: text(40) = ""  # type: ignore[valid-type]


class SecrecyBody(msgspec.Struct, forbid_unknown_fields=True):
    """A secrecy marking (sekretessmarkering): the OSL provision, the authority, why."""

    provision: text(200, 1)  # type: ignore[valid-type]
    authority: text(200) = ""  # type: ignore[valid-type]
    reason: text(1000) = ""  # type: ignore[valid-type]


class RegisterBody(msgspec.Struct, forbid_unknown_fields=True):
    """Register a draft: the series, the case file (existing or new), the texts (the
    suggestions when left out) and a secrecy marking."""

    series_code: text(20) = ""  # type: ignore[valid-type]
    case_file_id: Id | None = None
    new_case_file: NewCaseFileBody | None = None
    document_date: DateText = ""
    counterpart_public: text(300) | None = None  # type: ignore[valid-type]
    counterpart_protected: text(300) = ""  # type: ignore[valid-type]
    public_text: text(2000) | None = None  # type: ignore[valid-type]
    protected_text: text(20000) = ""  # type: ignore[valid-type]
    document_type: text(120) = ""  # type: ignore[valid-type]
    secrecy: SecrecyBody | None = None
    send_receipt: bool = True


class DraftController(Controller):
    path = "/drafts"
    tags = ["diarium: intake"]

    @get("/", opt=REGISTER, summary="Drafts of incoming post, newest first (searchable)")
    async def list_drafts(
        self,
        status: StatusQuery = None,
        source: SourceQuery = None,
        q: TextQuery = None,
        cursor: paging.Cursor = None,
        limit: paging.PageLimit = paging.DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        chosen = None if status == "all" else (status or "new")
        return await drafts.list_page(chosen, source, (q or "").strip() or None, cursor, limit)

    @post(
        "/upload",
        opt=REGISTER,
        status_code=201,
        request_max_body_size=UPLOAD_LIMIT,
        summary="Upload a scan (PDF or TIFF as the request body): OCR, then a new draft",
    )
    async def upload(self, request: Request, filename: FilenameQuery) -> dict[str, Any]:
        data = await request.body()
        return await scans.upload(data, filename, principal_of(request).username)

    @get("/{draft_id:int}", opt=REGISTER, summary="One draft with its text and suggestions")
    async def get_draft(self, draft_id: IdPath) -> dict[str, Any]:
        return await drafts.get(draft_id)

    @get("/{draft_id:int}/pdf", opt=REGISTER, summary="The draft's searchable PDF/A")
    async def pdf(self, request: Request, draft_id: IdPath) -> Response[bytes]:
        from plugins.diarium.registry import files

        draft = await drafts.get(draft_id)
        pdfa = next((f for f in draft["files"] if f["role"] == "pdfa"), None)
        if pdfa is None:
            raise NotFound("Draft {id} has no PDF", id=draft_id)
        body = files.open_blob(pdfa["sha256"]).read_bytes()
        if draft["personnummer"]["found"]:  # the scan shows them unmasked: the read is audited
            await drafts.audit_read(principal_of(request).username, draft_id, "pdf")
        headers = {"Content-Disposition": f'inline; filename="utkast-{draft_id}.pdf"'}
        return Response(body, media_type="application/pdf", headers=headers)

    @patch("/{draft_id:int}", opt=REGISTER, summary="Correct a draft's suggestions")
    async def update(
        self, request: Request, draft_id: IdPath, data: JSONBody[DraftChanges]
    ) -> dict[str, Any]:
        given = {
            FIELD_NAMES.get(name, name): value
            for name, value in msgspec.structs.asdict(data).items()
            if value is not msgspec.UNSET
        }
        return await drafts.update(principal_of(request), draft_id, given)

    @post("/{draft_id:int}/discard", opt=REGISTER, status_code=200, summary="Discard a draft")
    async def discard(
        self, request: Request, draft_id: IdPath, data: JSONBody[DiscardBody]
    ) -> dict[str, Any]:
        return await drafts.discard(principal_of(request), draft_id, data.reason)

    @post(
        "/{draft_id:int}/register",
        opt=REGISTER,
        status_code=201,
        summary="Register a draft into a series and case file (with a secrecy marking)",
    )
    async def register(
        self, request: Request, draft_id: IdPath, data: JSONBody[RegisterBody]
    ) -> dict[str, Any]:
        registration = drafts.Registration(
            series_code=data.series_code,
            case_file_id=data.case_file_id,
            new_case_file=(
                msgspec.structs.asdict(data.new_case_file) if data.new_case_file else None
            ),
            document_date=data.document_date,
            counterpart_public=data.counterpart_public,
            counterpart_protected=data.counterpart_protected,
            public_text=data.public_text,
            protected_text=data.protected_text,
            document_type=data.document_type,
            secrecy=msgspec.structs.asdict(data.secrecy) if data.secrecy else None,
            send_receipt=data.send_receipt,
        )
        return await drafts.register(principal_of(request), draft_id, registration)


class IntakeController(Controller):
    path = "/intake"
    tags = ["diarium: intake"]

    @get("/status", opt=REGISTER, summary="Whether the watched folder and the mailbox are set up")
    async def status(self) -> dict[str, Any]:
        folder = scans.folder()
        return {
            "folder": {"configured": folder is not None, "path": str(folder or "")},
            "mailbox": {"configured": mailbox.configured()},
            "new_drafts": (await drafts.list_page("new", limit=1))["total"],
        }

    @post("/folder/poll", opt=REGISTER, status_code=200, summary="Take the watched folder now")
    async def poll_folder(self, request: Request) -> dict[str, Any]:
        return await scans.poll_folder(principal_of(request).username)

    @post("/mailbox/poll", opt=REGISTER, status_code=200, summary="Read the shared mailbox now")
    async def poll_mailbox(self) -> dict[str, Any]:
        try:
            return await mailbox.poll_mailbox()
        except (mailbox.MailboxError, OSError) as exc:
            raise Unavailable(
                "The shared mailbox cannot be read right now: {reason}", reason=str(exc)[:300]
            ) from exc


ROUTES = [DraftController, IntakeController]
