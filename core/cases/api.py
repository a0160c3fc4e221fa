"""HTTP API of contacts, cases and call-backs (translation to :mod:`core.cases.service`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import (
    FromQuery,
    HeaderParameter,
    JSONBody,
    QueryParameter,
)

from core import idempotency, paging
from core.cases import search, service, states
from core.cases.schemas import CallbackItem, CaseItem, ContactItem, HistoryItem
from core.cases.service import ContactInput
from core.clock import epoch_of, iso_utc
from core.org import lookup
from core.parties.schemas import InlineParty as PartyInput
from core.web import types as bounded
from core.web.problems import language_of as lang_of
from core.web.security import principal_of
from core.web.types import Id, IdPath, IdQuery, Seconds, query_text

CaseNumber = Annotated[str, bounded.text_path(40)]
ShortText = Annotated[str | None, query_text(20)]
CodeQuery = Annotated[str | None, query_text(64)]
CaseQuery = Annotated[str | None, query_text(40)]
NameQuery = Annotated[str | None, query_text(200)]
TextSearch = Annotated[str | None, query_text(200)]
CHANNEL_CODE = "A channel code: 2 to 12 lowercase letters (the core's or a plugin's)"
ChannelQuery = Annotated[
    str | None, QueryParameter(pattern=service.CHANNEL_RE.pattern, description=CHANNEL_CODE)
]
ChannelCode = Annotated[
    str, msgspec.Meta(pattern=service.CHANNEL_RE.pattern, description=CHANNEL_CODE)
]
TIME_KEYS = ("_at", "_due", "_warn", "due", "warn", "done_at", "preferred_from", "preferred_to")
TIME_NAMES = frozenset({"at"})  # exact keys that are times too (timeline and history)


def with_iso_times(value: Any) -> Any:
    """Turn epoch-second fields (…_at, …due, …warn) into ISO-8601 UTC strings, recursively."""
    if isinstance(value, list):
        return [with_iso_times(item) for item in value]
    if isinstance(value, dict):
        return {
            key: iso_utc(item)
            if isinstance(item, int)
            and not isinstance(item, bool)
            and (key.endswith(TIME_KEYS) or key in TIME_NAMES)
            else with_iso_times(item)
            for key, item in value.items()
        }
    return value


class ContactBody(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /api/v1/contacts``: one interaction; ``channel`` is one of the core's channels
    or one a plugin registered (``register_channels``)."""

    channel: ChannelCode
    summary: bounded.text(10000) = ""
    direction: states.Direction = "in"
    received_at: datetime | None = None
    case_type: bounded.text(60) | None = None
    answer_group: bounded.text(40) | None = None
    party_id: Id | None = None
    party: PartyInput | None = None
    resolved_first_contact: bool = False
    open_case: bool = False
    join_case: bounded.text(40) | None = None
    subject: bounded.text(300) = ""
    description: bounded.text(20000) = ""
    priority: states.Priority = "normal"
    language: bounded.text(5) = "sv"
    feedback_channel: states.FeedbackChannel | None = None
    secret: bool = False
    external_ref: bounded.text(200) = ""
    wait_seconds: Seconds | None = None
    handle_seconds: Seconds | None = None


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
    """A new status; ``reason`` is required when it ends the case."""

    status: states.Status
    public_text: bounded.text(2000) = ""
    reason: bounded.text(2000) = ""


class NoteBody(msgspec.Struct, forbid_unknown_fields=True):
    text: bounded.text(10000)
    public: bool = False


class ForwardBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: states.AssigneeKind
    target: bounded.text(200)
    reason: bounded.text(2000)


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: bounded.text(2000)


class MergeBody(msgspec.Struct, forbid_unknown_fields=True):
    """Merge into the case ``into``; merging ends this case, so it needs a reason."""

    into: bounded.text(40)
    reason: bounded.text(2000)


class PriorityBody(msgspec.Struct, forbid_unknown_fields=True):
    priority: states.Priority


class SecrecyBody(msgspec.Struct, forbid_unknown_fields=True):
    secret: bool


