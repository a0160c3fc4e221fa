"""Business-time arithmetic on business calendars (pure; no database, no I/O).

A :class:`Calendar` holds weekly opening hours in local wall-clock time, the calendar's time
zone, whether the Swedish de-facto non-working days (midsommarafton, julafton, nyårsafton)
are closed, and local exceptions (klämdagar closed, days with special hours). Swedish public
holidays are always closed; they and the de-facto days come from the ``holidays`` package.

All instants are epoch seconds (UTC). Each calendar caches, per local date, the day's opening
intervals already converted to UTC through ``zoneinfo``, so daylight-saving days are right and
the hot path (a due time a few business days ahead) is a handful of dict look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_pkg

from core.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "Europe/Stockholm"
STANDARD_KEY = "standard"
HHMM_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
# A calendar whose open days are further apart than this is treated as never open.
MAX_CLOSED_DAYS = 3 * 366
_DAY_CACHE_LIMIT = 20_000

Interval = tuple[int, int]  # minutes after local midnight, [start, end)
UtcInterval = tuple[int, int]  # epoch seconds, [start, end)


class NeverOpen(InvalidInput):
    """The calendar has no opening hours within reach of the computation."""


# --------------------------------------------------------------------------- holidays


@lru_cache(maxsize=256)
def _holidays_of_year(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """(public, de facto) holidays of one year in Sweden, with their Swedish names.

    ``include_sundays=False`` is explicit: the Swedish calendar can list every Sunday as a
    holiday, and Sundays are the opening hours' business, not the holiday list's.
    """
    public, de_facto = (
        dict(
            holidays_pkg.country_holidays(
                "SE", years=year, categories=(category,), include_sundays=False, language="sv"
            ).items()
        )
        for category in (holidays_pkg.PUBLIC, holidays_pkg.DE_FACTO)
    )
    return public, de_facto


def swedish_holiday(day: date) -> tuple[str, str] | None:
    """``(name, "public" | "de_facto")`` if ``day`` is a Swedish holiday, else None."""
    public, de_facto = _holidays_of_year(day.year)
    if day in public:
        return public[day], "public"
    if day in de_facto:
        return de_facto[day], "de_facto"
    return None


def swedish_holidays(year: int) -> dict[date, tuple[str, str]]:
    """Every Swedish public and de-facto holiday of ``year``: date -> (name, category)."""
    public, de_facto = _holidays_of_year(year)
    days = {d: (n, "de_facto") for d, n in de_facto.items()}
    days.update({d: (n, "public") for d, n in public.items()})
    return dict(sorted(days.items()))


# --------------------------------------------------------------------------- parsing


def parse_hhmm(text: Any) -> int:
    """ "HH:MM" (00:00-23:59, or 24:00 as an end) -> minutes after midnight."""
    if not isinstance(text, str) or not HHMM_RE.match(text):
        raise InvalidInput("Not a time of day in the form HH:MM: {value}", value=str(text))
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_intervals(value: Any) -> tuple[Interval, ...]:
    """A list of ["HH:MM", "HH:MM"] pairs -> sorted minute intervals; start < end, no overlap."""
    if not isinstance(value, list | tuple):
        raise InvalidInput("Opening hours must be a list of [start, end] pairs")
    intervals: list[Interval] = []
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise InvalidInput("Opening hours must be a list of [start, end] pairs")
        start, end = parse_hhmm(pair[0]), parse_hhmm(pair[1])
        if start == 24 * 60 or start >= end:
            raise InvalidInput(
                "An opening interval must start before it ends: {start}-{end}",
                start=pair[0],
                end=pair[1],
            )
        intervals.append((start, end))
    intervals.sort()
    for (_, end1), (start2, _) in zip(intervals, intervals[1:], strict=False):
        if start2 < end1:
            raise InvalidInput(
                "Opening intervals overlap between {start} and {end}",
                start=format_hhmm(start2),
                end=format_hhmm(end1),
            )
    return tuple(intervals)


def parse_weekly(hours: Any) -> tuple[tuple[Interval, ...], ...]:
    """{"mon": [["08:00", "17:00"]], ...} -> seven interval tuples, Monday first.

    Missing weekdays are closed; at least one weekday must have opening hours.
    """
    if not isinstance(hours, Mapping):
        raise InvalidInput("Weekly hours must map weekdays (mon-sun) to intervals")
    unknown = sorted(set(hours) - set(WEEKDAYS))
    if unknown:
        raise InvalidInput("Unknown weekday(s): {days}", days=", ".join(map(str, unknown)))
    weekly = tuple(parse_intervals(hours.get(day, [])) for day in WEEKDAYS)
    if not any(weekly):
        raise InvalidInput("A calendar needs opening hours on at least one weekday")
    return weekly


def format_intervals(intervals: Iterable[Interval]) -> list[list[str]]:
    return [[format_hhmm(s), format_hhmm(e)] for s, e in intervals]


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput("Unknown time zone: {tz}", tz=str(name)) from None


# --------------------------------------------------------------------------- the calendar


@dataclass(eq=False)
class Calendar:
    """A business calendar: weekly opening hours, holidays and local exceptions.

    ``weekly`` holds seven tuples of (start, end) minutes after local midnight, Monday first.
    ``closed_dates`` are local dates closed whatever the weekday; ``special`` maps local dates
    to their own intervals (opening a day that would otherwise be closed, or shortening it).
    Treat instances as immutable: each caches its days' UTC intervals.
    """

    key: str = STANDARD_KEY
    timezone: str = DEFAULT_TIMEZONE
    weekly: tuple[tuple[Interval, ...], ...] = ((),) * 7
    closed_on_de_facto_holidays: bool = True
    closed_dates: frozenset[date] = frozenset()
    special: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    _zone: ZoneInfo = field(init=False, repr=False)
    _days: dict[int, tuple[UtcInterval, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly must have seven entries, Monday first")
        self._zone = check_timezone(self.timezone)
        self._days = {}
        self.special = dict(self.special)

    @classmethod
    def from_config(
        cls,
        key: str,
        hours: Mapping[str, Any],
        timezone: str = DEFAULT_TIMEZONE,
        closed_on_de_facto_holidays: bool = True,
        exceptions: Iterable[tuple[date, bool, Any]] = (),
    ) -> Calendar:
        """Build from stored form: ``hours`` by weekday name, exceptions (day, closed, hours)."""
        closed: set[date] = set()
        special: dict[date, tuple[Interval, ...]] = {}
        for day, is_closed, intervals in exceptions:
            if is_closed:
                closed.add(day)
            else:
                special[day] = parse_intervals(intervals)
        return cls(
            key=key,
            timezone=timezone,
            weekly=parse_weekly(hours),
            closed_on_de_facto_holidays=closed_on_de_facto_holidays,
            closed_dates=frozenset(closed),
            special=special,
        )

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def fingerprint(self) -> tuple:
        """Equal for calendars that compute the same business time."""
        return (
            self.timezone,
            self.weekly,
            self.closed_on_de_facto_holidays,
            self.closed_dates,
            tuple(sorted(self.special.items())),
        )

    def hours(self) -> dict[str, list[list[str]]]:
        """Weekly hours in stored form (closed weekdays left out)."""
        return {WEEKDAYS[i]: format_intervals(iv) for i, iv in enumerate(self.weekly) if iv}

    def local_intervals(self, day: date) -> tuple[Interval, ...]:
        """The local (start, end) minutes this calendar is open on ``day``."""
        if day in self.closed_dates:
            return ()
        special = self.special.get(day)
        if special is not None:
            return special
        holiday = swedish_holiday(day)
        if holiday is not None and (holiday[1] == "public" or self.closed_on_de_facto_holidays):
            return ()
        return self.weekly[day.weekday()]

    def _utc_day(self, ordinal: int) -> tuple[UtcInterval, ...]:
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        day = date.fromordinal(ordinal)
        result = tuple(
            (self._instant(day, start), self._instant(day, end))
            for start, end in self.local_intervals(day)
        )
        # On a spring-forward day a local interval can fall wholly in the gap; drop empties.
        result = tuple((s, e) for s, e in result if e > s)
        if len(self._days) >= _DAY_CACHE_LIMIT:
            self._days.clear()
        self._days[ordinal] = result
        return result

    def _instant(self, day: date, minutes: int) -> int:
        if minutes >= 24 * 60:
            day, minutes = day + timedelta(days=1), minutes - 24 * 60
        local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60)
        return int(local.replace(tzinfo=self._zone).timestamp())

    def local_ordinal(self, t: float) -> int:
        """The proleptic ordinal of the local date at instant ``t``."""
        return datetime.fromtimestamp(t, self._zone).toordinal()


def standard_calendar() -> Calendar:
    """The built-in default: Mon-Fri 08:00-17:00 Europe/Stockholm, de-facto holidays closed."""
    day = ((8 * 60, 17 * 60),)
    return Calendar(
        key=STANDARD_KEY,
        timezone=DEFAULT_TIMEZONE,
        weekly=(day, day, day, day, day, (), ()),
        closed_on_de_facto_holidays=True,
    )


STANDARD = standard_calendar()


# --------------------------------------------------------------------------- arithmetic


def open_intervals(cal: Calendar, local_date: date) -> tuple[UtcInterval, ...]:
    """The calendar's opening intervals on a local date, as UTC epoch seconds (cached)."""
    return cal._utc_day(local_date.toordinal())


