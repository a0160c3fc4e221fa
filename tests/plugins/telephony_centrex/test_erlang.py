"""Erlang C against the published worked example and the model's limits."""

from __future__ import annotations

import math

import pytest

from plugins.telephony_centrex import erlang


def test_worked_example_100_calls_per_half_hour_14_agents() -> None:
    a = erlang.traffic(100, 1800, 180)
    assert a == pytest.approx(10.0)
    assert erlang.wait_probability(14, a) == pytest.approx(0.174, abs=0.0005)
    assert erlang.service_level(14, a, 20, 180) == pytest.approx(0.888, abs=0.0005)
    assert erlang.average_speed_of_answer(14, a, 180) == pytest.approx(7.8, abs=0.05)


def test_agents_needed_is_the_smallest_meeting_the_target_and_adds_shrinkage() -> None:
    # 80 % in 20 s needs 14 agents for 10 Erlang (13 give 0.796, 14 give 0.888)
    assert erlang.service_level(13, 10, 20, 180) < 0.8 < erlang.service_level(14, 10, 20, 180)
    assert erlang.agents_needed(10, 180, 20, 0.8) == (14, 14)
    assert erlang.agents_needed(10, 180, 20, 0.8, shrinkage=0.3) == (14, 20)  # 14 / 0.7 = 20
    assert erlang.agents_needed(10, 180, 20, 0.8, shrinkage=0.25) == (14, 19)  # 18.67 up
    assert erlang.agents_needed(0, 180, 20, 0.8) == (0, 0)
    with pytest.raises(ValueError):
        erlang.agents_needed(10, 180, 20, 0.8, shrinkage=1.0)


def test_overloaded_queue_always_waits_and_large_queues_stay_finite() -> None:
    assert erlang.wait_probability(10, 10) == 1.0
    assert erlang.service_level(9, 10, 20, 180) == 0.0
    assert math.isinf(erlang.average_speed_of_answer(10, 10, 180))
    # the textbook A**N / N! form overflows here; the recurrence does not
    c = erlang.wait_probability(1100, 1000)
    assert 0 < c < 1
    assert erlang.erlang_b(0, 5) == 1.0


def test_forecast_per_half_hour() -> None:
    rows = erlang.forecast([(19, 100, 180), (18, 0, 180), (20, 10, 240)], 20, 0.8, 0.0)
    assert [r.slot for r in rows] == [19, 20]  # sorted, empty slot skipped
    first = rows[0]
    assert first.label == "09:30"
    assert (first.erlangs, first.agents, first.scheduled) == (pytest.approx(10.0), 14, 14)
    assert first.service_level >= 0.8
    assert rows[1].agents < first.agents
