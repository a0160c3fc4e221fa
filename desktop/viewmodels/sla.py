"""Service-level timers as the agent sees them: time left to the due instant, ticking."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from desktop.i18n import N_, _

STATE_ORDER = {"breached": 0, "warning": 1, "ok": 2, "paused": 3, "none": 4}
STATE_LABELS = {
    "breached": N_("Breached"),
    "warning": N_("Warning"),
    "ok": N_("On time"),
    "paused": N_("Paused"),
    "none": N_("No agreement"),
}


def epoch(value: Any) -> float | None:
    """An ISO 8601 time (as the API sends it) or epoch number as epoch seconds."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def seconds_left(due: Any, now: float) -> int | None:
    """Whole seconds until ``due`` (negative once it has passed), None without a due time."""
    at = epoch(due)
    return None if at is None else int(at - now)


def format_left(seconds: int | None) -> str:
    """``2 d 03:04:05``, ``03:04:05`` or ``−00:00:07`` (overdue); empty without a timer."""
    if seconds is None:
        return ""
    sign = "\u2212" if seconds < 0 else ""
    rest = abs(seconds)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{sign}{days} d {clock}" if days else f"{sign}{clock}"


def live_state(case: dict[str, Any], now: float) -> str:
    """The state now: the server's state, turned breached the moment the due time passes."""
    state = case.get("sla_state") or "none"
    left = seconds_left(case.get("resolution_due"), now)
    if state in ("ok", "warning") and left is not None and left < 0:
        return "breached"
    return state


def state_label(state: str) -> str:
    return _(STATE_LABELS.get(state, state))


def overdue_first(cases: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """Breached, then warning, then the rest; within a state the earliest due first."""

    def key(case: dict[str, Any]) -> tuple[int, float]:
        due = epoch(case.get("resolution_due"))
        return STATE_ORDER.get(live_state(case, now), 5), due if due is not None else 1e18

    return sorted(cases, key=key)
