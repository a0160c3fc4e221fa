"""The prepared plan: which steps run at activation, in which order, with which settings.

Stored in ``crisis_plan_step`` (one row per kind, ``position`` gives the order); until the
municipality stores its own, :data:`DEFAULT_PLAN` applies. Each step kind names its settings;
unknown kinds or settings, or settings of the wrong type, are refused and change nothing.

Kinds (in the default order):
- ``crisis_message``: publish the approved crisis message (talsvar, knowledge base); at
  deactivation it is cancelled (CAP Cancel) when ``cancel_at_end``.
- ``answer_group``: open the crisis answer group ``group`` (talsvar key ``menu_key``).
- ``opening_hours``: the business calendars ``calendars`` (empty: all) open 24/7.
- ``case_types``: the ordinary case types ``case_types`` set aside (timers paused).
- ``roll_call``: the building's roll call, when the event is in a building (``reason``).
- ``roster``: call in everyone on call in the on-call roster.
"""

from __future__ import annotations

import re
import time
from typing import Any

from core import audit, db
from core.db import raw
from core.errors import InvalidInput

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MENU_KEY_RE = re.compile(r"^[0-9*#]$")

#: kind -> setting -> (type, default)
SETTINGS: dict[str, dict[str, tuple[type, Any]]] = {
    "crisis_message": {"cancel_at_end": (bool, True)},
    "answer_group": {"group": (str, "kris"), "menu_key": (str, "9")},
    "opening_hours": {"calendars": (list, [])},
    "case_types": {"case_types": (list, [])},
    "roll_call": {"reason": (str, "Utrymning av byggnaden")},
    "roster": {},
}
KINDS = tuple(SETTINGS)
NAMES = {
    "crisis_message": ("Krismeddelande i talsvar och kunskapsbank", "Crisis message to the IVR"),
    "answer_group": ("Öppna krisgruppen", "Open the crisis answer group"),
    "opening_hours": ("Förläng öppettiderna till dygnet runt", "Extend opening hours to 24/7"),
    "case_types": ("Lägg ordinarie ärendetyper åt sidan", "Set ordinary case types aside"),
    "roll_call": ("Starta uppropet i byggnaden", "Start the building's roll call"),
    "roster": ("Kalla in jourlistan", "Notify the on-call roster"),
}


def defaults(kind: str) -> dict[str, Any]:
    return {
        name: (list(d) if isinstance(d, list) else d) for name, (_, d) in SETTINGS[kind].items()
    }


DEFAULT_PLAN: tuple[dict[str, Any], ...] = tuple(
    {"kind": kind, "enabled": True, "settings": defaults(kind)} for kind in KINDS
)


def _check_settings(kind: str, settings: Any) -> dict[str, Any]:
    if not isinstance(settings, dict):
        raise InvalidInput("The settings of step {kind} must be an object", kind=kind)
    spec = SETTINGS[kind]
    unknown = sorted(set(settings) - set(spec))
    if unknown:
        raise InvalidInput(
            "Unknown setting(s) of step {kind}: {names}", kind=kind, names=", ".join(unknown)
        )
    result = defaults(kind)
    for name, value in settings.items():
        wanted = spec[name][0]
        if not isinstance(value, wanted) or (wanted is not bool and isinstance(value, bool)):
            raise InvalidInput("The setting {name} of step {kind} has the wrong type", kind=kind,
                               name=name)  # fmt: skip
        result[name] = value
    for name in ("calendars", "case_types"):
        if name in result:
            codes = result[name]
            if len(codes) > 200 or not all(isinstance(c, str) and CODE_RE.match(c) for c in codes):
                raise InvalidInput(
                    "The setting {name} of step {kind} must list codes (a-z, 0-9, - and _), "
                    "at most 200",
                    kind=kind,
                    name=name,
                )
            result[name] = sorted(set(codes))
    if kind == "answer_group" and not CODE_RE.match(result["group"]):
        raise InvalidInput("The crisis answer group must be an answer group code")
    if kind == "answer_group" and not MENU_KEY_RE.match(result["menu_key"]):
        raise InvalidInput("The talsvar key must be one of 0-9, * or #")
    if kind == "roll_call":
        result["reason"] = result["reason"].strip()
        if not 1 <= len(result["reason"]) <= 150:
            raise InvalidInput("The roll call's reason must be 1-150 characters")
    return result


