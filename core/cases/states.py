"""Case states, the allowed transitions, and the public status text citizens see."""

from __future__ import annotations

STATES = ("received", "in_progress", "investigating", "waiting", "decided", "closed")

TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"in_progress", "investigating", "waiting", "decided", "closed"}),
    "in_progress": frozenset({"investigating", "waiting", "decided", "closed"}),
    "investigating": frozenset({"in_progress", "waiting", "decided", "closed"}),
    "waiting": frozenset({"in_progress", "investigating", "decided", "closed"}),
    "decided": frozenset({"in_progress", "closed"}),
    "closed": frozenset(),  # only reopen() leaves this state
}

PUBLIC_TEXT = {
    "sv": {
        "received": "Mottaget",
        "in_progress": "Pågår",
        "investigating": "Under utredning",
        "waiting": "Väntar på komplettering från dig",
        "decided": "Beslut fattat",
        "closed": "Avslutat",
    },
    "en": {
        "received": "Received",
        "in_progress": "In progress",
        "investigating": "Under investigation",
        "waiting": "Waiting for information from you",
        "decided": "Decision made",
        "closed": "Closed",
    },
}

PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("phone", "email", "letter", "web", "visit", "sms", "chat", "fax", "internal", "social")
FEEDBACK_CHANNELS = ("email", "phone", "sms", "letter", "none")
OPEN_STATES = frozenset(STATES) - {"closed"}


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def public_status(state: str, lang: str) -> str:
    return PUBLIC_TEXT.get(lang, PUBLIC_TEXT["sv"]).get(state, state)
