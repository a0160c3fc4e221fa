"""Time as the appliance stores and shows it: epoch seconds (UTC) in, ISO-8601 out."""

from __future__ import annotations

from datetime import UTC, datetime

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
