"""The timers' rules: time left as shown, breached the moment the due time passes, overdue
first."""

from __future__ import annotations

from desktop.viewmodels import sla


def test_time_left_is_shown_with_days_and_a_sign_when_overdue():
    assert sla.format_left(3 * 3600 + 4 * 60 + 5) == "03:04:05"
    assert sla.format_left(2 * 86400 + 59) == "2 d 00:00:59"
    assert sla.format_left(-7) == "\u221200:00:07"
    assert sla.format_left(None) == ""


def test_a_case_turns_breached_when_its_due_time_passes():
    case = {"sla_state": "warning", "resolution_due": "2026-12-02T10:00:00Z"}
    due = sla.epoch(case["resolution_due"])
    assert sla.live_state(case, due - 1) == "warning"
    assert sla.live_state(case, due + 1) == "breached"
    assert sla.live_state({"sla_state": "paused", "resolution_due": 0}, due) == "paused"


def test_overdue_first_then_warnings_then_the_earliest_due():
    now = 1_000_000.0
    cases = [
        {"number": "ok-late", "sla_state": "ok", "resolution_due": now + 900},
        {"number": "none", "sla_state": "none", "resolution_due": None},
        {"number": "ok-soon", "sla_state": "ok", "resolution_due": now + 100},
        {"number": "warning", "sla_state": "warning", "resolution_due": now + 50},
        {"number": "passed", "sla_state": "ok", "resolution_due": now - 5},
    ]
    order = [case["number"] for case in sla.overdue_first(cases, now)]
    assert order == ["passed", "warning", "ok-soon", "ok-late", "none"]
