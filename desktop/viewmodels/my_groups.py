"""My groups: the answer groups the signed-in agent belongs to, with each group's queue.

The queue of a group is its contacts (``GET /api/v1/contacts?answer_group=``), newest first;
the server has no case filter by answer group yet, so open cases are not part of it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from desktop.api.client import ApiClient
from desktop.viewmodels.observable import Observable


class MyGroupsModel(Observable):
    """Loads every answer group, keeps the ones the user is a member of, and their queues."""

    def __init__(self, client: ApiClient, queue_limit: int = 50) -> None:
        super().__init__()
        self.client = client
        self.queue_limit = queue_limit
        self.groups: list[dict[str, Any]] = []
        self.queues: dict[str, dict[str, Any]] = {}  # code -> {items, next_cursor, total}

    @property
    def username(self) -> str:
        return str(self.client.me.get("username", ""))

    async def load(self) -> None:
        """Fetch the groups (every page) and each of the user's groups' queue."""
        groups = await self.client.every_page("/api/v1/org/groups")
        mine = [
            group
            for group in groups
            if group.get("active", True)
            and any(m.get("username") == self.username for m in group.get("members") or [])
        ]
        pages = await asyncio.gather(
            *(
                self.client.get(
                    "/api/v1/contacts", answer_group=group["code"], limit=self.queue_limit
                )
                for group in mine
            )
        )
        self.groups = mine
        self.queues = {group["code"]: page for group, page in zip(mine, pages, strict=True)}
        self.changed()

    def queue(self, code: str) -> list[dict[str, Any]]:
        return list((self.queues.get(code) or {}).get("items") or [])

    def queue_total(self, code: str) -> int:
        return int((self.queues.get(code) or {}).get("total") or 0)
