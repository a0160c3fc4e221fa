"""core.clock.local_minute: an instant's local wall time, to the minute, across DST."""

from __future__ import annotations

from datetime import UTC, datetime

from core import clock


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_local_minute_follows_the_zone_across_summer_time() -> None:
    # Sweden moves its clocks from 02:00 to 03:00 on 2026-03-29 (01:00 UTC)
    before = clock.local_minute(_epoch("2026-03-29T00:59:59"), "Europe/Stockholm")
    after = clock.local_minute(_epoch("2026-03-29T01:00:30"), "Europe/Stockholm")
    assert (before.hour, before.minute, before.second) == (1, 59, 0)  # seconds dropped
    assert (after.hour, after.minute) == (3, 0)
    autumn = clock.local_minute(_epoch("2026-10-25T01:30:00"), "Europe/Stockholm")
    assert (autumn.hour, autumn.minute, autumn.utcoffset().total_seconds()) == (2, 30, 3600)
    # half-hour offsets too: India is UTC+05:30
    india = clock.local_minute(_epoch("2026-12-03T18:45:10"), "Asia/Kolkata")
    assert (india.date().isoformat(), india.hour, india.minute) == ("2026-12-04", 0, 15)
