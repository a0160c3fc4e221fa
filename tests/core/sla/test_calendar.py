"""Business-time arithmetic: Swedish holidays, de-facto days, exceptions, DST, due times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.sla.calendar import (
    STANDARD,
    Calendar,
    add_business_seconds,
    business_seconds_between,
    is_open,
    next_open,
    open_intervals,
    parse_weekly,
    swedish_holiday,
    swedish_holidays,
)

SE = ZoneInfo("Europe/Stockholm")
HOUR = 3600
DAY = 9 * HOUR  # a standard business day, 08:00-17:00


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    """Epoch seconds of a Stockholm wall-clock time."""
    return int(datetime(y, mo, d, h, mi, tzinfo=SE).timestamp())


def local(t: float) -> datetime:
    return datetime.fromtimestamp(t, SE).replace(tzinfo=None)


def open_hours(cal: Calendar, day: date) -> float:
    return sum(e - s for s, e in open_intervals(cal, day)) / HOUR


WEEKDAY_CLOSED_2025 = {
    date(2025, 1, 1): "Nyårsdagen",
    date(2025, 1, 6): "Trettondedag jul",
    date(2025, 4, 18): "Långfredagen",
    date(2025, 4, 21): "Annandag påsk",
    date(2025, 5, 1): "Första maj",
    date(2025, 5, 29): "Kristi himmelsfärdsdag",
    date(2025, 6, 6): "Nationaldagen",
    date(2025, 6, 20): "Midsommarafton",
    date(2025, 12, 24): "Julafton",
    date(2025, 12, 25): "Juldagen",
    date(2025, 12, 26): "Annandag jul",
    date(2025, 12, 31): "Nyårsafton",
}


@pytest.mark.parametrize("day,name", sorted(WEEKDAY_CLOSED_2025.items()))
def test_swedish_holidays_on_weekdays_are_closed(day: date, name: str):
    assert day.weekday() < 5
    assert swedish_holiday(day)[0] == name
    assert open_intervals(STANDARD, day) == ()
    assert not is_open(STANDARD, at(day.year, day.month, day.day, 12))


def test_the_days_around_holidays_are_open():
    for day in (
        date(2025, 4, 17),
        date(2025, 4, 22),
        date(2025, 5, 30),
        date(2025, 6, 5),
        date(2025, 6, 23),
        date(2025, 12, 23),
        date(2025, 12, 29),
        date(2026, 1, 2),
    ):
        assert open_hours(STANDARD, day) == 9, day
        assert is_open(STANDARD, at(day.year, day.month, day.day, 8))
        assert not is_open(STANDARD, at(day.year, day.month, day.day, 17))
        assert not is_open(STANDARD, at(day.year, day.month, day.day, 7, 59))


def test_de_facto_days_come_from_the_holidays_package_and_can_be_kept_open():
    de_facto = holidays.country_holidays(
        "SE", years=2026, categories=(holidays.DE_FACTO,), include_sundays=False
    )
    assert set(de_facto) == {date(2026, 6, 19), date(2026, 12, 24), date(2026, 12, 31)}
    assert swedish_holiday(date(2026, 6, 19)) == ("Midsommarafton", "de_facto")
    assert swedish_holiday(date(2026, 6, 20)) == ("Midsommardagen", "public")  # a Saturday
    open_eves = Calendar.from_config(
        "open-eves",
        {
            "mon": [["08:00", "17:00"]],
            "wed": [["08:00", "12:00"]],
            "thu": [["08:00", "17:00"]],
            "fri": [["08:00", "17:00"]],
        },
        closed_on_de_facto_holidays=False,
    )
    assert open_hours(open_eves, date(2026, 6, 19)) == 9  # midsommarafton, a Friday
    assert open_hours(open_eves, date(2025, 12, 24)) == 4  # julafton, a Wednesday
    assert open_hours(open_eves, date(2025, 12, 25)) == 0  # juldagen stays closed
    assert open_hours(STANDARD, date(2026, 6, 19)) == 0


def test_sundays_are_not_holidays_and_closed_by_opening_hours_only():
    year = swedish_holidays(2025)
    # The package can list every Sunday as a holiday; we ask it not to.
    assert date(2025, 3, 9) not in year  # an ordinary Sunday
    assert date(2025, 4, 20) in year and date(2025, 6, 8) in year  # påskdagen, pingstdagen
    assert sum(1 for d in year if d.weekday() == 6) <= 3
    seven_days = Calendar.from_config(
        "seven-days",
        {d: [["10:00", "14:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    assert open_hours(seven_days, date(2025, 3, 9)) == 4  # Sunday open by its hours
    assert open_hours(seven_days, date(2025, 4, 20)) == 0  # påskdagen is a public holiday
    assert open_hours(STANDARD, date(2025, 3, 9)) == 0  # closed because of opening hours
    assert not is_open(STANDARD, at(2025, 3, 9, 12))


def test_local_klamdag_and_special_hours():
    hours = {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    cal = Calendar.from_config(
        "kommun",
        hours,
        exceptions=[
            (date(2025, 5, 30), True, []),  # klämdag after Kristi himmelsfärd
            (date(2025, 4, 17), False, [["08:00", "12:00"]]),  # skärtorsdag: half day
            (date(2025, 3, 8), False, [["10:00", "14:00"]]),  # a Saturday opened
            (date(2025, 6, 6), False, [["10:00", "13:00"]]),  # open on nationaldagen
        ],
    )
    assert open_hours(cal, date(2025, 5, 30)) == 0
    assert open_hours(STANDARD, date(2025, 5, 30)) == 9
    assert open_hours(cal, date(2025, 4, 17)) == 4
    assert open_hours(cal, date(2025, 3, 8)) == 4
    assert open_hours(cal, date(2025, 6, 6)) == 3
    # Thursday 29 May (holiday) and Friday 30 (klämdag) closed: from Wed 16:00, 2 h -> Mon 09:00.
    due = add_business_seconds(cal, at(2025, 5, 28, 16), 2 * HOUR)
    assert local(due) == datetime(2025, 6, 2, 9)
    due = add_business_seconds(STANDARD, at(2025, 5, 28, 16), 2 * HOUR)
    assert local(due) == datetime(2025, 5, 30, 9)


@pytest.mark.parametrize(
    "day", [date(2025, 3, 30), date(2025, 10, 26), date(2026, 3, 29), date(2026, 10, 25)]
)
def test_daylight_saving_days_have_nine_business_hours(day: date):
    assert day.weekday() == 6  # the last Sunday of March / October
    hours = {"sun": [["08:00", "17:00"]], "mon": [["08:00", "17:00"]]}
    sundays = Calendar.from_config("sundays", hours)
    ((start, end),) = open_intervals(sundays, day)
    assert end - start == 9 * HOUR
    assert local(start) == datetime(day.year, day.month, day.day, 8)
    assert local(end) == datetime(day.year, day.month, day.day, 17)
    # The whole local day is 23 h in spring and 25 h in autumn; the interval says so.
    round_the_clock = Calendar.from_config("24h", {"sun": [["00:00", "24:00"]]})
    ((s, e),) = open_intervals(round_the_clock, day)
    assert e - s == (23 if day.month == 3 else 25) * HOUR
    # Due times across the change: Sat 12:00 + 9 h -> Sunday 17:00 local, + 1 h -> Mon 09:00.
    saturday = day - timedelta(days=1)
    t = at(saturday.year, saturday.month, saturday.day, 12)
    assert local(add_business_seconds(sundays, t, 9 * HOUR)) == datetime(
        day.year, day.month, day.day, 17
    )
    assert local(add_business_seconds(sundays, t, 10 * HOUR)) == datetime(
        day.year, day.month, day.day + 1, 9
    )


def test_weekday_utc_offsets_follow_dst():
    winter = open_intervals(STANDARD, date(2025, 1, 15))[0]
    summer = open_intervals(STANDARD, date(2025, 7, 15))[0]
    assert datetime.fromtimestamp(winter[0], UTC).hour == 7  # 08:00 CET
    assert datetime.fromtimestamp(summer[0], UTC).hour == 6  # 08:00 CEST


def test_due_across_a_weekend():
    friday = at(2025, 3, 14, 15)
    assert local(add_business_seconds(STANDARD, friday, 2 * HOUR)) == datetime(2025, 3, 14, 17)
    assert local(add_business_seconds(STANDARD, friday, 3 * HOUR)) == datetime(2025, 3, 17, 9)
    saturday = at(2025, 3, 15, 11)
    assert local(add_business_seconds(STANDARD, saturday, 1)) == datetime(2025, 3, 17, 8, 0, 1)
    assert business_seconds_between(STANDARD, friday, at(2025, 3, 17, 9)) == 3 * HOUR
    assert business_seconds_between(STANDARD, at(2025, 3, 17, 9), friday) == -3 * HOUR


def test_due_across_christmas_and_new_year():
    start = at(2025, 12, 23, 16)
    due = add_business_seconds(STANDARD, start, 3 * DAY)
    # 1 h on the 23rd, 9 h on 29th and 30th, 8 h on 2 January (31st and 1st closed).
    assert local(due) == datetime(2026, 1, 2, 16)
    assert business_seconds_between(STANDARD, start, due) == 3 * DAY
    # Easter 2026: långfredag 3 April, annandag påsk 6 April.
    due = add_business_seconds(STANDARD, at(2026, 4, 2, 12), DAY)
    assert local(due) == datetime(2026, 4, 7, 12)


def test_zero_and_outside_hours():
    evening = at(2025, 3, 12, 20)
    assert add_business_seconds(STANDARD, evening, 0) == evening
    assert business_seconds_between(STANDARD, evening, at(2025, 3, 13, 7)) == 0
    assert local(next_open(STANDARD, evening)) == datetime(2025, 3, 13, 8)
    assert next_open(STANDARD, at(2025, 3, 13, 9)) == at(2025, 3, 13, 9)
    with pytest.raises(ValueError):
        add_business_seconds(STANDARD, evening, -1)


def test_results_are_ints_for_int_input():
    due = add_business_seconds(STANDARD, at(2025, 3, 12, 9), 5 * DAY)
    assert isinstance(due, int)


@pytest.mark.parametrize(
    "hours,needle",
    [
        ({"mon": [["8:00", "17:00"]]}, "HH:MM"),
        ({"mon": [["08:00", "25:00"]]}, "HH:MM"),
        ({"mon": [["17:00", "08:00"]]}, "start before it ends"),
        ({"mon": [["08:00", "12:00"], ["11:00", "17:00"]]}, "overlap"),
        ({"monday": [["08:00", "17:00"]]}, "weekday"),
        ({}, "at least one weekday"),
        ({"mon": [["08:00"]]}, "pairs"),
    ],
)
def test_weekly_hours_are_validated(hours, needle):
    with pytest.raises(InvalidInput) as err:
        parse_weekly(hours)
    assert needle in str(err.value)


def test_unknown_timezone_is_refused():
    with pytest.raises(InvalidInput):
        Calendar.from_config("x", {"mon": [["08:00", "17:00"]]}, timezone="Europe/Atlantis")


SPLIT = Calendar.from_config(
    "split",
    {
        "mon": [["08:00", "12:00"], ["13:00", "16:30"]],
        "tue": [["08:00", "17:00"]],
        "wed": [["07:30", "19:00"]],
        "thu": [["08:00", "17:00"]],
        "fri": [["08:00", "15:00"]],
        "sun": [["00:00", "24:00"]],
    },
    exceptions=[(date(2025, 5, 30), True, []), (date(2026, 1, 5), False, [["09:00", "10:00"]])],
)

instants = st.integers(min_value=at(2024, 12, 1), max_value=at(2027, 1, 31))


@settings(max_examples=300, deadline=None)
@given(start=instants, seconds=st.integers(min_value=0, max_value=60 * DAY))
def test_between_inverts_add(start: int, seconds: int):
    for cal in (STANDARD, SPLIT):
        due = add_business_seconds(cal, start, seconds)
        assert due >= start
        assert business_seconds_between(cal, start, due) == seconds
        if seconds:
            # The due instant lies in an opening interval or at its end.
            assert is_open(cal, due - 1)


@settings(max_examples=200, deadline=None)
@given(a=instants, b=instants, c=instants)
def test_between_is_additive(a: int, b: int, c: int):
    a, b, c = sorted((a, b, c))
    total = business_seconds_between(SPLIT, a, c)
    assert total == business_seconds_between(SPLIT, a, b) + business_seconds_between(SPLIT, b, c)
    assert total >= 0
