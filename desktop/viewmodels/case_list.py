"""A case list fetched in pages (keyset cursors), with the timers' live state.

The widgets ask :meth:`CaseListModel.fetch_more` for the next page when the view scrolls
near the end; nothing is fetched that is not about to be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.api.client import ApiClient
from desktop.i18n import N_
from desktop.viewmodels.observable import Observable

PAGE_SIZE = 100


@dataclass(frozen=True)
class ListKind:
    key: str
    label: str
    filters: dict[str, Any]


LISTS = (
    ListKind("mine", N_("My cases"), {"mine": True}),
    ListKind("follow_ups", N_("My follow-ups"), {"follow_ups": True}),
    ListKind("overdue", N_("Overdue"), {"overdue": True}),
    ListKind("all", N_("All open cases"), {}),
)


class CaseListModel(Observable):
    """The rows fetched so far of one list, and whether more exist."""

    def __init__(self, client: ApiClient, kind: ListKind, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.client = client
        self.kind = kind
        self.page_size = page_size
        self.rows: list[dict[str, Any]] = []
        self.total = 0
        self.cursor: str | None = None
        self.exhausted = False
        self.loading = False
        self.generation = 0
        self._refreshing = False
        self._again = False

    async def reload(self) -> None:
        """Start again from the first page (after a gap in the live events, after a change);
        a page still on its way for the old list is dropped when it arrives."""
        self.generation += 1
        self.rows, self.cursor, self.exhausted, self.loading = [], None, False, False
        self.changed()
        await self.fetch_more()

    async def refresh(self) -> None:
        """Reload after a change on the server. Changes arriving while a reload runs make one
        more reload after it, not one each (a busy contact center sends many)."""
        if self._refreshing:
            self._again = True
            return
        self._refreshing = True
        try:
            self._again = True
            while self._again:
                self._again = False
                await self.reload()
        finally:
            self._refreshing = False

    async def fetch_more(self) -> int:
        """Fetch the next page; returns how many rows came."""
        if self.exhausted or self.loading:
            return 0
        generation = self.generation
        self.loading = True
        try:
            page = await self.client.cases(
                cursor=self.cursor, limit=self.page_size, **self.kind.filters
            )
        finally:
            if generation == self.generation:
                self.loading = False
        if generation != self.generation:
            return 0
        self.rows.extend(page["items"])
        self.total = page.get("total") or len(self.rows)
        self.cursor = page.get("next_cursor")
        self.exhausted = not self.cursor
        self.changed()
        return len(page["items"])

    def apply_event(self, event: dict[str, Any]) -> bool:
        """Update a shown row from an SLA event; True if one changed."""
        data = event.get("data") or {}
        number = data.get("number")
        for row in self.rows:
            if row.get("number") == number:
                if event.get("type", "").startswith("sla.") and data.get("state"):
                    row["sla_state"] = {"breach": "breached"}.get(data["state"], data["state"])
                if data.get("status"):
                    row["status"] = data["status"]
                self.changed()
                return True
        return False
