"""The incoming-call panel: who is calling, from the telephony plugin's screen pop event."""

from __future__ import annotations

from typing import Any

from desktop.i18n import _
from desktop.viewmodels.observable import Observable

EVENT = "telephony.screen_pop"


class ScreenPopModel(Observable):
    """The latest pop; protected identities show only that fact."""

    def __init__(self) -> None:
        super().__init__()
        self.pop: dict[str, Any] | None = None

    def apply_event(self, event: dict[str, Any]) -> bool:
        if event.get("type") != EVENT:
            return False
        self.pop = event.get("data") or {}
        self.changed()
        return True

    @property
    def caller(self) -> str:
        if not self.pop:
            return ""
        if self.pop.get("anonymous"):
            return _("Withheld number")
        return (self.pop.get("call") or {}).get("caller") or ""

    @property
    def protected(self) -> bool:
        return any(p.get("protected_identity") for p in (self.pop or {}).get("parties", []))

    def headline(self) -> str:
        """``Ringer: 070… — Anna Andersson`` (or the protected-identity notice)."""
        if not self.pop:
            return _("No call")
        kind = _("Ringing") if self.pop.get("kind") == "ringing" else _("Answered")
        parties = self.pop.get("parties") or []
        if self.protected:
            who = _("Protected identity: give no details over the phone")
        elif len(parties) == 1:
            who = parties[0].get("name") or ""
        elif parties:
            who = _("{count} parties with this number").format(count=len(parties))
        else:
            who = _("Unknown caller")
        return f"{kind}: {self.caller} \u2014 {who}"

    def party(self) -> dict[str, Any] | None:
        """The single identified party (none when several, unknown or protected)."""
        parties = (self.pop or {}).get("parties") or []
        return parties[0] if len(parties) == 1 and not self.protected else None