class FeedbackBody(msgspec.Struct, forbid_unknown_fields=True):
    channel: states.FeedbackChannel
    text: bounded.text(5000)


class CallbackBody(msgspec.Struct, forbid_unknown_fields=True):
    """A call-back request; ``assignee`` (a username) is who is to make the call."""

    phone: bounded.text(40)
    case: bounded.text(40) | None = None
    preferred_from: datetime | None = None
    preferred_to: datetime | None = None
    answer_group: bounded.text(40) | None = None
    notes: bounded.text(2000) = ""
    assignee: bounded.text(64) | None = None


class AttemptBody(msgspec.Struct, forbid_unknown_fields=True):
    outcome: states.AttemptOutcome
    notes: bounded.text(2000) = ""


class ContactController(Controller):
    path = "/api/v1/contacts"
    tags = ["contacts"]

    @post(
        "/",
        opt={"permission": "contacts.register"},
        summary="Register a contact in any channel; optionally open or join a case",
    )
    async def register(
        self,
        request: Request,
        data: JSONBody[ContactBody],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(name=idempotency.HEADER, pattern=idempotency.KEY_PATTERN),
        ] = None,
    ) -> dict[str, Any]:
        async def work() -> dict[str, Any]:
            result = await service.register_contact(principal_of(request), to_input(data))
            if data.case_type:
                from core.knowledge.service import articles_for_case_type

                case_type = await lookup.case_type(data.case_type)
                result["articles"] = await articles_for_case_type(case_type["id"])
            return with_iso_times(result)

        body = msgspec.to_builtins(data)
        user_id = principal_of(request).user_id
        return await idempotency.run_once(user_id, idempotency_key, body, work)

    @get("/", opt={"permission": "cases.read"}, summary="Contacts, newest first (filterable)")
    async def list_contacts(
        self,
        request: Request,
        channel: ChannelQuery = None,
        party: IdQuery = None,
        case: CaseQuery = None,
        answer_group: CodeQuery = None,
        received_from: FromQuery[datetime | None] = None,
        received_to: FromQuery[datetime | None] = None,
        mine: FromQuery[bool] = False,
        limit: paging.PageLimit = paging.DEFAULT_LIMIT,
        cursor: paging.Cursor = None,
    ) -> paging.Page[ContactItem]:
        if channel is not None:
            service.check_channel(channel)
        filters = search.ContactFilters(
            channel=channel,
            party=party,
            case=case,
            answer_group=answer_group,
            received_from=epoch_of("received_from", received_from),
            received_to=epoch_of("received_to", received_to),
            mine=mine,
        )
        result = await search.list_contacts(
            principal_of(request), filters, limit=limit, cursor=cursor, lang=lang_of(request)
        )
        return paging.Page(**result)

    @get("/{number:str}", opt={"permission": "cases.read"}, summary="One contact by its number")
    async def get_contact(self, request: Request, number: CaseNumber) -> ContactItem:
        return await search.get_contact(principal_of(request), number, lang=lang_of(request))


