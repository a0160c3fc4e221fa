"""Presence (ready / paused with a reason) and the wallboard of signed-in agents."""

from __future__ import annotations

from typing import Any

from desktop.api.client import ApiClient
from desktop.i18n import N_
from desktop.viewmodels.observable import Observable

BASE = "/api/v1/plugins/telephony_centrex"
PAUSE_REASONS = (
    ("break", N_("Break")),
    ("meeting", N_("Meeting")),
    ("after_call", N_("After-call work")),
    ("training", N_("Training")),
)
STATE_LABELS = {"ready": N_("Ready"), "paused": N_("Paused"), "offline": N_("Signed out")}


class PresenceModel(Observable):
    def __init__(self, client: ApiClient) -> None:
        super().__init__()
        self.client = client
        self.mine: dict[str, Any] = {}
        self.agents: list[dict[str, Any]] = []

    async def set_state(self, state: str, reason: str = "") -> None:
        self.mine = await self.client.request(
            "PUT", f"{BASE}/presence/me", json={"state": state, "reason": reason}
        )
        self.changed()

    async def load_wallboard(self) -> None:
        self.agents = await self.client.get(f"{BASE}/presence/")
        self.changed()

    def apply_event(self, event: dict[str, Any]) -> bool:
        return event.get("type") == "telephony.presence"
