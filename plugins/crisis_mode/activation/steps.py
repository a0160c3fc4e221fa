"""The plan's steps: each runs at activation (and its undo at deactivation) and reports an
outcome instead of raising, so a failing step never stops the others.

An outcome: ``status`` (done | skipped | failed), ``detail`` / ``detail_sv`` (what happened),
``manual`` / ``manual_sv`` (what to do by hand when the step did not do its work) and ``data``
(what the undo needs; no personal data). Steps reach the telephony and the reception only
through core hooks, the SLA and case types through core services, the messages and the roster
through the other areas of this plugin.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from core.cases import pauses
from core.cases import service as cases
from core.errors import DomainError
from core.i18n import gettext
from core.sla import crisis as sla_crisis

log = logging.getLogger(__name__)

Outcome = dict[str, Any]
MANUAL = {
    "crisis_message": (
        "Spela in krismeddelandet i växelns operatörsportal och lägg ut det i kunskapsbanken "
        "för hand",
        "Record the crisis message in the switch's operator portal and put it in the "
        "knowledge base by hand",
    ),
    "answer_group": (
        "Öppna krisgruppen i växelns operatörsportal för hand och led samtalen dit",
        "Open the crisis answer group in the switch's operator portal by hand and route "
        "callers to it",
    ),
    "opening_hours": (
        "Förläng öppettiderna för hand: ge verksamhetskalendrarna särskilda öppettider "
        "00:00–24:00 under Servicenivåer",
        "Extend the opening hours by hand: give the business calendars special hours "
        "00:00–24:00 under Service levels",
    ),
    "case_types": (
        "Meddela förvaltningarna att ordinarie ärenden får vänta och sätt dem som väntande för "
        "hand",
        "Tell the departments that ordinary cases must wait and set them waiting by hand",
    ),
    "roll_call": (
        "Starta uppropet i receptionen för hand: skriv ut listan över vilka som är i huset",
        "Start the roll call at the reception by hand: print the list of who is inside",
    ),
    "roster": (
        "Ring in jourpersonalen per telefon enligt jourlistan",
        "Call the on-call staff by phone from the roster",
    ),
}
UNDO_MANUAL = {
    "crisis_message": (
        "Upphäv krismeddelandet under Krismeddelanden för hand",
        "Cancel the crisis message under Crisis messages by hand",
    ),
    "answer_group": (
        "Stäng krisgruppen i växelns operatörsportal för hand",
        "Close the crisis answer group in the switch's operator portal by hand",
    ),
    "opening_hours": (
        "Kontrollera verksamhetskalendrarna under Servicenivåer",
        "Check the business calendars under Service levels",
    ),
    "case_types": (
        "Kontrollera att de ordinarie ärendenas tidsfrister löper igen",
        "Check that the ordinary cases' timers run again",
    ),
}


def outcome(
    kind: str,
    status: str,
    detail_en: str,
    detail_sv: str,
    data: dict[str, Any] | None = None,
    *,
    undo: bool = False,
) -> Outcome:
    """An outcome; a step not done carries what to do by hand."""
    manual_sv, manual_en = ("", "")
    if status != "done":
        manual_sv, manual_en = (UNDO_MANUAL if undo else MANUAL).get(kind, ("", ""))
    return {
        "step": kind,
        "status": status,
        "detail": detail_en[:1000],
        "detail_sv": detail_sv[:1000],
        "manual": manual_en,
        "manual_sv": manual_sv,
        "data": data or {},
    }


def _text(exc: BaseException, lang: str) -> str:
    if isinstance(exc, DomainError):
        return exc.render(lambda text: gettext(text, lang))
    return f"{type(exc).__name__}: {exc}"


def failed(kind: str, exc: BaseException, *, undo: bool = False) -> Outcome:
    """The outcome of a step that raised."""
    return outcome(
        kind, "failed", f"failed: {_text(exc, 'en')}", f"misslyckades: {_text(exc, 'sv')}",
        undo=undo,
    )  # fmt: skip


def _hook(name: str) -> Any:
    """The hook caller when some plugin implements it, else None."""
    host = cases.plugin_host()
    manager = getattr(host, "pm", None)
    caller = getattr(manager.hook, name, None) if manager is not None else None
    if caller is None or not caller.get_hookimpls():
        return None
    return caller


async def _call(caller: Any, **kwargs: Any) -> Any:
    result = caller(**kwargs)
    return await result if inspect.isawaitable(result) else result


def _ref(event: dict[str, Any]) -> str:
    return f"crisis_mode:event:{event['id']}"


def _reason(event: dict[str, Any]) -> str:
    prefix = "ÖVNING / EXERCISE: " if event["exercise"] else "Krisläge: "
    return (prefix + event["reason"])[:500]


# --------------------------------------------------------------------------- the steps


async def crisis_message(event: dict[str, Any], settings: dict, actor: str) -> Outcome:
    from plugins.crisis_mode.messages import service as messages

    result = await messages.publish(event, actor)
    data = {
        "version": result.get("version"),
        "steps": [
            {k: s.get(k) for k in ("output", "language", "status")} for s in result.get("steps", [])
        ],
    }
    out = outcome(
        "crisis_message", result["status"], result.get("detail", ""),
        result.get("detail_sv", result.get("detail", "")), data,
    )  # fmt: skip
    if result.get("manual"):
        out["manual"], out["manual_sv"] = result["manual"], result.get("manual_sv", "")
    return out


async def undo_crisis_message(event: dict[str, Any], settings: dict, actor: str, data: dict):
    if not settings.get("cancel_at_end", True):
        return outcome(
            "crisis_message", "skipped", "the crisis message stays (the plan keeps it)",
            "krismeddelandet ligger kvar (planen behåller det)",
        )  # fmt: skip
    from plugins.crisis_mode.messages import service as messages

    try:
        result = await messages.cancel(actor, f"Krisläget avslutat: {event['deactivation_reason']}")
    except DomainError as exc:
        if exc.status == 404:
            return outcome(
                "crisis_message", "skipped", "no open crisis message to cancel",
                "inget öppet krismeddelande att upphäva",
            )  # fmt: skip
        raise
    return outcome(
        "crisis_message", "done", "crisis message cancelled", "krismeddelandet upphävt",
        {"message_id": result.get("id") if isinstance(result, dict) else None},
    )  # fmt: skip


async def answer_group(event: dict[str, Any], settings: dict, actor: str) -> Outcome:
    caller = _hook("open_crisis_answer_group")
    if caller is None:
        return outcome(
            "answer_group", "skipped", "skipped: no telephony plugin enabled",
            "hoppades över: inget telefoniinsticksprogram är påslaget",
        )  # fmt: skip
    result = await _call(
        caller, group=settings["group"], open=True, actor=actor, reason=_reason(event),
        menu_key=settings["menu_key"], state={},
    )  # fmt: skip
    if result is None:
        return outcome(
            "answer_group", "skipped", "skipped: no telephony plugin enabled",
            "hoppades över: inget telefoniinsticksprogram är påslaget",
        )  # fmt: skip
    menus = ", ".join(m["language"] for m in result.get("menus", [])) or "-"
    out = outcome(
        "answer_group", "done",
        f"answer group {settings['group']} open; talsvar key {settings['menu_key']} in: {menus}",
        f"svarsgruppen {settings['group']} öppen; knappval {settings['menu_key']} i: {menus}",
        {"state": result},
    )  # fmt: skip
    missing = [
        s["language"] for s in result.get("skipped", []) if s.get("reason") != "already offered"
    ]
    if missing:
        out["manual_sv"] = "Lägg in krisgruppen i talsvarsmenyn för hand för: " + ", ".join(missing)
        out["manual"] = "Add the crisis group to the talsvar menu by hand for: " + ", ".join(
            missing
        )
    return out


async def undo_answer_group(event: dict[str, Any], settings: dict, actor: str, data: dict):
    caller = _hook("open_crisis_answer_group")
    if caller is None:
        return outcome(
            "answer_group", "skipped", "skipped: no telephony plugin enabled",
            "hoppades över: inget telefoniinsticksprogram är påslaget", undo=True,
        )  # fmt: skip
    result = await _call(
        caller, group=settings["group"], open=False, actor=actor,
        reason=f"Krisläget avslutat: {event['deactivation_reason']}",
        menu_key=settings["menu_key"], state=data.get("state") or {},
    )  # fmt: skip
    return outcome(
        "answer_group", "done", f"answer group {settings['group']} closed",
        f"svarsgruppen {settings['group']} stängd", {"state": result or {}},
    )  # fmt: skip


async def opening_hours(event: dict[str, Any], settings: dict, actor: str) -> Outcome:
    override = await sla_crisis.start(actor, _reason(event), _ref(event), settings["calendars"])
    which = ", ".join(override["calendars"]) or "alla"
    return outcome(
        "opening_hours", "done",
        f"business calendars open 24/7: {which.replace('alla', 'all')}",
        f"verksamhetskalendrarna öppna dygnet runt: {which}",
        {"override": override["id"]},
    )  # fmt: skip


async def undo_opening_hours(event: dict[str, Any], settings: dict, actor: str, data: dict):
    ended = await sla_crisis.end(actor, _ref(event))
    if ended is None:
        return outcome(
            "opening_hours", "skipped", "no calendar override was in force",
            "ingen kalenderändring gällde",
        )  # fmt: skip
    return outcome(
        "opening_hours", "done", "ordinary opening hours again", "ordinarie öppettider igen",
        {"override": ended["id"]},
    )  # fmt: skip


async def case_types(event: dict[str, Any], settings: dict, actor: str) -> Outcome:
    codes = settings["case_types"]
    if not codes:
        return outcome(
            "case_types", "skipped", "skipped: the plan names no case types to set aside",
            "hoppades över: planen anger inga ärendetyper att lägga åt sidan",
        )  # fmt: skip
    result = await pauses.pause_case_types(actor, codes, _reason(event), _ref(event))
    cases_paused = sum(p["cases"] for p in result["paused"])
    types = ", ".join(p["code"] for p in result["paused"]) or "-"
    return outcome(
        "case_types", "done",
        f"{len(result['paused'])} case types set aside ({types}); {cases_paused} cases paused",
        f"{len(result['paused'])} ärendetyper åt sidan ({types}); {cases_paused} ärenden pausade",
        {"paused": result["paused"], "already": result["already"]},
    )  # fmt: skip


async def undo_case_types(event: dict[str, Any], settings: dict, actor: str, data: dict):
    result = await pauses.resume_case_types(actor, _ref(event))
    if not result["resumed"]:
        return outcome(
            "case_types", "skipped", "no case types were set aside",
            "inga ärendetyper låg åt sidan",
        )  # fmt: skip
    count = sum(r["cases"] for r in result["resumed"])
    return outcome(
        "case_types", "done",
        f"{len(result['resumed'])} case types resumed; {count} cases' timers run again",
        f"{len(result['resumed'])} ärendetyper återupptagna; {count} ärendens tider löper igen",
        {"resumed": result["resumed"]},
    )  # fmt: skip


async def roll_call(event: dict[str, Any], settings: dict, actor: str) -> Outcome:
    if not event.get("building"):
        return outcome(
            "roll_call",
            "skipped",
            "skipped: the event is not in a building",
            "hoppades över: händelsen är inte i en byggnad",
        ) | {"manual": "", "manual_sv": ""}
    caller = _hook("start_roll_call")
    if caller is None:
        return outcome(
            "roll_call", "skipped", "skipped: no reception plugin enabled",
            "hoppades över: inget receptionsinsticksprogram är påslaget",
        )  # fmt: skip
    prefix = "ÖVNING: " if event["exercise"] else ""
    reason = f"{prefix}{settings['reason']} ({event['building']})"[:200]
    result = await _call(caller, reason=reason, actor=actor)
    if result is None:
        return outcome(
            "roll_call", "skipped", "skipped: no reception plugin enabled",
            "hoppades över: inget receptionsinsticksprogram är påslaget",
        )  # fmt: skip
    people = int((result.get("roll_call") or {}).get("people", len(result.get("people", []))))
    return outcome(
        "roll_call", "done", f"roll call started: {people} people signed in",
        f"uppropet startat: {people} personer inskrivna",
        {"roll_call": (result.get("roll_call") or {}).get("id"), "people": people},
    )  # fmt: skip


async def roster(event: dict[str, Any], settings: dict, actor: str) -> Outcome:
    from plugins.crisis_mode.situation import roster as on_call

    result = await on_call.call_in(event["id"], actor)
    asked = len(result.get("asked") or [])
    without = len(result.get("without_email") or [])
    status = result.get("status", "done")
    if status == "skipped":
        return outcome(
            "roster", "skipped", f"skipped: {result.get('detail') or 'no one on call'}",
            "hoppades över: ingen i jourlistan har jour",
        )  # fmt: skip
    out = outcome(
        "roster", status,
        f"{asked} on call asked by e-mail; {without} without e-mail",
        f"{asked} i jour tillfrågade per e-post; {without} utan e-post",
        {"asked": asked, "already_asked": result.get("already_asked", 0), "without_email": without},
    )  # fmt: skip
    if without:
        out["manual_sv"] = f"Ring de {without} i jour som saknar e-post"
        out["manual"] = f"Phone the {without} on call who have no e-mail"
    return out


RUN: dict[str, Callable[[dict, dict, str], Awaitable[Outcome]]] = {
    "crisis_message": crisis_message,
    "answer_group": answer_group,
    "opening_hours": opening_hours,
    "case_types": case_types,
    "roll_call": roll_call,
    "roster": roster,
}
UNDO: dict[str, Callable[[dict, dict, str, dict], Awaitable[Outcome]]] = {
    "crisis_message": undo_crisis_message,
    "answer_group": undo_answer_group,
    "opening_hours": undo_opening_hours,
    "case_types": undo_case_types,
}


async def run(kind: str, event: dict[str, Any], settings: dict, actor: str) -> Outcome:
    """Run one step; an exception becomes a ``failed`` outcome with what to do by hand."""
    try:
        return await RUN[kind](event, settings, actor)
    except Exception as exc:  # a failing step never stops the others
        if not isinstance(exc, DomainError):
            log.exception("crisis plan step %s failed", kind)
        return failed(kind, exc)


async def undo(kind: str, event: dict[str, Any], settings: dict, actor: str, data: dict):
    """Undo one step at deactivation (None for steps with nothing to undo)."""
    if kind not in UNDO:
        return None
    try:
        return await UNDO[kind](event, settings, actor, data)
    except Exception as exc:
        if not isinstance(exc, DomainError):
            log.exception("crisis plan step %s failed to undo", kind)
        return failed(kind, exc, undo=True)
