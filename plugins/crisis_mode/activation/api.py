"""The activation area's HTTP API under ``/api/v1/plugins/crisis_mode``: the state (every
signed-in user: the banner at start-up), activation and deactivation (crisis.manage), the
plan (read crisis.view, edit crisis.write) and the events with their timelines (crisis.view).
Only translation to the services; times are ISO 8601 UTC.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody

from core import paging
from core.clock import iso_utc
from core.web.security import principal_of
from core.web.types import IdPath, text
from plugins.crisis_mode.activation import events, plan, service

Level = Literal["heightened", "extraordinary"]
StepKind = Literal["crisis_message", "answer_group", "opening_hours", "case_types", "roll_call",
                   "roster"]  # fmt: skip
Code = text(64, 1)
TIME_FIELDS = ("activated_at", "deactivated_at", "updated_at", "at")
VIEW = {"permission": "crisis.view"}
MANAGE = {"permission": "crisis.manage"}


class ActivateBody(msgspec.Struct, forbid_unknown_fields=True):
    """Crisis mode on: why, how serious, whether it is an exercise, and the building when the
    event is in one (then the roll call starts)."""

    reason: text(service.MAX_REASON, 1)  # type: ignore[valid-type]
    level: Level
    exercise: bool = False
    building: text(service.MAX_BUILDING) | None = None  # type: ignore[valid-type]


class DeactivateBody(msgspec.Struct, forbid_unknown_fields=True):
    """Crisis mode off, and why."""

    reason: text(service.MAX_REASON, 1)  # type: ignore[valid-type]


class StepSettings(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A step's settings; each kind takes only its own (see docs/plugins/crisis_mode.md)."""

    cancel_at_end: bool | None = None
    group: text(64, 1) | None = None  # type: ignore[valid-type]
    menu_key: Annotated[str, msgspec.Meta(pattern=r"^[0-9*#]$")] | None = None
    calendars: Annotated[list[Code], msgspec.Meta(max_length=200)] | None = None  # type: ignore[valid-type]
    case_types: Annotated[list[Code], msgspec.Meta(max_length=200)] | None = None  # type: ignore[valid-type]
    reason: text(150, 1) | None = None  # type: ignore[valid-type]


class StepBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: StepKind
    enabled: bool = True
    settings: StepSettings = msgspec.field(default_factory=StepSettings)


class PlanBody(msgspec.Struct, forbid_unknown_fields=True):
    """The whole plan, in the order the steps run."""

    steps: Annotated[list[StepBody], msgspec.Meta(min_length=1, max_length=len(plan.KINDS))]


def _times(value: Any) -> Any:
    """Epoch fields as ISO 8601 UTC text, all the way down."""
    if isinstance(value, list):
        return [_times(v) for v in value]
    if isinstance(value, dict):
        return {
            k: iso_utc(v) if k in TIME_FIELDS and isinstance(v, int) else _times(v)
            for k, v in value.items()
        }
    return value


def _settings(body: StepSettings) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(body).items() if v is not None}


class CrisisController(Controller):
    tags = ["crisis mode: activation"]

    @get(
        "/state",
        opt={"permission": "events.subscribe"},
        summary="Whether crisis mode is on (the banner): every signed-in user",
    )
    async def get_state(self) -> dict[str, Any]:
        return _times(await service.state())

    @post("/activate", opt=MANAGE, status_code=201, summary="Activate crisis mode and run the plan")
    async def activate(self, request: Request, data: JSONBody[ActivateBody]) -> dict[str, Any]:
        result = await service.activate(
            principal_of(request).username, data.reason, data.level, data.exercise, data.building
        )
        return _times(result)

    @post("/deactivate", opt=MANAGE, status_code=200, summary="Deactivate crisis mode")
    async def deactivate(self, request: Request, data: JSONBody[DeactivateBody]) -> dict[str, Any]:
        return _times(await service.deactivate(principal_of(request).username, data.reason))

    @get("/plan", opt=VIEW, summary="The prepared plan: its steps in order with their settings")
    async def get_plan(self) -> dict[str, Any]:
        return _times(await plan.get())

    @put("/plan", opt={"permission": "crisis.write"}, summary="Replace the prepared plan")
    async def put_plan(self, request: Request, data: JSONBody[PlanBody]) -> dict[str, Any]:
        steps = [
            {"kind": s.kind, "enabled": s.enabled, "settings": _settings(s.settings)}
            for s in data.steps
        ]
        return _times(await plan.save(principal_of(request).username, steps))

    @get("/events", opt=VIEW, summary="Crisis events, newest first")
    async def list_events(
        self, cursor: paging.Cursor = None, limit: paging.PageLimit = 50
    ) -> dict[str, Any]:
        return _times(await events.list_events(cursor, limit))

    @get("/events/{event_id:int}", opt=VIEW, summary="One crisis event with its timeline")
    async def get_event(self, event_id: IdPath) -> dict[str, Any]:
        event = await events.get(event_id)
        return _times({"event": event, "timeline": await events.timeline(event_id)})


ROUTES = [CrisisController]
