"""HTTP API of business calendars, agreements and targets (``/api/v1/sla``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.openapi.spec.enums import OpenAPIFormat
from litestar.params import JSONBody

from core import paging
from core.clock import iso_utc
from core.errors import InvalidInput
from core.sla import agreements, service
from core.sla.calendar import DEFAULT_TIMEZONE, add_business_seconds
from core.web.security import principal_of
from core.web.types import (
    Count,
    Id,
    IdPath,
    IdQuery,
    Ore,
    Percent,
    bounded_int,
    query_text,
    text,
    text_path,
)

READ = {"permission": "sla.read"}
MANAGE = {"permission": "sla.manage"}
MAX_DUE_MINUTES = agreements.MAX_MINUTES

Key = Annotated[str, text_path(64)]
Day = Annotated[str, text_path(10, OpenAPIFormat.DATE)]
Name = text(200)
Clock = text(5)  # "08:00"
Interval = Annotated[list[Clock], msgspec.Meta(max_length=2)]  # ["08:00", "16:30"]
DayHours = Annotated[list[Interval], msgspec.Meta(max_length=24)]
Hours = Annotated[dict[text(16), DayHours], msgspec.Meta(max_length=16)]  # weekday -> hours
DueMinutes = bounded_int(0, MAX_DUE_MINUTES)


class NewCalendar(msgspec.Struct, forbid_unknown_fields=True):
    key: text(64)
    name: Name
    hours: Hours
    timezone: text(64) = DEFAULT_TIMEZONE
    closed_on_de_facto_holidays: bool = True


class CalendarChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    timezone: text(64) | msgspec.UnsetType = msgspec.UNSET
    hours: Hours | msgspec.UnsetType = msgspec.UNSET
    closed_on_de_facto_holidays: bool | msgspec.UnsetType = msgspec.UNSET


class NewException(msgspec.Struct, forbid_unknown_fields=True):
    day: date
    closed: bool = True
    hours: DayHours = msgspec.field(default_factory=list)
    note: text(200) = ""


class ExceptionChanges(msgspec.Struct, forbid_unknown_fields=True):
    closed: bool | msgspec.UnsetType = msgspec.UNSET
    hours: DayHours | msgspec.UnsetType = msgspec.UNSET
    note: text(200) | msgspec.UnsetType = msgspec.UNSET


class NewAgreement(msgspec.Struct, forbid_unknown_fields=True):
    department_id: Id
    name: Name
    valid_from: date
    valid_to: date | None = None
    base_fee_ore: Ore = 0
    notes: text(2000) = ""


class AgreementChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    valid_from: date | msgspec.UnsetType = msgspec.UNSET
    valid_to: date | None | msgspec.UnsetType = msgspec.UNSET
    base_fee_ore: Ore | msgspec.UnsetType = msgspec.UNSET
    notes: text(2000) | msgspec.UnsetType = msgspec.UNSET


class EscalationLevel(msgspec.Struct, forbid_unknown_fields=True):
    level: bounded_int(1, agreements.MAX_LEVELS)
    notify: Annotated[list[text(200)], msgspec.Meta(max_length=50)]


Escalation = Annotated[list[EscalationLevel], msgspec.Meta(max_length=agreements.MAX_LEVELS)]


class NewTarget(msgspec.Struct, forbid_unknown_fields=True):
    case_type_id: Id
    first_response_minutes: DueMinutes | None = None
    resolution_minutes: DueMinutes | None = None
    warning_percent: Percent = 80
    escalation: Escalation = msgspec.field(default_factory=list)
    expected_volume: Count = 0


class TargetChanges(msgspec.Struct, forbid_unknown_fields=True):
    first_response_minutes: DueMinutes | None | msgspec.UnsetType = msgspec.UNSET
    resolution_minutes: DueMinutes | None | msgspec.UnsetType = msgspec.UNSET
    warning_percent: Percent | msgspec.UnsetType = msgspec.UNSET
    escalation: Escalation | msgspec.UnsetType = msgspec.UNSET
    expected_volume: Count | msgspec.UnsetType = msgspec.UNSET


def _changes(data: msgspec.Struct) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}


def _levels(levels: list[EscalationLevel]) -> list[dict[str, Any]]:
    return [{"level": item.level, "notify": list(item.notify)} for item in levels]


def _optional_day(value: str | None) -> date | None:
    return service.parse_day(value) if value else None


def _instant(value: str, timezone: str) -> float:
    """An ISO 8601 instant; without an offset it is read as local time in ``timezone``."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("Not a date and time in ISO 8601 form: {value}", value=value) from None
    if parsed.tzinfo is None:
        from zoneinfo import ZoneInfo

        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.timestamp()


