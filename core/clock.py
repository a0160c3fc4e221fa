"""Time as the appliance stores and shows it: epoch seconds (UTC) in, ISO-8601 out."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.errors import InvalidInput


def iso_utc(epoch: float | None) -> str | None:
    """ISO-8601 UTC with a ``Z`` suffix (``2026-11-22T08:00:00Z``), or None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def epoch_of(name: str, moment: datetime | None) -> int | None:
    """Epoch seconds of a time given with its zone (a 4xx problem naming ``name`` if the
    zone is missing), or None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise InvalidInput("{name} must say its time zone (end it with Z for UTC)", name=name)
    return int(moment.timestamp())


def local_minute(epoch: float, timezone: str) -> datetime:
    """The local wall time of ``epoch`` in ``timezone``, to the whole minute (the seconds
    dropped). Cached per minute: every time zone's offset is whole minutes, so an instant's
    date, hour and minute are those of its minute, and a busy path (telephony ingest, case
    statistics) asks for the same minute again and again."""
    return _local_minute(int(epoch) // 60, timezone)


@functools.lru_cache(maxsize=4096)
def _local_minute(minute: int, timezone: str) -> datetime:
    return datetime.fromtimestamp(minute * 60, ZoneInfo(timezone))
