"""Activation and deactivation of crisis mode by the crisis team, and the plan run with them.

Activation commits the event and its audit entry, then at once publishes the live event
``crisis.mode_changed`` to every connected user (the desktop's banner) and calls the core hook
``crisis_mode_changed``; then it runs the plan's steps in order, each recorded in the event's
timeline (done / skipped / failed, with what to do by hand) and announced as
``crisis.plan_step``. A failing step never stops the others. Deactivation records the end the
same way, undoes the steps that changed something (in reverse order: case types resumed,
opening hours back, the crisis answer group closed, the crisis message cancelled), then
announces the change.

At most one event is active (a partial unique index; on PostgreSQL an advisory lock orders
concurrent activations). Within a process, activation and deactivation take turns, so a
deactivation never undoes a plan that is still running.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any

from core import audit, db, events
from core.cases import service as cases
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, InvalidInput
from plugins.crisis_mode.activation import events as crisis_events
from plugins.crisis_mode.activation import plan, steps
from plugins.crisis_mode.activation.events import LEVELS

log = logging.getLogger(__name__)

MODE_CHANGED = "crisis.mode_changed"
PLAN_STEP = "crisis.plan_step"
LOCK_KEY = 7_110_311
MAX_REASON = 500
MAX_BUILDING = 200
_turns = asyncio.Lock()
LEVEL_NAMES = {
    "heightened": ("Höjd beredskap i kontaktcenter", "Heightened readiness"),
    "extraordinary": (
        "Extraordinär händelse (LEH 2006:544)",
        "Extraordinary event (LEH 2006:544)",
    ),
}


LIMITS = {
    "reason": ("A reason is needed", "The reason is at most {limit} characters"),
    "building": ("", "The building is at most {limit} characters"),
}


def _clean(value: str | None, limit: int, field: str, required: bool = True) -> str | None:
    text = (value or "").strip()
    missing, too_long = LIMITS[field]
    if "\x00" in text:
        raise InvalidInput("The text must not contain NUL characters", location=("body", field))
    if required and not text:
        raise InvalidInput(missing, location=("body", field))
    if len(text) > limit:
        raise InvalidInput(too_long, location=("body", field), limit=limit)
    return text or None


def banner(event: dict[str, Any], active: bool) -> dict[str, Any]:
    """The live event's data: the event and the banner's text in Swedish and English."""
    level_sv, level_en = LEVEL_NAMES.get(event["level"], (event["level"], event["level"]))
    if active:
        text_sv, text_en = (
            f"KRISLÄGE – {level_sv}: {event['reason']}",
            (f"CRISIS MODE – {level_en}: {event['reason']}"),
        )
    else:
        text_sv, text_en = "Krisläget är avslutat", "Crisis mode has ended"
    if event["exercise"]:
        text_sv, text_en = f"ÖVNING – {text_sv}", f"EXERCISE – {text_en}"
    return {"active": active, "event": event, "text_sv": text_sv, "text_en": text_en,
            "level_sv": level_sv, "level_en": level_en}  # fmt: skip


async def state() -> dict[str, Any]:
    """Whether crisis mode is on, with the active event and the banner's texts."""
    event = await crisis_events.current()
    if event is None:
        return {"active": False, "event": None, "text_sv": "", "text_en": ""}
    return banner(event, True)


async def _lock() -> None:
    if db.get_engine().engine_type == "postgres":
        await raw.fetch("SELECT pg_advisory_xact_lock(?)", LOCK_KEY)


async def _line(
    event_id: int, kind: str, actor: str, outcome: dict[str, Any] | None = None, **data: Any
) -> dict[str, Any]:
    """Append one timeline line (inside the caller's transaction)."""
    outcome = outcome or {}
    row = {
        "event_id": event_id,
        "at": int(time.time()),
        "kind": kind,
        "step": outcome.get("step", ""),
        "status": outcome.get("status", ""),
        "actor": actor,
        "detail": outcome.get("detail", ""),
        "manual": outcome.get("manual", ""),
        "data": {
            **data,
            **outcome.get("data", {}),
            "detail_sv": outcome.get("detail_sv", ""),
            "manual_sv": outcome.get("manual_sv", ""),
        },
    }
    row["id"] = await raw.insert("crisis_timeline", row)
    return row


async def _announce(event: dict[str, Any], active: bool, actor: str) -> None:
    """The live banner to every connected user, then the core hook in every plugin (a plugin
    that fails is logged; the switch stands)."""
    events.publish(Event(MODE_CHANGED, banner(event, active)))
    host = cases.plugin_host()
    caller = getattr(getattr(host, "pm", None), "hook", None)
    impls = caller.crisis_mode_changed.get_hookimpls() if caller is not None else []
    kwargs = {"event": event, "active": active, "actor": actor}
    for impl in reversed(impls):
        try:
            result = impl.function(**{a: kwargs[a] for a in impl.argnames if a in kwargs})
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("plugin %s failed in crisis_mode_changed", impl.plugin_name)


