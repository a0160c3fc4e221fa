"""My groups: the answer groups the signed-in agent belongs to, each with its open cases and
its latest contacts.

A group's cases are ``GET /api/v1/cases?answer_group=`` (cases forwarded to the group or with
a contact handled in it), paged and timed like every case list (:class:`CaseListModel`); its
contacts are ``GET /api/v1/contacts?answer_group=``, newest first. The case list "My groups"
(:data:`MY_GROUPS_LIST`) is every group's cases at once (``my_groups=true``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from desktop.api.client import ApiClient
from desktop.i18n import N_
from desktop.viewmodels.case_list import CaseListModel, ListKind
from desktop.viewmodels.observable import Observable

MY_GROUPS_LIST = ListKind("my_groups", N_("My groups"), {"my_groups": True})


def group_list(code: str) -> ListKind:
    """The case list of one answer group."""
    return ListKind(f"group:{code}", N_("Cases of the group"), {"answer_group": code})


class MyGroupsModel(Observable):
    """Loads every answer group, keeps the ones the user is a member of, with each group's
    case list (first page) and its latest contacts."""

    def __init__(self, client: ApiClient, queue_limit: int = 50) -> None:
        super().__init__()
        self.client = client
        self.queue_limit = queue_limit
        self.groups: list[dict[str, Any]] = []
        self.queues: dict[str, dict[str, Any]] = {}  # code -> {items, next_cursor, total}
        self.case_lists: dict[str, CaseListModel] = {}  # code -> the group's open cases

    @property
    def username(self) -> str:
        return str(self.client.me.get("username", ""))

    async def load(self) -> None:
        """Fetch the groups (every page), each of the user's groups' contacts and the first
        page of its cases."""
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
        lists = {group["code"]: self.cases(group["code"]) for group in mine}
        await asyncio.gather(*(source.reload() for source in lists.values()))
        self.groups = mine
        self.queues = {group["code"]: page for group, page in zip(mine, pages, strict=True)}
        self.case_lists = lists
        self.changed()

    def cases(self, code: str) -> CaseListModel:
        """The case list of the group ``code`` (the same one on every call, so a table over
        it keeps its rows and timers between loads)."""
        source = self.case_lists.get(code)
        if source is None:
            source = self.case_lists[code] = CaseListModel(self.client, group_list(code))
        return source

    def cases_count(self, code: str) -> str:
        """How many open cases the group has, as shown: "12", or "100+" while more pages
        exist than were fetched."""
        source = self.case_lists.get(code)
        if source is None:
            return "0"
        return f"{len(source.rows)}+" if not source.exhausted else str(len(source.rows))

    def queue(self, code: str) -> list[dict[str, Any]]:
        return list((self.queues.get(code) or {}).get("items") or [])

    def queue_total(self, code: str) -> int:
        return int((self.queues.get(code) or {}).get("total") or 0)