class CaseController(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]

    @get(
        "/",
        opt={"permission": "cases.read"},
        summary="Find cases, newest first (open cases unless a status is given)",
    )
    async def list_cases(
        self,
        request: Request,
        party: IdQuery = None,
        id_number: ShortText = None,
        name: NameQuery = None,
        case_type: CodeQuery = None,
        status: FromQuery[list[states.Status] | None] = None,
        owner: CodeQuery = None,
        assignee: CodeQuery = None,
        department: ShortText = None,
        created_from: FromQuery[datetime | None] = None,
        created_to: FromQuery[datetime | None] = None,
        updated_from: FromQuery[datetime | None] = None,
        updated_to: FromQuery[datetime | None] = None,
        q: TextSearch = None,
        mine: FromQuery[bool] = False,
        overdue: FromQuery[bool] = False,
        answer_group: CodeQuery = None,
        my_groups: FromQuery[bool] = False,
        follow_ups: FromQuery[bool] = False,
        limit: paging.PageLimit = paging.DEFAULT_LIMIT,
        cursor: paging.Cursor = None,
    ) -> paging.Page[CaseItem]:
        filters = search.CaseFilters(
            party=party,
            id_number=id_number,
            name=name,
            case_type=case_type,
            statuses=tuple(dict.fromkeys(status or ())),
            owner=owner,
            assignee=assignee,
            department=department,
            created_from=epoch_of("created_from", created_from),
            created_to=epoch_of("created_to", created_to),
            updated_from=epoch_of("updated_from", updated_from),
            updated_to=epoch_of("updated_to", updated_to),
            q=q,
            mine=mine,
            overdue=overdue,
            answer_group=answer_group,
            my_groups=my_groups,
            follow_ups=follow_ups,
        )
        result = await search.list_cases(
            principal_of(request), filters, limit=limit, cursor=cursor, lang=lang_of(request)
        )
        return paging.Page(**result)

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
        summary=(
            "Change the status (transitions enforced; 'waiting' pauses the clock; closing "
            "needs a reason, and the department for types the contact center may not close)"
        ),
    )
    async def status(
        self, request: Request, number: CaseNumber, data: JSONBody[StatusBody]
    ) -> dict[str, Any]:
        return with_iso_times(
            await service.change_status(
                principal_of(request), number, data.status, data.public_text, data.reason
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
        return with_iso_times(
            await service.merge(principal_of(request), number, data.into, data.reason)
        )

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

    @get(
        "/",
        opt={"permission": "cases.read"},
        summary="The call-back list, oldest first (by outcome, assignee, mine, overdue)",
    )
    async def list_callbacks(
        self,
        request: Request,
        outcome: FromQuery[states.CallbackOutcome] = "pending",
        assignee: CodeQuery = None,
        mine: FromQuery[bool] = False,
        overdue: FromQuery[bool] = False,
        limit: paging.PageLimit = paging.DEFAULT_LIMIT,
        cursor: paging.Cursor = None,
    ) -> paging.Page[CallbackItem]:
        filters = search.CallbackFilters(
            outcome=outcome, assignee=assignee, mine=mine, overdue=overdue
        )
        result = await search.list_callbacks(
            principal_of(request), filters, limit=limit, cursor=cursor
        )
        return paging.Page(**result)

    @get("/{callback_id:int}", opt={"permission": "cases.read"}, summary="One call-back")
    async def get_callback(self, request: Request, callback_id: IdPath) -> CallbackItem:
        return await search.get_callback(principal_of(request), callback_id)

    @post("/", opt={"permission": "cases.write"}, summary="Request a call-back")
    async def create(self, request: Request, data: JSONBody[CallbackBody]) -> CallbackItem:
        return await service.request_callback(
            principal_of(request),
            data.case,
            data.phone,
            epoch_of("preferred_from", data.preferred_from),
            epoch_of("preferred_to", data.preferred_to),
            data.answer_group,
            data.notes,
            data.assignee,
        )

    @post(
        "/{callback_id:int}/attempts",
        opt={"permission": "cases.write"},
        status_code=200,
        summary="Record a call-back attempt",
    )
    async def attempt(
        self, request: Request, callback_id: IdPath, data: JSONBody[AttemptBody]
    ) -> CallbackItem:
        return await service.record_callback_attempt(
            principal_of(request), callback_id, data.outcome, data.notes
        )


class PartyHistoryController(Controller):
    """A citizen's history lives with the cases, under the party's path."""

    path = "/api/v1/parties/{party_id:int}/history"
    tags = ["parties"]

    @get(
        "/",
        opt={"permission": "cases.read"},
        summary="All contacts and cases of a party, newest first",
    )
    async def history(
        self,
        request: Request,
        party_id: IdPath,
        limit: paging.PageLimit = paging.DEFAULT_LIMIT,
        cursor: paging.Cursor = None,
    ) -> paging.Page[HistoryItem]:
        result = await search.party_history(
            principal_of(request), party_id, limit=limit, cursor=cursor
        )
        return paging.Page(**result)
