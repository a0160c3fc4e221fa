"""Crisis mode in the desktop (crisis mode plugin): the banner every signed-in user sees while
crisis mode is on, and the approved crisis text agents show beside each contact.

The state comes from ``GET /api/v1/plugins/crisis_mode/state`` at start (and after the live
events were interrupted) and straight from the ``crisis.mode_changed`` live event, which
carries the banner's texts — so the banner needs no extra round trip. Holders of
``crisis.view`` also get the approved text per language
(``GET …/crisis_mode/messages/current``), refreshed on ``crisis.message_approved``. A server
without the plugin answers 404: no crisis then. No Qt here.
"""

from __future__ import annotations

from typing import Any

from desktop import i18n
from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, Unreachable
from desktop.viewmodels.observable import Observable

BASE = "/api/v1/plugins/crisis_mode"
TEXT_PERMISSION = "crisis.view"
MODE_CHANGED = "crisis.mode_changed"
MESSAGE_APPROVED = "crisis.message_approved"


class CrisisBannerModel(Observable):
    """Whether crisis mode is on, the banner's text and the approved texts by language."""

    def __init__(self, client: ApiClient, may_read_texts: bool) -> None:
        super().__init__()
        self.client = client
        self.may_read_texts = may_read_texts
        self.active = False
        self.event: dict[str, Any] | None = None
        self.texts: dict[str, str] = {"sv": "", "en": ""}
        self.approved: list[dict[str, Any]] = []
        self.loaded = False  # the state was read once

    @property
    def exercise(self) -> bool:
        return bool(self.event and self.event.get("exercise"))

    def banner_text(self) -> str:
        """The banner in the interface language (empty while crisis mode is off)."""
        if not self.active:
            return ""
        language = "en" if i18n.language() == "en" else "sv"
        return self.texts.get(language) or self.texts.get("sv", "")

    def _apply_state(self, state: dict[str, Any]) -> None:
        self.active = bool(state.get("active"))
        self.event = state.get("event") if self.active else None
        self.texts = {"sv": state.get("text_sv", ""), "en": state.get("text_en", "")}
        if not self.active:
            self.approved = []

    async def refresh(self) -> None:
        """The state (and the approved texts) from the server."""
        try:
            state = await self.client.get(f"{BASE}/state")
        except ApiError as exc:
            if exc.status != 404:  # 404: the server has no crisis mode plugin
                raise
            state = {"active": False}
        except Unreachable:
            return  # the offline notice says so; the banner keeps what it knew
        self._apply_state(state)
        await self._load_texts()
        self.loaded = True
        self.changed()

    async def _load_texts(self) -> None:
        if not (self.active and self.may_read_texts):
            self.approved = []
            return
        try:
            current = await self.client.get(f"{BASE}/messages/current")
        except (ApiError, Unreachable):
            return
        self.approved = list(current.get("items") or [])

    def apply_event(self, event: dict[str, Any]) -> bool:
        """Take a live event; True when the approved texts must be fetched again."""
        kind = event.get("type")
        if kind == MODE_CHANGED:
            self._apply_state(event.get("data") or {})
            self.changed()
            return self.active and self.may_read_texts
        return kind == MESSAGE_APPROVED and self.active and self.may_read_texts

    async def reload_texts(self) -> None:
        await self._load_texts()
        self.changed()

    def languages(self) -> list[str]:
        return [t["language"] for t in self.approved]

    def approved_in(self, language: str) -> dict[str, Any] | None:
        """The approved text in ``language`` (Swedish, else the first, when it has none)."""
        by_language = {t["language"]: t for t in self.approved}
        return by_language.get(language) or by_language.get("sv") or next(iter(self.approved), None)