async def _record_step(event: dict[str, Any], actor: str, kind: str, outcome: dict, settings):
    async with db.transaction():
        line = await _line(event["id"], kind, actor, outcome, settings=settings)
        audit.record(
            actor,
            "crisis.plan_step" if kind == "step" else "crisis.plan_undo",
            "crisis_event",
            event["id"],
            {"step": outcome["step"], "status": outcome["status"], "detail": outcome["detail"]},
        )
        message = {
            "event_id": event["id"],
            "phase": "activation" if kind == "step" else "deactivation",
            **{k: outcome[k] for k in ("step", "status", "detail", "detail_sv", "manual",
                                        "manual_sv")},
        }  # fmt: skip
        db.on_commit(lambda: events.publish(Event(PLAN_STEP, message)))
    return line


def _step_view(outcome: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    name_sv, name_en = plan.NAMES[outcome["step"]]
    return {**outcome, "name_sv": name_sv, "name_en": name_en, "settings": settings}


async def activate(
    actor: str,
    reason: str,
    level: str,
    exercise: bool = False,
    building: str | None = None,
) -> dict[str, Any]:
    """Switch crisis mode on and run the plan; returns ``{event, steps}``.

    Conflict when an event is already active; bad input changes nothing.
    """
    reason = _clean(reason, MAX_REASON, "reason")
    building = _clean(building, MAX_BUILDING, "building", required=False)
    if level not in LEVELS:
        raise InvalidInput("Unknown level {level}; use heightened or extraordinary", level=level)
    async with _turns:
        prepared = await plan.steps()
        now = int(time.time())
        async with db.transaction():
            await _lock()
            if await raw.fetchrow("SELECT id FROM crisis_event WHERE status = 'active'"):
                raise Conflict("Crisis mode is already active")
            event_id = await raw.insert(
                "crisis_event",
                {
                    "status": "active",
                    "level": level,
                    "exercise": bool(exercise),
                    "reason": reason,
                    "building": building,
                    "activated_by": actor,
                    "activated_at": now,
                },
            )
            await _line(event_id, "activated", actor, level=level, exercise=bool(exercise),
                        reason=reason, building=building)  # fmt: skip
            audit.record(
                actor,
                "crisis.activate",
                "crisis_event",
                event_id,
                {"level": level, "exercise": bool(exercise), "reason": reason,
                 "building": building},
            )  # fmt: skip
        event = await crisis_events.get(event_id)
        await _announce(event, True, actor)
        results = []
        for step in prepared:
            if not step["enabled"]:
                outcome = steps.outcome(
                    step["kind"], "skipped", "skipped: switched off in the plan",
                    "hoppades över: avstängt i planen",
                ) | {"manual": "", "manual_sv": ""}  # fmt: skip
            else:
                outcome = await steps.run(step["kind"], event, step["settings"], actor)
            await _record_step(event, actor, "step", outcome, step["settings"])
            results.append(_step_view(outcome, step["settings"]))
    return {"event": event, "steps": results}


async def _keep_final_situation(event_id: int, actor: str) -> None:
    """Keep the event's last lägesbild (kind ``final``) for its record; a failure is logged and
    never stops the deactivation."""
    from plugins.crisis_mode.situation import situation

    try:
        await situation.keep(event_id, actor, "final")
    except Exception:
        log.exception("the final lägesbild of crisis event %s could not be kept", event_id)


async def deactivate(actor: str, reason: str) -> dict[str, Any]:
    """Switch crisis mode off: record the end, undo the plan's steps (reverse order) and
    announce it; returns ``{event, steps}``. Conflict when crisis mode is not active."""
    reason = _clean(reason, MAX_REASON, "reason")
    async with _turns:
        now = int(time.time())
        async with db.transaction():
            await _lock()
            row = await raw.fetchrow("SELECT id FROM crisis_event WHERE status = 'active'")
            if row is None:
                raise Conflict("Crisis mode is not active")
            event_id = int(row["id"])
            await raw.fetch(
                "UPDATE crisis_event SET status = 'ended', deactivated_by = ?, "
                "deactivated_at = ?, deactivation_reason = ? WHERE id = ?",
                actor,
                now,
                reason,
                event_id,
            )
            await _line(event_id, "deactivated", actor, reason=reason)
            audit.record(actor, "crisis.deactivate", "crisis_event", event_id, {"reason": reason})
        event = await crisis_events.get(event_id)
        await _announce(event, False, actor)
        await _keep_final_situation(event_id, actor)
        ran = [
            line
            for line in await crisis_events.timeline(event_id)
            if line["kind"] == "step" and line["status"] in ("done", "failed")
        ]
        results = []
        for line in reversed(ran):
            settings = raw.json_column(line["data"].get("settings"), {}) or plan.defaults(
                line["step"]
            )
            outcome = await steps.undo(line["step"], event, settings, actor, line["data"])
            if outcome is None:
                continue
            await _record_step(event, actor, "undo", outcome, settings)
            results.append(_step_view(outcome, settings))
    return {"event": event, "steps": results}
