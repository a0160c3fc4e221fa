"""Tagging a crisis contact (crisis mode plugin): after the agent saved a contact while a
crisis is active, the contact's topics (from the crisis team's list), its area and a question
that had no approved answer are sent to ``POST /api/v1/plugins/crisis_mode/tags``.

The model knows whether a crisis is active (``GET …/crisis_mode/state`` at start and on each
``crisis.mode_changed`` live event), the topics and areas (``GET …/topics``,
``…/topics/areas``) and the last contact saved from the form. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, Unreachable
from desktop.i18n import _
from desktop.viewmodels.observable import Observable

BASE = "/api/v1/plugins/crisis_mode"
PERMISSION = "crisis.view"
MODE_CHANGED = "crisis.mode_changed"
MAX_QUESTION = 500


@dataclass
class TagOutcome:
    """``tagged`` (with the server's answer) or ``refused`` (with the reason)."""

    status: str
    message: str = ""
    tag: dict[str, Any] | None = None


class CrisisTaggingModel(Observable):
    """What the tagging box shows and sends."""

    def __init__(self, client: ApiClient) -> None:
        super().__init__()
        self.client = client
        self.active = False
        self.event: dict[str, Any] | None = None
        self.topics: list[dict[str, Any]] = []
        self.areas: list[dict[str, Any]] = []
        self.contact_number = ""
        self.chosen: set[int] = set()
        self.area_id: int | None = None
        self.question = ""
        self.last: TagOutcome | None = None

    async def refresh(self) -> None:
        """Whether a crisis is active, and (then) the topics and areas offered."""
        state = await self.client.get(f"{BASE}/state")
        self.active = bool(state.get("active"))
        self.event = state.get("event") if self.active else None
        if self.active:
            self.topics = (await self.client.get(f"{BASE}/topics"))["items"]
            self.areas = (await self.client.get(f"{BASE}/topics/areas"))["items"]
        else:
            self.contact_number = ""
        self.changed()

    def apply_event(self, event: dict[str, Any]) -> bool:
        """True when a live event means the crisis state changed (refresh then)."""
        return event.get("type") == MODE_CHANGED

    def contact_saved(self, answer: dict[str, Any]) -> None:
        """The contact form saved a contact: it is the one to tag (while a crisis is on)."""
        if not self.active:
            return
        self.contact_number = (answer.get("contact") or {}).get("number", "")
        self.chosen, self.area_id, self.question, self.last = set(), None, "", None
        self.changed()

    def toggle(self, topic_id: int, on: bool) -> None:
        (self.chosen.add if on else self.chosen.discard)(topic_id)

    def problems(self) -> list[str]:
        """What stops tagging, in the interface language (empty: ready)."""
        found = []
        if not self.active:
            found.append(_("No crisis is active."))
        if not self.contact_number:
            found.append(_("Save a contact first; then tag it."))
        if not self.chosen:
            found.append(_("Choose at least one topic."))
        if len(self.question) > MAX_QUESTION:
            found.append(_("The question is too long."))
        return found

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "contact_number": self.contact_number,
            "topic_ids": sorted(self.chosen),
        }
        if self.area_id is not None:
            body["area_id"] = self.area_id
        if self.question.strip():
            body["question"] = self.question.strip()
        return body

    async def tag(self) -> TagOutcome:
        """Send the tags of the contact; the answer (or the server's reason) is kept."""
        problems = self.problems()
        if problems:
            self.last = TagOutcome("refused", " ".join(problems))
        else:
            try:
                tag = await self.client.post(f"{BASE}/tags", self.body())
                self.last = TagOutcome(
                    "tagged",
                    _("Contact {number} tagged.").format(number=self.contact_number),
                    tag,
                )
            except ApiError as exc:
                self.last = TagOutcome("refused", exc.detail)
            except Unreachable:
                self.last = TagOutcome("refused", _("The server cannot be reached."))
        self.changed()
        return self.last