def is_open(cal: Calendar, t: float) -> bool:
    """Whether the calendar is open at instant ``t``."""
    return any(start <= t < end for start, end in cal._utc_day(cal.local_ordinal(t)))


def add_business_seconds(cal: Calendar, start: float, seconds: float) -> float:
    """The instant when ``seconds`` of business time have passed after ``start``.

    Zero seconds gives ``start`` itself; otherwise the result always lies in (or at the end
    of) an opening interval, so a due time that uses up a day is that day's closing time.
    """
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    if seconds == 0:
        return start
    remaining = seconds
    ordinal = cal.local_ordinal(start)
    days = cal._days
    closed_run = 0
    while True:
        intervals = days.get(ordinal)
        if intervals is None:
            intervals = cal._utc_day(ordinal)
        if intervals:
            closed_run = 0
            for open_, close in intervals:
                if close <= start:
                    continue
                begin = open_ if open_ > start else start
                available = close - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        else:
            closed_run += 1
            if closed_run > MAX_CLOSED_DAYS:
                raise NeverOpen("The calendar {key} is never open", key=cal.key)
        ordinal += 1


def business_seconds_between(cal: Calendar, a: float, b: float) -> float:
    """Business seconds from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
    if b < a:
        return -business_seconds_between(cal, b, a)
    total: float = 0
    ordinal = cal.local_ordinal(a)
    last = cal.local_ordinal(b)
    days = cal._days
    while ordinal <= last:
        intervals = days.get(ordinal)
        if intervals is None:
            intervals = cal._utc_day(ordinal)
        for open_, close in intervals:
            begin = open_ if open_ > a else a
            end = close if close < b else b
            if end > begin:
                total += end - begin
        ordinal += 1
    return total


def next_open(cal: Calendar, t: float) -> float:
    """``t`` if the calendar is open then, else the next instant it opens."""
    ordinal = cal.local_ordinal(t)
    for _ in range(MAX_CLOSED_DAYS + 7):
        for open_, close in cal._utc_day(ordinal):
            if close > t:
                return open_ if open_ > t else t
        ordinal += 1
    raise NeverOpen("The calendar {key} is never open", key=cal.key)
