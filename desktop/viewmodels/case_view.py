"""One case: its fields, timers and timeline, and what the agent may do with it."""

from __future__ import annotations

from typing import Any

from desktop.api.client import ApiClient
from desktop.i18n import N_
from desktop.viewmodels.observable import Observable

STATUSES = (
    ("in_progress", N_("In progress")),
    ("investigating", N_("Under investigation")),
    ("waiting", N_("Waiting")),
    ("decided", N_("Decided")),
    ("closed", N_("Closed")),
)
FORWARD_KINDS = (
    ("user", N_("Case officer")),
    ("group", N_("Answer group")),
    ("department", N_("Department")),
    ("external", N_("Contractor")),
)
FEEDBACK_CHANNELS = (("email", N_("E-mail")), ("phone", N_("Phone")), ("letter", N_("Letter")))


class CaseViewModel(Observable):
    """Loads the case and reloads it after every action."""

    def __init__(self, client: ApiClient, number: str) -> None:
        super().__init__()
        self.client = client
        self.number = number
        self.case: dict[str, Any] = {}

    async def load(self) -> None:
        self.case = await self.client.case(self.number)
        self.changed()

    async def add_note(self, text: str, public: bool) -> None:
        await self.client.add_note(self.number, text, public)
        await self.load()

    async def change_status(self, status: str, public_text: str = "", reason: str = "") -> None:
        await self.client.change_status(self.number, status, public_text, reason)
        await self.load()

    async def forward(self, kind: str, target: str, reason: str) -> None:
        await self.client.forward(self.number, kind, target, reason)
        await self.load()

    async def request_callback(self, phone: str, notes: str) -> None:
        await self.client.request_callback(phone, self.number, notes)
        await self.load()

    async def feedback(self, channel: str, text: str) -> None:
        await self.client.feedback(self.number, channel, text)
        await self.load()

    def timeline(self) -> list[dict[str, Any]]:
        return list(self.case.get("timeline") or [])
