"""Labels for the codes the API sends (statuses, priorities, timeline events), and times."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from desktop.i18n import N_, _
from desktop.viewmodels import sla

LOCAL = ZoneInfo("Europe/Stockholm")
STATUS = {
    "received": N_("Received"),
    "in_progress": N_("In progress"),
    "investigating": N_("Under investigation"),
    "waiting": N_("Waiting"),
    "decided": N_("Decided"),
    "closed": N_("Closed"),
}
PRIORITY = {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}
EVENT = {
    "case": N_("Case opened"),
    "contact": N_("Contact"),
    "note": N_("Note"),
    "status": N_("Status change"),
    "forward": N_("Forwarded"),
    "callback": N_("Call-back"),
    "feedback": N_("Feedback"),
    "sla": N_("Service level"),
    "pause": N_("Clock paused"),
    "resume": N_("Clock resumed"),
    "priority": N_("Priority"),
    "secrecy": N_("Secrecy"),
    "merge": N_("Merged"),
    "reopen": N_("Reopened"),
}
CHANNEL = {
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "visit": N_("Visit"),
    "letter": N_("Letter"),
    "web": N_("Web form"),
    "sms": N_("SMS"),
    "chat": N_("Chat"),
}


def label(table: dict[str, str], code: Any) -> str:
    """The translated label of ``code`` in ``table`` (the code itself when unknown)."""
    text = str(code or "")
    return _(table[text]) if text in table else text


def local_time(value: Any) -> str:
    """An API time (ISO 8601 or epoch seconds) as ``2026-12-02 09:15`` in Swedish time."""
    at = sla.epoch(value)
    return "" if at is None else datetime.fromtimestamp(at, LOCAL).strftime("%Y-%m-%d %H:%M")
