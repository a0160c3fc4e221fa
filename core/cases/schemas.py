"""The rows of the case, contact, call-back and history lists as the API answers them.

Typed structs rather than dicts, so the OpenAPI document says what a list item holds: closed
lists as enums and every time as an ISO 8601 date-time with its offset (UTC, ``…Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import msgspec

from core.cases import states


def moment(epoch: int | None) -> datetime | None:
    """Epoch seconds as an aware UTC datetime (None stays None)."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


class CaseItem(msgspec.Struct):
    """One case in a list; ``party_name`` is the neutral text for a protected identity."""

    number: str
    status: states.Status
    priority: states.Priority
    subject: str
    case_type: str | None
    department: str | None
    channel: str
    secret: bool
    party: int | None
    party_name: str | None
    owner: str | None
    assignee_kind: str
    assignee_user: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    resolution_due: datetime | None
    sla_state: str


class ContactItem(msgspec.Struct):
    """One registered contact."""

    number: str
    channel: str
    direction: states.Direction
    received_at: datetime
    registered_at: datetime
    case: str | None
    case_type: str | None
    answer_group: str | None
    agent: str | None
    party: int | None
    party_name: str | None
    summary: str
    resolved_first_contact: bool
    forwarded: bool
    language: str
    wait_seconds: int | None
    handle_seconds: int | None


class CallbackItem(msgspec.Struct):
    """One call-back request and how far it got."""

    id: int
    case: str | None
    phone: str
    preferred_from: datetime | None
    preferred_to: datetime | None
    answer_group: str | None
    assignee: str | None
    attempts: int
    outcome: states.CallbackOutcome
    notes: str
    created_at: datetime
    updated_at: datetime


class HistoryItem(msgspec.Struct):
    """One line of a citizen's history: a contact or a case (``kind``)."""

    kind: Literal["contact", "case"]
    number: str
    at: datetime
    channel: str
    text: str
    case: str | None
    status: states.Status | None
