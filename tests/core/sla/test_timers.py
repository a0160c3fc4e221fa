"""Timers: due and warning instants, pauses that stop the clock, the all-timers view."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from core.sla.calendar import STANDARD, business_seconds_between
from core.sla.timers import (
    DueTimes,
    Pause,
    Target,
    due_times,
    due_with_pauses,
    next_check,
    resume,
    timer_view,
)

SE = ZoneInfo("Europe/Stockholm")
HOUR = 3600
TARGET = Target(first_response_minutes=4 * 60, resolution_minutes=3 * 9 * 60, warning_percent=75)


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=SE).timestamp())


def local(t: float) -> datetime:
    return datetime.fromtimestamp(t, SE).replace(tzinfo=None)


def test_due_and_warning_instants():
    created = at(2025, 3, 13, 15)  # Thursday 15:00
    times = due_times(STANDARD, created, TARGET)
    assert local(times.first_response_due) == datetime(2025, 3, 14, 10)  # 2 h + 2 h
    assert local(times.first_response_warn) == datetime(2025, 3, 14, 9)  # 75 % of 4 h = 3 h
    assert local(times.resolution_due) == datetime(2025, 3, 18, 15)  # 27 h: Thu 2, Fri 9, ...
    warn_seconds = business_seconds_between(STANDARD, created, times.resolution_warn)
    assert warn_seconds == 27 * HOUR * 75 // 100
    only_resolution = due_times(STANDARD, created, Target(None, 60, 50))
    assert only_resolution.first_response_due is None
    assert only_resolution.first_response_warn is None
    assert local(only_resolution.resolution_warn) == datetime(2025, 3, 13, 15, 30)


def test_a_pause_shifts_running_timers_by_the_business_time_paused():
    created = at(2025, 3, 13, 15)
    times = due_times(STANDARD, created, TARGET)
    # Paused Friday 09:30 (first response not given yet), resumed Monday 11:30: 2 business
    # hours passed during the pause (Fri 09:30-17:00 is 7.5 h, Mon 08:00-11:30 is 3.5 h).
    paused_at, resumed_at = at(2025, 3, 14, 9, 30), at(2025, 3, 17, 11, 30)
    shifted = resume(STANDARD, times, paused_at, resumed_at)
    paused_business = business_seconds_between(STANDARD, paused_at, resumed_at)
    assert paused_business == 11 * HOUR
    # First response: 30 min were left at the pause -> due 12:00 Monday.
    assert local(shifted.first_response_due) == datetime(2025, 3, 17, 12)
    # The warning (09:00 Friday) had already passed when the pause began: it stays.
    assert shifted.first_response_warn == times.first_response_warn
    for before, after in (
        (times.resolution_due, shifted.resolution_due),
        (times.resolution_warn, shifted.resolution_warn),
    ):
        assert business_seconds_between(STANDARD, before, after) == paused_business
    # A first response already given keeps its timer.
    done = resume(STANDARD, times, paused_at, resumed_at, first_response_done=True)
    assert done.first_response_due == times.first_response_due
    assert done.resolution_due == shifted.resolution_due


def test_a_pause_outside_opening_hours_changes_nothing():
    times = due_times(STANDARD, at(2025, 3, 13, 15), TARGET)
    same = resume(STANDARD, times, at(2025, 3, 14, 17, 30), at(2025, 3, 16, 20))
    assert same == times


def test_a_breach_before_the_pause_stays_a_breach():
    times = due_times(STANDARD, at(2025, 3, 13, 15), TARGET)
    late = times.first_response_due + HOUR
    shifted = resume(STANDARD, times, late, late + 5 * HOUR)
    assert shifted.first_response_due == times.first_response_due


pause_points = st.integers(min_value=0, max_value=20 * 24 * HOUR)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(pause_points, st.integers(0, 3 * 24 * HOUR)), max_size=4))
def test_due_with_pauses_equals_repeated_resume(raw):
    created = at(2025, 3, 10, 9)
    pauses, cursor = [], created
    for offset, length in sorted(raw):
        start = max(cursor, created + offset)
        pauses.append(Pause(start, start + length))
        cursor = start + length
    expected = due_times(STANDARD, created, TARGET)
    for pause in pauses:
        expected = resume(STANDARD, expected, pause.start, pause.end)
    assert due_with_pauses(STANDARD, created, TARGET, pauses) == expected
    # Business time from creation to the resolution due time, minus the paused business time
    # that lies before it, is the full budget.
    paused = sum(
        business_seconds_between(STANDARD, p.start, min(p.end, expected.resolution_due))
        for p in pauses
        if p.start < expected.resolution_due
    )
    total = business_seconds_between(STANDARD, created, expected.resolution_due)
    assert total - paused == TARGET.resolution_minutes * 60


def test_timer_view_states():
    created = at(2025, 3, 13, 15)
    times = due_times(STANDARD, created, TARGET)
    view = timer_view(STANDARD, created + 60, times)
    assert view["state"] == "ok"
    assert view["first_response"]["left_seconds"] == 4 * HOUR - 60
    assert view["resolution"]["due_at"].endswith("Z")
    warning = timer_view(STANDARD, at(2025, 3, 14, 9, 30), times)
    assert warning["first_response"]["state"] == "warning"
    assert warning["state"] == "warning"
    assert warning["first_response"]["left_seconds"] == 30 * 60
    breached = timer_view(STANDARD, at(2025, 3, 14, 11), times)
    assert breached["first_response"]["state"] == "breached"
    assert breached["first_response"]["overdue_seconds"] == HOUR
    assert breached["first_response"]["left_seconds"] == 0
    assert breached["resolution"]["state"] == "ok"
    assert breached["state"] == "breached"
    answered = at(2025, 3, 14, 9, 45)
    met = timer_view(STANDARD, at(2025, 3, 14, 11), times, first_response_at=answered)
    assert met["first_response"]["state"] == "met"
    assert met["state"] == "ok"
    late = timer_view(STANDARD, at(2025, 3, 14, 12), times, first_response_at=at(2025, 3, 14, 11))
    assert late["first_response"]["state"] == "breached"
    assert late["first_response"]["overdue_seconds"] == HOUR


def test_timer_view_while_paused_and_when_resolved():
    created = at(2025, 3, 13, 15)
    times = due_times(STANDARD, created, TARGET)
    paused_since = at(2025, 3, 14, 9, 30)
    now = at(2025, 3, 20, 12)  # long after the unpaused due times
    view = timer_view(
        STANDARD,
        now,
        times,
        first_response_at=at(2025, 3, 13, 16),
        paused_since=paused_since,
        paused_seconds=600,
        paused_business_seconds=600,
    )
    assert view["paused"] is True
    assert view["state"] == "paused"
    assert view["resolution"]["state"] == "paused"
    # The clock stands at the pause: what was left then is still left.
    assert view["resolution"]["left_seconds"] == business_seconds_between(
        STANDARD, paused_since, times.resolution_due
    )
    assert view["paused_seconds"] == 600 + (now - paused_since)
    assert view["paused_business_seconds"] == 600 + business_seconds_between(
        STANDARD, paused_since, now
    )
    assert view["first_response"]["state"] == "met"
    resolved = timer_view(
        STANDARD,
        now,
        times,
        first_response_at=at(2025, 3, 13, 16),
        resolved_at=at(2025, 3, 17, 10),
    )
    assert resolved["state"] == "met"
    assert resolved["resolution"]["state"] == "met"
    assert resolved["paused"] is False
    none = timer_view(STANDARD, now, DueTimes())
    assert none["state"] == "none"
    assert none["first_response"]["left_seconds"] is None


def test_next_check_is_the_next_line_to_cross():
    created = at(2025, 3, 13, 15)
    times = due_times(STANDARD, created, TARGET)
    assert next_check(times, created) == times.first_response_warn
    assert next_check(times, times.first_response_warn) == times.first_response_due
    assert next_check(times, created, first_response_done=True) == times.resolution_warn
    assert next_check(times, times.resolution_due) is None
    assert next_check(times, created, paused=True) is None
    assert next_check(times, created, resolved=True) is None
