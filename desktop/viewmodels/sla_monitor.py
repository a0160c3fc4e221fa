"""The supervisor's live SLA monitor: warnings and breaches as they happen."""

from __future__ import annotations

import time
from typing import Any

from desktop.viewmodels.observable import Observable

EVENTS = ("sla.monitor", "sla.warning", "sla.breach")
KEEP = 500


class SlaMonitorModel(Observable):
    """Newest first; one row per case (a breach replaces the case's warning)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def apply_event(self, event: dict[str, Any], now: float | None = None) -> bool:
        if event.get("type") not in EVENTS:
            return False
        data = dict(event.get("data") or {})
        data["seen_at"] = now if now is not None else time.time()
        self.rows = [row for row in self.rows if row.get("number") != data.get("number")]
        self.rows.insert(0, data)
        del self.rows[KEEP:]
        self.changed()
        return True

    def counts(self) -> dict[str, int]:
        result = {"warning": 0, "breach": 0}
        for row in self.rows:
            if row.get("state") in result:
                result[row["state"]] += 1
        return result
