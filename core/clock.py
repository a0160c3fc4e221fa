"""Time as the appliance stores and shows it: epoch seconds (UTC) in, ISO-8601 out."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(epoch: float | None) -> str | None:
    """ISO-8601 UTC with a ``Z`` suffix (``2026-11-22T08:00:00Z``), or None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