def _minutes(value: str) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("Minutes must be a whole number: {value}", value=value) from None
    if not 0 <= minutes <= MAX_DUE_MINUTES:
        raise InvalidInput("Minutes must be from 0 to {max}", max=MAX_DUE_MINUTES)
    return minutes


class CalendarController(Controller):
    path = "/api/v1/sla/calendars"
    tags = ["sla"]

    @get("/", opt=READ, summary="List business calendars, by key")
    async def list_calendars(
        self, cursor: paging.Cursor = None, limit: paging.PageLimit = paging.DEFAULT_LIMIT
    ) -> paging.Page[dict[str, Any]]:
        return paging.Page(**await service.list_calendars(cursor, limit))

    @post("/", opt=MANAGE, summary="Create a business calendar")
    async def create_calendar(
        self, request: Request, data: JSONBody[NewCalendar]
    ) -> dict[str, Any]:
        return await service.create_calendar(
            principal_of(request).username,
            data.key,
            data.name,
            data.hours,
            data.timezone,
            data.closed_on_de_facto_holidays,
        )

    @get("/{key:str}", opt=READ, summary="One business calendar")
    async def get_calendar(self, key: Key) -> dict[str, Any]:
        return await service.get_calendar_info(key)

    @patch("/{key:str}", opt=MANAGE, summary="Change a business calendar")
    async def update_calendar(
        self, request: Request, key: Key, data: JSONBody[CalendarChanges]
    ) -> dict[str, Any]:
        return await service.update_calendar(principal_of(request).username, key, **_changes(data))

    @delete("/{key:str}", opt=MANAGE, status_code=204, summary="Delete a business calendar")
    async def delete_calendar(self, request: Request, key: Key) -> None:
        await service.delete_calendar(principal_of(request).username, key)

    @get(
        "/{key:str}/due",
        opt=READ,
        summary="The instant a number of business minutes after a start",
        description="start is ISO 8601; without an offset it is local time of the calendar.",
    )
    async def due(
        self,
        key: Key,
        start: Annotated[str, query_text(64, 1)],
        minutes: Annotated[str, query_text(16, 1)],
    ) -> dict[str, Any]:
        cal = await service.calendar_or_404(key)
        begin = _instant(start, cal.timezone)
        count = _minutes(minutes)
        due = add_business_seconds(cal, begin, count * 60)
        return {
            "calendar": cal.key,
            "start": iso_utc(begin),
            "minutes": count,
            "due": iso_utc(due),
            "due_local": datetime.fromtimestamp(due, cal.zone).isoformat(),
            "due_epoch": int(due),
        }

    @get("/{key:str}/exceptions", opt=READ, summary="A calendar's exceptions")
    async def list_exceptions(
        self,
        key: Key,
        start: Annotated[str | None, query_text(10, name="from", format=OpenAPIFormat.DATE)] = None,
        end: Annotated[str | None, query_text(10, name="to", format=OpenAPIFormat.DATE)] = None,
    ) -> list[dict[str, Any]]:
        return await service.list_exceptions(key, _optional_day(start), _optional_day(end))

    @post(
        "/{key:str}/exceptions",
        opt=MANAGE,
        summary="Close a day (klämdag) or give it special hours",
    )
    async def create_exception(
        self, request: Request, key: Key, data: JSONBody[NewException]
    ) -> dict[str, Any]:
        return await service.create_exception(
            principal_of(request).username, key, data.day, data.closed, data.hours, data.note
        )

    @patch("/{key:str}/exceptions/{day:str}", opt=MANAGE, summary="Change an exception day")
    async def update_exception(
        self,
        request: Request,
        key: Key,
        day: Day,
        data: JSONBody[ExceptionChanges],
    ) -> dict[str, Any]:
        return await service.update_exception(
            principal_of(request).username, key, service.parse_day(day), **_changes(data)
        )

    @delete(
        "/{key:str}/exceptions/{day:str}",
        opt=MANAGE,
        status_code=204,
        summary="Remove an exception day",
    )
    async def delete_exception(self, request: Request, key: Key, day: Day) -> None:
        await service.delete_exception(principal_of(request).username, key, service.parse_day(day))


