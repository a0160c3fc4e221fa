"""The situation area's HTTP API under ``/api/v1/plugins/crisis_mode``: ``/topics``
(and ``/topics/areas``), ``/tags``, ``/situation``, ``/roster``, ``/shifts`` and
``/events/{id}/record``. Only translation to the services."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody, QueryParameter

from core import paging
from core.errors import Conflict
from core.i18n import N_, gettext
from core.web.problems import language_of
from core.web.security import principal_of
from core.web.types import Id, IdPath, IdQuery, bounded_int, text
from plugins.crisis_mode.situation import (
    chart,
    links,
    record,
    roster,
    shifts,
    situation,
    tagging,
    topics,
)

VIEW = {"permission": "crisis.view"}
MANAGE = {"permission": "crisis.manage"}
SVG = "image/svg+xml"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
Epoch = bounded_int(0, 2**40)
EpochQuery = Annotated[int, QueryParameter(ge=0, le=2**40)]
LangQuery = Annotated[str | None, QueryParameter(pattern=r"^(sv|en)$")]
KindQuery = Annotated[str | None, QueryParameter(pattern=r"^(jour|posom|interpreter)$")]
FormatQuery = Annotated[str, QueryParameter(pattern=r"^(json|csv|pdf)$")]
CodeQuery = Annotated[str, QueryParameter(pattern=r"^KI1-[A-Za-z0-9_-]{1,60}$")]
NumberQuery = Annotated[str | None, QueryParameter(pattern=r"^[^\x00]{1,40}$")]
Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{1,39}$")]
Kind = Annotated[str, msgspec.Meta(pattern=r"^(jour|posom|interpreter)$")]
Language = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}$")]
Phone = Annotated[str, msgspec.Meta(pattern=r"^[0-9 +()\-]{0,40}$")]
Email = Annotated[
    str, msgspec.Meta(pattern=r"^$|^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$", max_length=254)
]
Status = Annotated[str, msgspec.Meta(pattern=r"^(confirmed|arrived|declined)$")]


def _lang(request: Request, lang: str | None) -> str:
    return lang or language_of(request)


async def _event_id(event_id: int | None) -> int:
    if event_id is not None:
        return int((await links.event(event_id))["id"])
    event = await links.current()
    if event is None:
        raise Conflict("No crisis is active")
    return int(event["id"])


def _listed(items: list[Any]) -> dict[str, Any]:
    return {"items": items, "next_cursor": None, "total": len(items)}


# -- topics and areas ------------------------------------------------------------------------
class NewLabel(msgspec.Struct, forbid_unknown_fields=True):
    """A new topic or area: a stable code and its labels."""

    code: Code
    label_sv: text(120, 1)  # type: ignore[valid-type]
    label_en: text(120) = ""  # type: ignore[valid-type]


class LabelChange(msgspec.Struct, forbid_unknown_fields=True):
    """New labels of a topic or area, or whether it is offered."""

    label_sv: text(120, 1) | None = None  # type: ignore[valid-type]
    label_en: text(120) | None = None  # type: ignore[valid-type]
    active: bool | None = None


class TopicController(Controller):
    path = "/topics"
    tags = ["crisis mode: situation"]

    @get("/", opt=VIEW, summary="The crisis team's topics for tagging crisis contacts")
    async def list_topics(
        self, include_inactive: Annotated[bool, QueryParameter()] = False
    ) -> dict[str, Any]:
        return _listed(await topics.list_all("topic", include_inactive))

    @post("/", opt=MANAGE, status_code=201, summary="Add a topic (also during an event)")
    async def add_topic(self, request: Request, data: JSONBody[NewLabel]) -> dict[str, Any]:
        event = await links.current()
        return await topics.create(
            principal_of(request).username,
            data.code,
            data.label_sv,
            data.label_en,
            "topic",
            int(event["id"]) if event else None,
        )

    @patch("/{topic_id:int}", opt=MANAGE, summary="Change a topic's labels or retire it")
    async def change_topic(
        self, request: Request, topic_id: IdPath, data: JSONBody[LabelChange]
    ) -> dict[str, Any]:
        return await topics.update(
            principal_of(request).username,
            topic_id,
            "topic",
            data.label_sv,
            data.label_en,
            data.active,
        )

    @get("/areas", opt=VIEW, summary="The areas a crisis contact can concern")
    async def list_areas(
        self, include_inactive: Annotated[bool, QueryParameter()] = False
    ) -> dict[str, Any]:
        return _listed(await topics.list_all("area", include_inactive))

    @post("/areas", opt=MANAGE, status_code=201, summary="Add an area")
    async def add_area(self, request: Request, data: JSONBody[NewLabel]) -> dict[str, Any]:
        return await topics.create(
            principal_of(request).username, data.code, data.label_sv, data.label_en, "area"
        )

    @patch("/areas/{area_id:int}", opt=MANAGE, summary="Change an area's labels or retire it")
    async def change_area(
        self, request: Request, area_id: IdPath, data: JSONBody[LabelChange]
    ) -> dict[str, Any]:
        return await topics.update(
            principal_of(request).username,
            area_id,
            "area",
            data.label_sv,
            data.label_en,
            data.active,
        )


# -- tags ------------------------------------------------------------------------------------
class TagBody(msgspec.Struct, forbid_unknown_fields=True):
    """The topics of a crisis contact (by the contact's id or number), its area and a
    question that had no approved answer; ``event_id`` defaults to the active event."""

    topic_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=10)]
    contact_id: Id | None = None
    contact_number: text(40, 1) | None = None  # type: ignore[valid-type]
    area_id: Id | None = None
    question: text(500) = ""  # type: ignore[valid-type]
    event_id: Id | None = None


class TagController(Controller):
    path = "/tags"
    tags = ["crisis mode: situation"]

    @post("/", opt=VIEW, status_code=200, summary="Tag a crisis contact with topics")
    async def tag(self, request: Request, data: JSONBody[TagBody]) -> dict[str, Any]:
        return await tagging.tag(
            principal_of(request),
            list(data.topic_ids),
            contact_id=data.contact_id,
            contact_number=data.contact_number,
            area_id=data.area_id,
            question=data.question,
            event_id=data.event_id,
        )

    @get("/", opt=VIEW, summary="The tagged crisis contacts of an event, newest first")
    async def list_tags(
        self,
        event_id: IdQuery = None,
        cursor: paging.Cursor = None,
        limit: paging.PageLimit = paging.DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        eid = await _event_id(event_id)
        after = paging.decode_cursor(f"crisis_tags:{eid}", cursor, (int,))
        items, last = await tagging.page(eid, limit, int(after[0]) if after else None)
        next_cursor = paging.encode_cursor(f"crisis_tags:{eid}", (last,)) if last else None
        return {"items": items, "next_cursor": next_cursor, "total": None}

    @get("/untagged", opt=VIEW, summary="Crisis contacts not tagged yet, newest first")
    async def untagged(
        self,
        request: Request,
        event_id: IdQuery = None,
        mine: Annotated[bool, QueryParameter()] = False,
        cursor: paging.Cursor = None,
        limit: paging.PageLimit = paging.DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        username = principal_of(request).username if mine else None
        return await tagging.untagged(await _event_id(event_id), limit, cursor, username)

    @get("/contact", opt=VIEW, summary="The tag of one contact (by id or number)")
    async def of_contact(
        self,
        contact_id: IdQuery = None,
        contact_number: NumberQuery = None,
        event_id: IdQuery = None,
    ) -> dict[str, Any]:
        return await tagging.get_for_contact(contact_id, contact_number, event_id)


# -- the lägesbild ---------------------------------------------------------------------------
class KeepBody(msgspec.Struct, forbid_unknown_fields=True):
    event_id: Id | None = None


class SituationController(Controller):
    path = "/situation"
    tags = ["crisis mode: situation"]

    @get("/", opt=VIEW, summary="The lägesbild now: counts per hour, channel, area and topic")
    async def now(
        self, request: Request, event_id: IdQuery = None, lang: LangQuery = None
    ) -> dict[str, Any]:
        return await situation.build(await _event_id(event_id), lang=_lang(request, lang))

    @get("/chart", opt={**VIEW, "media_types": (SVG,)}, summary="The lägesbild's chart (SVG)")
    async def chart_now(
        self, request: Request, event_id: IdQuery = None, lang: LangQuery = None
    ) -> Response[str]:
        language = _lang(request, lang)
        report = await situation.build(await _event_id(event_id), lang=language)
        return Response(chart.svg(report, language), media_type=SVG)

    @get("/summary", opt={**VIEW, "media_types": (TEXT,)}, summary="The lägesbild as text")
    async def summary_now(
        self, request: Request, event_id: IdQuery = None, lang: LangQuery = None
    ) -> Response[str]:
        report = await situation.build(await _event_id(event_id), lang=_lang(request, lang))
        return Response(report["summary"], media_type=TEXT)

    @post("/reports", opt=MANAGE, status_code=201, summary="Make a lägesbild and keep it")
    async def keep(self, request: Request, data: JSONBody[KeepBody]) -> dict[str, Any]:
        eid = await _event_id(data.event_id)
        return await situation.keep(eid, principal_of(request).username, "on_demand")

    @get("/reports", opt=VIEW, summary="The lägesbilder kept with an event")
    async def kept(self, event_id: IdQuery = None) -> dict[str, Any]:
        return _listed(await situation.kept(await _event_id(event_id)))

    @get("/reports/{report_id:int}", opt=VIEW, summary="A kept lägesbild")
    async def kept_one(self, report_id: IdPath) -> dict[str, Any]:
        return await situation.kept_report(report_id)

    @get(
        "/reports/{report_id:int}/chart",
        opt={**VIEW, "media_types": (SVG,)},
        summary="A kept lägesbild's chart (SVG)",
    )
    async def kept_chart(self, report_id: IdPath) -> Response[str]:
        return Response((await situation.kept_report(report_id))["chart_svg"], media_type=SVG)


# -- roster and call-in ----------------------------------------------------------------------
class PersonBody(msgspec.Struct, forbid_unknown_fields=True):
    """Someone on the on-call roster."""

    name: text(120, 1)  # type: ignore[valid-type]
    kind: Kind = "jour"
    phone: Phone = ""
    email: Email = ""
    languages: Annotated[list[Language], msgspec.Meta(max_length=12)] = msgspec.field(
        default_factory=lambda: ["sv"]
    )
    username: text(64) = ""  # type: ignore[valid-type]
    on_call: bool = True
    note: text(300) = ""  # type: ignore[valid-type]


class PersonChange(msgspec.Struct, forbid_unknown_fields=True):
    name: text(120, 1) | None = None  # type: ignore[valid-type]
    kind: Kind | None = None
    phone: Phone | None = None
    email: Email | None = None
    languages: Annotated[list[Language], msgspec.Meta(max_length=12)] | None = None
    username: text(64) | None = None  # type: ignore[valid-type]
    on_call: bool | None = None
    active: bool | None = None
    note: text(300) | None = None  # type: ignore[valid-type]


class CallInBody(msgspec.Struct, forbid_unknown_fields=True):
    event_id: Id | None = None


class CallInStatus(msgspec.Struct, forbid_unknown_fields=True):
    status: Status


class AnswerForm(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(pattern=r"^KI1-[A-Za-z0-9_-]{1,60}$")]
    answer: Annotated[str, msgspec.Meta(pattern=r"^(yes|no)$")]


class RosterController(Controller):
    path = "/roster"
    tags = ["crisis mode: roster"]

    @get("/", opt=MANAGE, summary="The on-call roster with contact details (an audited read)")
    async def list_people(self, request: Request, kind: KindQuery = None) -> dict[str, Any]:
        return _listed(await roster.read_all(principal_of(request).username, kind))

    @post("/", opt=MANAGE, status_code=201, summary="Add someone to the on-call roster")
    async def add(self, request: Request, data: JSONBody[PersonBody]) -> dict[str, Any]:
        return await roster.create(principal_of(request).username, msgspec.structs.asdict(data))

    @get("/{person_id:int}", opt=MANAGE, summary="One person on the roster (an audited read)")
    async def person(self, request: Request, person_id: IdPath) -> dict[str, Any]:
        return await roster.read_person(principal_of(request).username, person_id)

    @patch("/{person_id:int}", opt=MANAGE, summary="Change someone on the roster")
    async def change(
        self, request: Request, person_id: IdPath, data: JSONBody[PersonChange]
    ) -> dict[str, Any]:
        return await roster.update(
            principal_of(request).username, person_id, msgspec.structs.asdict(data)
        )

    @post("/call-in", opt=MANAGE, status_code=200, summary="Call in everyone on call (e-mail)")
    async def call_in(self, request: Request, data: JSONBody[CallInBody]) -> dict[str, Any]:
        eid = await _event_id(data.event_id)
        return await roster.call_in(eid, principal_of(request).username)

    @get("/call-ins", opt=MANAGE, summary="Who was called in for an event, and their answers")
    async def call_ins(self, event_id: IdQuery = None) -> dict[str, Any]:
        items = await roster.call_ins(await _event_id(event_id))
        return {**_listed(items), "counts": roster.counts(items)}

    @put("/call-ins/{call_in_id:int}", opt=MANAGE, summary="Record an answer or an arrival")
    async def record_status(
        self, request: Request, call_in_id: IdPath, data: JSONBody[CallInStatus]
    ) -> dict[str, Any]:
        return await roster.record_status(principal_of(request).username, call_in_id, data.status)

    @get(
        "/answer",
        opt={"public": True, "media_types": (HTML,)},
        summary="The page the call-in e-mail links to (answer whether you come)",
    )
    async def answer_page(self, request: Request, code: CodeQuery) -> Response[str]:
        row = await roster.by_code(code)
        return Response(
            _answer_html(_lang(request, None), row["name"], code, row["status"]),
            media_type=HTML,
            headers=NO_STORE,
        )

    @post(
        "/answer",
        opt={"public": True, "media_types": (HTML,)},
        status_code=200,
        summary="The called-in person's answer (form post from the answer page)",
    )
    async def answer(
        self,
        request: Request,
        data: Annotated[AnswerForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response[str]:
        done = await roster.answer(data.code, data.answer == "yes")
        return Response(
            _answer_html(_lang(request, None), done["name"], data.code, done["status"]),
            media_type=HTML,
            headers=NO_STORE,
        )


NO_STORE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
ANSWER_TEXTS = {
    "title": N_("Call-in to the contact centre"),
    "hello": N_("Hello {name}, can you come to the contact centre?"),
    "yes": N_("Yes, I am coming"),
    "no": N_("No, I cannot come"),
    "confirmed": N_("Thank you: you have answered that you are coming."),
    "declined": N_("Thank you: you have answered that you cannot come."),
    "arrived": N_("You are registered as arrived."),
}


def _answer_html(lang: str, name: str, code: str, status: str) -> str:
    t = {key: gettext(value, lang) for key, value in ANSWER_TEXTS.items()}
    state = f'<p role="status">{escape(t[status])}</p>' if status in t else ""
    form = ""
    if status != "arrived":
        form = (
            '<form method="post" action="answer">'
            f'<input type="hidden" name="code" value="{escape(code)}">'
            f'<button name="answer" value="yes">{escape(t["yes"])}</button> '
            f'<button name="answer" value="no">{escape(t["no"])}</button></form>'
        )
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(t['title'])}</title><style>body{{font:1.1rem/1.5 sans-serif;"
        "max-width:36rem;margin:2rem auto;padding:0 1rem}button{font-size:1.1rem;"
        "padding:.6rem 1rem;margin:.3rem 0}</style></head><body><main>"
        f"<h1>{escape(t['title'])}</h1><p>{escape(t['hello'].format(name=name))}</p>"
        f"{state}{form}</main></body></html>"
    )


# -- shifts ----------------------------------------------------------------------------------
class ShiftBody(msgspec.Struct, forbid_unknown_fields=True):
    """A shift of a user (``username``) or a roster person (``person_id``)."""

    starts_at: Epoch
    ends_at: Epoch
    username: text(64) = ""  # type: ignore[valid-type]
    person_id: Id | None = None
    role: text(60) = ""  # type: ignore[valid-type]
    note: text(300) = ""  # type: ignore[valid-type]


class ShiftController(Controller):
    path = "/shifts"
    tags = ["crisis mode: roster"]

    @get("/", opt=VIEW, summary="Shifts of a period and the stretches no shift covers")
    async def list_shifts(
        self,
        start: Annotated[int, QueryParameter(name="from", ge=0, le=2**40)],
        end: Annotated[int, QueryParameter(name="to", ge=0, le=2**40)],
    ) -> dict[str, Any]:
        found = await shifts.coverage(start, end)
        return {**found, "next_cursor": None, "total": len(found["items"])}

    @post("/", opt=MANAGE, status_code=201, summary="Add a shift")
    async def add(self, request: Request, data: JSONBody[ShiftBody]) -> dict[str, Any]:
        return await shifts.create(
            principal_of(request).username,
            data.starts_at,
            data.ends_at,
            data.username,
            data.person_id,
            data.role,
            data.note,
        )

    @delete("/{shift_id:int}", opt=MANAGE, status_code=200, summary="Remove a shift")
    async def remove(self, request: Request, shift_id: IdPath) -> dict[str, Any]:
        return await shifts.delete(principal_of(request).username, shift_id)

    @get("/now", opt=VIEW, summary="Who is on shift now and who is signed in now")
    async def now(self) -> dict[str, Any]:
        return await shifts.now_view()


# -- the record ------------------------------------------------------------------------------
@get(
    "/events/{event_id:int}/record",
    opt={**MANAGE, "media_types": ("application/json", CSV, PDF)},
    tags=["crisis mode: record"],
    summary="The event's record: timeline, messages, lägesbilder, volumes (JSON, CSV or PDF)",
)
async def event_record(event_id: IdPath, format: FormatQuery = "json") -> Response[Any]:  # noqa: A002
    content, media_type = await record.export(event_id, format)
    if format == "json":
        return Response(content, media_type="application/json")
    name = f"krislage-{event_id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=media_type, headers=headers)


ROUTES = [
    TopicController,
    TagController,
    SituationController,
    RosterController,
    ShiftController,
    event_record,
]
