"""Case states, the allowed transitions, and the public status text citizens see."""

from __future__ import annotations

from typing import Literal, get_args

# Closed lists as types: request schemas use them, so the OpenAPI document lists the values.
Status = Literal["received", "in_progress", "investigating", "waiting", "decided", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
FeedbackChannel = Literal["email", "phone", "sms", "letter", "none"]
Direction = Literal["in", "out"]
AssigneeKind = Literal["user", "group", "department", "external"]
AttemptOutcome = Literal["reached", "no_answer", "cancelled"]
CallbackOutcome = Literal["pending", "reached", "cancelled"]  # what a call-back can be in
SlaState = Literal["none", "ok", "warning", "breached", "paused"]

STATES: tuple[str, ...] = get_args(Status)
TERMINAL_STATES = frozenset({"closed"})  # the states that end a case

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

PRIORITIES: tuple[str, ...] = get_args(Priority)
CHANNELS = ("phone", "email", "letter", "web", "visit", "sms", "chat", "fax", "internal", "social")
FEEDBACK_CHANNELS: tuple[str, ...] = get_args(FeedbackChannel)
OPEN_STATES = frozenset(STATES) - TERMINAL_STATES
CALLBACK_OUTCOMES: tuple[str, ...] = get_args(CallbackOutcome)


def can_move(current: str, new: str) -> bool:
    """Whether the transition ``current`` → ``new`` is allowed."""
    return new in TRANSITIONS.get(current, frozenset())


def public_status(state: str, lang: str) -> str:
    """The status text citizens see, in ``lang`` (Swedish when unknown)."""
    return PUBLIC_TEXT.get(lang, PUBLIC_TEXT["sv"]).get(state, state)