class AgreementController(Controller):
    path = "/api/v1/sla/agreements"
    tags = ["sla"]

    @get("/", opt=READ, summary="List agreements (överenskommelser) by department and validity")
    async def list_agreements(
        self,
        department_id: IdQuery = None,
        cursor: paging.Cursor = None,
        limit: paging.PageLimit = paging.DEFAULT_LIMIT,
    ) -> paging.Page[dict[str, Any]]:
        return paging.Page(**await agreements.list_agreements(department_id, cursor, limit))

    @post("/", opt=MANAGE, summary="Create an agreement with a department")
    async def create_agreement(
        self, request: Request, data: JSONBody[NewAgreement]
    ) -> dict[str, Any]:
        return await agreements.create_agreement(
            principal_of(request).username,
            data.department_id,
            data.name,
            data.valid_from,
            data.valid_to,
            data.base_fee_ore,
            data.notes,
        )

    @get("/{agreement_id:int}", opt=READ, summary="One agreement with its targets")
    async def get_agreement(self, agreement_id: IdPath) -> dict[str, Any]:
        return await agreements.get_agreement(agreement_id)

    @patch("/{agreement_id:int}", opt=MANAGE, summary="Change an agreement")
    async def update_agreement(
        self, request: Request, agreement_id: IdPath, data: JSONBody[AgreementChanges]
    ) -> dict[str, Any]:
        return await agreements.update_agreement(
            principal_of(request).username, agreement_id, **_changes(data)
        )

    @delete("/{agreement_id:int}", opt=MANAGE, status_code=204, summary="Delete an agreement")
    async def delete_agreement(self, request: Request, agreement_id: IdPath) -> None:
        await agreements.delete_agreement(principal_of(request).username, agreement_id)

    @get("/{agreement_id:int}/targets", opt=READ, summary="An agreement's targets")
    async def list_targets(self, agreement_id: IdPath) -> list[dict[str, Any]]:
        return await agreements.list_targets(agreement_id)

    @post("/{agreement_id:int}/targets", opt=MANAGE, summary="Add targets for a case type")
    async def create_target(
        self, request: Request, agreement_id: IdPath, data: JSONBody[NewTarget]
    ) -> dict[str, Any]:
        return await agreements.create_target(
            principal_of(request).username,
            agreement_id,
            data.case_type_id,
            data.first_response_minutes,
            data.resolution_minutes,
            data.warning_percent,
            _levels(data.escalation),
            data.expected_volume,
        )

    @patch("/{agreement_id:int}/targets/{target_id:int}", opt=MANAGE, summary="Change a target")
    async def update_target(
        self,
        request: Request,
        agreement_id: IdPath,
        target_id: IdPath,
        data: JSONBody[TargetChanges],
    ) -> dict[str, Any]:
        changes = _changes(data)
        if "escalation" in changes:
            changes["escalation"] = _levels(data.escalation)  # type: ignore[arg-type]
        return await agreements.update_target(
            principal_of(request).username, agreement_id, target_id, **changes
        )

    @delete(
        "/{agreement_id:int}/targets/{target_id:int}",
        opt=MANAGE,
        status_code=204,
        summary="Remove a target",
    )
    async def delete_target(
        self, request: Request, agreement_id: IdPath, target_id: IdPath
    ) -> None:
        await agreements.delete_target(principal_of(request).username, agreement_id, target_id)


ROUTES = [CalendarController, AgreementController]
