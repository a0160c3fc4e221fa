"""HTTP API of contacts, cases and call-backs (translation to :mod:`core.cases.service`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter

from core.cases import service
from core.cases.service import ContactInput
from core.clock import epoch_of, iso_utc
from core.org import lookup
from core.parties.schemas import InlineParty as PartyInput
from core.web.problems import language_of as lang_of
from core.web.security import principal_of

CaseNumber = Annotated[str, PathParameter(max_length=40)]
Filter = Annotated[str | None, QueryParameter(max_length=20)]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]
TIME_KEYS = ("_at", "_due", "_warn", "due", "warn", "done_at", "preferred_from", "preferred_to")


def with_iso_times(value: Any) -> Any:
    """Turn epoch-second fields (…_at, …due, …warn) into ISO-8601 UTC strings, recursively."""
    if isinstance(value, list):
        return [with_iso_times(item) for item in value]
    if isinstance(value, dict):
        return {
            key: iso_utc(item)
            if isinstance(item, int) and not isinstance(item, bool) and key.endswith(TIME_KEYS)
            else with_iso_times(item)
            for key, item in value.items()
        }
    return value


class ContactBody(msgspec.Struct, forbid_unknown_fields=True):
    channel: Annotated[str, msgspec.Meta(max_length=12)]
    summary: Annotated[str, msgspec.Meta(max_length=10000)] = ""
    direction: str = "in"
    received_at: datetime | None = None
    case_type: str | None = None
    answer_group: str | None = None
    party_id: int | None = None
    party: PartyInput | None = None
    resolved_first_contact: bool = False
    open_case: bool = False
    join_case: str | None = None
    subject: Annotated[str, msgspec.Meta(max_length=300)] = ""
    description: Annotated[str, msgspec.Meta(max_length=20000)] = ""
    priority: str = "normal"
    language: str = "sv"
    feedback_channel: str | None = None
    secret: bool = False
    external_ref: Annotated[str, msgspec.Meta(max_length=200)] = ""
    wait_seconds: Annotated[int, msgspec.Meta(ge=0)] | None = None
    handle_seconds: Annotated[int, msgspec.Meta(ge=0)] | None = None


def to_input(body: ContactBody) -> ContactInput:
    received = epoch_of("received_at", body.received_at)
    return ContactInput(
        channel=body.channel,
        summary=body.summary,
        direction=body.direction,
        received_at=received,
        case_type=body.case_type,
        answer_group=body.answer_group,
        party_id=body.party_id,
        party=msgspec.structs.asdict(body.party) if body.party is not None else None,
        resolved_first_contact=body.resolved_first_contact,
        open_case=body.open_case,
        join_case=body.join_case,
        subject=body.subject,
        description=body.description,
        priority=body.priority,
        language=body.language,
        feedback_channel=body.feedback_channel,
        secret=body.secret,
        external_ref=body.external_ref,
        wait_seconds=body.wait_seconds,
        handle_seconds=body.handle_seconds,
    )


class StatusBody(msgspec.Struct, forbid_unknown_fields=True):
    status: str
    public_text: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class NoteBody(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(max_length=10000)]
    public: bool = False


class ForwardBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    target: Annotated[str, msgspec.Meta(max_length=200)]
    reason: Annotated[str, msgspec.Meta(max_length=2000)]


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=2000)]


class MergeBody(msgspec.Struct, forbid_unknown_fields=True):
    into: Annotated[str, msgspec.Meta(max_length=40)]


class PriorityBody(msgspec.Struct, forbid_unknown_fields=True):
    priority: str


class SecrecyBody(msgspec.Struct, forbid_unknown_fields=True):
    secret: bool


class FeedbackBody(msgspec.Struct, forbid_unknown_fields=True):
    channel: str
    text: Annotated[str, msgspec.Meta(max_length=5000)]


class CallbackBody(msgspec.Struct, forbid_unknown_fields=True):
    phone: Annotated[str, msgspec.Meta(max_length=40)]
    case: str | None = None
    preferred_from: datetime | None = None
    preferred_to: datetime | None = None
    answer_group: str | None = None
    notes: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class AttemptBody(msgspec.Struct, forbid_unknown_fields=True):
    outcome: str
    notes: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class ContactController(Controller):
    path = "/api/v1/contacts"
    tags = ["contacts"]

    @post(
        "/",
        opt={"permission": "contacts.register"},
        summary="Register a contact in any channel; optionally open or join a case",
    )
    async def register(self, request: Request, data: JSONBody[ContactBody]) -> dict[str, Any]:
        result = await service.register_contact(principal_of(request), to_input(data))
        if data.case_type:
            from core.knowledge.service import articles_for_case_type

            case_type = await lookup.case_type(data.case_type)
            result["articles"] = await articles_for_case_type(case_type["id"])
        return with_iso_times(result)


class CaseController(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]

    @get("/", opt={"permission": "cases.read"}, summary="Open cases (filterable)")
    async def list_cases(
        self,
        request: Request,
        status: Filter = None,
        mine: FromQuery[bool] = False,
        department: Filter = None,
        overdue: FromQuery[bool] = False,
        limit: Limit = 100,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[dict[str, Any]]:
        rows = await service.list_cases(
            principal_of(request),
            status=status,
            mine=mine,
            department=department,
            overdue=overdue,
            limit=limit,
            offset=offset,
        )
        return with_iso_times(rows)

    @get(
        "/{number:str}",
        opt={"permission": "cases.read"},
        summary="A case with its timers, timeline and contacts",
    )
    async def get_case(self, request: Request, number: CaseNumber) -> dict[str, Any]:
        return with_iso_times(
            await service.get_case(principal_of(request), number, lang=lang_of(request))
        )

    @post(
        "/{number:str}/status",
        opt={"permission": "cases.write"},
        status_code=200,
        summary="Change the status (transitions enforced; 'waiting' pauses the clock)",
    )
    async def status(
        self, request: Request, number: CaseNumber, data: JSONBody[StatusBody]
    ) -> dict[str, Any]:
        return with_iso_times(
            await service.change_status(
                principal_of(request), number, data.status, data.public_text
            )
        )

    @post(
        "/{number:str}/notes",
        opt={"permission": "cases.write"},
        status_code=200,
        summary="Add an internal or public note",
    )
    async def note(
        self, request: Request, number: CaseNumber, data: JSONBody[NoteBody]
    ) -> dict[str, Any]:
        return with_iso_times(
            await service.add_note(principal_of(request), number, data.text, data.public)
        )

    @post(
        "/{number:str}/forward",
        opt={"permission": "cases.write"},
        status_code=200,
        summary="Forward to a case officer, answer group, department or contractor",
    )
    async def forward(
        self, request: Request, number: CaseNumber, data: JSONBody[ForwardBody]
    ) -> dict[str, Any]:
        return with_iso_times(
            await service.forward(
                principal_of(request), number, data.kind, data.target, data.reason
            )
        )

    @post(
        "/{number:str}/reopen",
        opt={"permission": "cases.write"},
        status_code=200,
        summary="Reopen a closed case",
    )
    async def reopen(
        self, request: Request, number: CaseNumber, data: JSONBody[ReasonBody]
    ) -> dict[str, Any]:
        return with_iso_times(await service.reopen(principal_of(request), number, data.reason))

    @post(
        "/{number:str}/merge",
        opt={"permission": "cases.write"},
        status_code=200,
        summary="Merge this duplicate into another case",
    )
    async def merge(
        self, request: Request, number: CaseNumber, data: JSONBody[MergeBody]
    ) -> dict[str, Any]:
        return with_iso_times(await service.merge(principal_of(request), number, data.into))

    @post(
        "/{number:str}/priority",
        opt={"permission": "cases.write"},
        status_code=200,
        summary="Change the priority",
    )
    async def priority(
        self, request: Request, number: CaseNumber, data: JSONBody[PriorityBody]
    ) -> dict[str, Any]:
        return with_iso_times(
            await service.set_priority(principal_of(request), number, data.priority)
        )

    @post(
        "/{number:str}/secrecy",
        opt={"permission": "cases.secret"},
        status_code=200,
        summary="Mark the case secret or not",
    )
    async def secrecy(
        self, request: Request, number: CaseNumber, data: JSONBody[SecrecyBody]
    ) -> dict[str, Any]:
        return with_iso_times(await service.set_secret(principal_of(request), number, data.secret))

    @post(
        "/{number:str}/feedback",
        opt={"permission": "cases.write"},
        status_code=200,
        summary="Record feedback to the citizen (e-mail is sent)",
    )
    async def feedback(
        self, request: Request, number: CaseNumber, data: JSONBody[FeedbackBody]
    ) -> dict[str, Any]:
        return with_iso_times(
            await service.record_feedback(principal_of(request), number, data.channel, data.text)
        )


class CallbackController(Controller):
    path = "/api/v1/callbacks"
    tags = ["callbacks"]

    @get("/", opt={"permission": "cases.read"}, summary="The call-back list")
    async def list_callbacks(
        self,
        outcome: Annotated[str, QueryParameter(max_length=12)] = "pending",
        limit: Limit = 100,
    ) -> list[dict[str, Any]]:
        return with_iso_times(await service.list_callbacks(outcome, limit))

    @post("/", opt={"permission": "cases.write"}, summary="Request a call-back")
    async def create(self, request: Request, data: JSONBody[CallbackBody]) -> dict[str, Any]:
        return with_iso_times(
            await service.request_callback(
                principal_of(request),
                data.case,
                data.phone,
                epoch_of("preferred_from", data.preferred_from),
                epoch_of("preferred_to", data.preferred_to),
                data.answer_group,
                data.notes,
            )
        )

    @post(
        "/{callback_id:int}/attempts",
        opt={"permission": "cases.write"},
        status_code=200,
        summary="Record a call-back attempt",
    )
    async def attempt(
        self, request: Request, callback_id: FromPath[int], data: JSONBody[AttemptBody]
    ) -> dict[str, Any]:
        return with_iso_times(
            await service.record_callback_attempt(
                principal_of(request), callback_id, data.outcome, data.notes
            )
        )