def check(steps: Any) -> list[dict[str, Any]]:
    """Validated plan steps in order: ``[{kind, enabled, settings}]`` (defaults filled in)."""
    if not isinstance(steps, list) or not steps:
        raise InvalidInput("The plan needs at least one step")
    seen: set[str] = set()
    result = []
    for step in steps:
        if not isinstance(step, dict):
            raise InvalidInput("Each plan step must be an object")
        kind = step.get("kind")
        if kind not in SETTINGS:
            raise InvalidInput(
                "Unknown plan step {kind}; known: {kinds}", kind=str(kind)[:40],
                kinds=", ".join(KINDS),
            )  # fmt: skip
        if kind in seen:
            raise InvalidInput("The plan names step {kind} twice", kind=kind)
        seen.add(kind)
        enabled = step.get("enabled", True)
        if not isinstance(enabled, bool):
            raise InvalidInput("The setting {name} of step {kind} has the wrong type", kind=kind,
                               name="enabled")  # fmt: skip
        extra = sorted(set(step) - {"kind", "enabled", "settings"})
        if extra:
            raise InvalidInput(
                "Unknown setting(s) of step {kind}: {names}", kind=kind, names=", ".join(extra)
            )
        result.append(
            {
                "kind": kind,
                "enabled": enabled,
                "settings": _check_settings(kind, step.get("settings", {})),
            }
        )
    return result


def view(steps: list[dict[str, Any]], stored: bool, meta: dict[str, Any] | None = None) -> dict:
    """The plan as the API shows it: steps with their names in both languages."""
    return {
        "stored": stored,
        "steps": [
            {**s, "position": i + 1, "name_sv": NAMES[s["kind"]][0], "name_en": NAMES[s["kind"]][1]}
            for i, s in enumerate(steps)
        ],
        **(meta or {}),
    }


async def steps() -> list[dict[str, Any]]:
    """The plan in force: the stored steps in order, else the default plan."""
    rows = await raw.fetch("SELECT kind, enabled, settings FROM crisis_plan_step ORDER BY position")
    if not rows:
        return [dict(s, settings=dict(s["settings"])) for s in DEFAULT_PLAN]
    return [
        {
            "kind": r["kind"],
            "enabled": bool(r["enabled"]),
            "settings": {**defaults(r["kind"]), **raw.json_column(r["settings"], {})},
        }
        for r in rows
        if r["kind"] in SETTINGS
    ]


async def get() -> dict[str, Any]:
    """The plan in force with who changed it last."""
    meta = await raw.fetchrow(
        "SELECT updated_by, updated_at FROM crisis_plan_step ORDER BY updated_at DESC LIMIT 1"
    )
    return view(await steps(), meta is not None, meta or {"updated_by": None, "updated_at": None})


async def save(actor: str, new_steps: Any) -> dict[str, Any]:
    """Replace the plan (validated first; audited with the steps)."""
    checked = check(new_steps)
    now = int(time.time())
    async with db.transaction():
        await raw.fetch("DELETE FROM crisis_plan_step")
        for position, step in enumerate(checked, 1):
            await raw.insert(
                "crisis_plan_step",
                {
                    "position": position,
                    "kind": step["kind"],
                    "enabled": step["enabled"],
                    "settings": step["settings"],
                    "updated_by": actor,
                    "updated_at": now,
                },
            )
        audit.record(actor, "crisis.plan.update", "crisis_plan", "plan", {"steps": checked})
    return await get()
