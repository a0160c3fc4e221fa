"""Service level timers (pure): due and warning instants, pauses, and the all-timers view.

A target gives budgets in business minutes for the first response and for resolution; the
timers start when the case is created. While the case waits for the citizen the clock pauses:
business time that passes during a pause does not count, so resuming shifts every running
due and warning instant by the business time the pause took. Instants are epoch seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from core.clock import iso_utc
from core.sla.calendar import Calendar, add_business_seconds, business_seconds_between

OK, WARNING, BREACHED, PAUSED, MET, NONE = "ok", "warning", "breached", "paused", "met", "none"
_SEVERITY = {NONE: 0, MET: 1, OK: 2, PAUSED: 3, WARNING: 4, BREACHED: 5}


class TargetLike(Protocol):
    first_response_minutes: int | None
    resolution_minutes: int | None
    warning_percent: int


@dataclass(frozen=True, slots=True)
class Target:
    """The targets that apply to one case type under one agreement."""

    first_response_minutes: int | None
    resolution_minutes: int | None
    warning_percent: int = 80
    escalation: tuple[dict[str, Any], ...] = ()
    agreement_id: int | None = None
    target_id: int | None = None
    department_id: int | None = None
    case_type_id: int | None = None


@dataclass(frozen=True, slots=True)
class DueTimes:
    """Due and warning instants of both timers (None where the target sets no budget)."""

    first_response_due: int | None = None
    first_response_warn: int | None = None
    resolution_due: int | None = None
    resolution_warn: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Pause:
    """One pause while waiting for the citizen; ``end`` is None while it lasts."""

    start: int
    end: int | None = None


def deadline(cal: Calendar, start: float, minutes: int | None, warning_percent: int) -> tuple:
    """(due, warn) for a budget of ``minutes`` business minutes from ``start``, or (None, None).

    The warning instant is when ``warning_percent`` of the budget has been used.
    """
    if minutes is None:
        return None, None
    budget = int(minutes) * 60
    due = add_business_seconds(cal, start, budget)
    warn = add_business_seconds(cal, start, budget * int(warning_percent) // 100)
    return int(due), int(warn)


def due_times(cal: Calendar, created: float, target: TargetLike) -> DueTimes:
    """Due and warning instants of a case created at ``created`` under ``target``."""
    fr_due, fr_warn = deadline(cal, created, target.first_response_minutes, target.warning_percent)
    res_due, res_warn = deadline(cal, created, target.resolution_minutes, target.warning_percent)
    return DueTimes(fr_due, fr_warn, res_due, res_warn)


def shift(cal: Calendar, instant: int | None, paused_at: float, resumed_at: float) -> int | None:
    """Move one instant past a pause: the business time left at ``paused_at`` is kept.

    An instant already passed when the pause began (a breach, a crossed warning) stays put.
    """
    if instant is None or instant <= paused_at:
        return instant
    left = business_seconds_between(cal, paused_at, instant)
    return int(add_business_seconds(cal, max(resumed_at, paused_at), left))


def resume(
    cal: Calendar,
    times: DueTimes,
    paused_at: float,
    resumed_at: float,
    first_response_done: bool = False,
) -> DueTimes:
    """New due times after a pause from ``paused_at`` to ``resumed_at``.

    Paused business time does not count. A first response already given keeps its timer.
    """
    fr_due, fr_warn = times.first_response_due, times.first_response_warn
    if not first_response_done:
        fr_due = shift(cal, fr_due, paused_at, resumed_at)
        fr_warn = shift(cal, fr_warn, paused_at, resumed_at)
    return DueTimes(
        fr_due,
        fr_warn,
        shift(cal, times.resolution_due, paused_at, resumed_at),
        shift(cal, times.resolution_warn, paused_at, resumed_at),
    )


def due_with_pauses(
    cal: Calendar, created: float, target: TargetLike, pauses: Iterable[Pause]
) -> DueTimes:
    """Due times from scratch after closed pauses (same result as repeated :func:`resume`)."""
    times = due_times(cal, created, target)
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.end is not None:
            times = resume(cal, times, pause.start, pause.end)
    return times


_iso = iso_utc


def _timer(
    cal: Calendar,
    now: float,
    due: int | None,
    warn: int | None,
    done_at: int | None,
    paused_since: int | None,
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "state": NONE,
        "due": due,
        "due_at": _iso(due),
        "warning": warn,
        "warning_at": _iso(warn),
        "done": done_at,
        "done_at": _iso(done_at),
        "left_seconds": None,
        "overdue_seconds": 0,
    }
    if due is None:
        if done_at is not None:
            view["state"] = MET
        return view
    if done_at is not None:
        late = business_seconds_between(cal, due, done_at) if done_at > due else 0
        view["state"] = MET if done_at <= due else BREACHED
        view["left_seconds"] = 0
        view["overdue_seconds"] = int(late)
        return view
    clock = paused_since if paused_since is not None else now
    left = int(business_seconds_between(cal, clock, due))
    view["left_seconds"] = max(left, 0)
    view["overdue_seconds"] = max(-left, 0)
    if clock >= due:
        view["state"] = BREACHED
    elif paused_since is not None:
        view["state"] = PAUSED
    elif warn is not None and clock >= warn:
        view["state"] = WARNING
    else:
        view["state"] = OK
    return view


def timer_view(
    cal: Calendar,
    now: float,
    times: DueTimes,
    *,
    first_response_at: int | None = None,
    resolved_at: int | None = None,
    paused_since: int | None = None,
    paused_seconds: int = 0,
    paused_business_seconds: int | None = None,
) -> dict[str, Any]:
    """Every timer of a case at once, for display.

    ``times`` are the current due times (already shifted by earlier pauses); ``paused_since``
    is the start of a pause still running, ``paused_seconds`` the wall-clock length of the
    finished ones. Left/overdue figures are in business seconds; while paused the clock
    stands at the pause's start. ``state`` is the worst of the timers' states.
    """
    paused = paused_since is not None and resolved_at is None
    since = paused_since if paused else None
    first = _timer(
        cal, now, times.first_response_due, times.first_response_warn, first_response_at, since
    )
    resolution = _timer(cal, now, times.resolution_due, times.resolution_warn, resolved_at, since)
    running = int(now - paused_since) if paused and paused_since is not None else 0
    running_business = (
        int(business_seconds_between(cal, paused_since, now))
        if paused and paused_since is not None
        else 0
    )
    states = [first["state"], resolution["state"]]
    state = max(states, key=_SEVERITY.__getitem__)
    view: dict[str, Any] = {
        "state": state,
        "paused": paused,
        "paused_since": paused_since if paused else None,
        "paused_since_at": _iso(paused_since) if paused else None,
        "paused_seconds": int(paused_seconds) + running,
        "first_response": first,
        "resolution": resolution,
        "calendar": cal.key,
    }
    if paused_business_seconds is not None:
        view["paused_business_seconds"] = int(paused_business_seconds) + running_business
    return view


def overall_state(view: dict[str, Any]) -> str:
    """The one-word state of a :func:`timer_view` (for a case's ``sla_state`` column)."""
    return str(view["state"])


def next_check(
    times: DueTimes,
    now: float,
    *,
    first_response_done: bool = False,
    resolved: bool = False,
    paused: bool = False,
) -> int | None:
    """The next instant after ``now`` when a running timer crosses its warning or due line.

    None when nothing is running (resolved, paused, or every line already crossed): a sweep
    indexed on this instant only ever touches the cases that become due.
    """
    if resolved or paused:
        return None
    candidates = [times.resolution_warn, times.resolution_due]
    if not first_response_done:
        candidates += [times.first_response_warn, times.first_response_due]
    upcoming = [t for t in candidates if t is not None and t > now]
    return min(upcoming) if upcoming else None
