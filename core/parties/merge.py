"""An audited merge of two parties that are one citizen or organisation.

``merge(actor, party_id, into, reason)`` moves every contact and case of ``party_id`` to the
survivor ``into`` (call-backs hang on contacts and cases and follow them), fills the
survivor's empty contact details from the merged party, and keeps the survivor's identity
number; a merged party's number moves to a survivor without one. Two parties with different
identity or organisation numbers are refused (409). The merged party keeps its row, marked
``merged_into`` (parties merged into it earlier now point at the survivor too), so old links
still resolve. The audit entry is written in the same transaction as the change.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from core import audit, db
from core.db import raw
from core.errors import Conflict, InvalidInput
from core.parties import service

# Tables whose ``party`` column points at a party (core/cases/tables.py: Case, Contact).
LINKS = (("kc_case", "cases"), ("contact", "contacts"))
FILLED = ("name", "name_key", "email", "phone", "address", "address_key")
NUMBER_COLUMNS = ("id_number_cipher", "id_number_index", "id_number_kind", "org_number")
NO_NUMBER = {
    "id_number_cipher": None,
    "id_number_index": None,
    "id_number_kind": "",
    "org_number": "",
}
# Taken first: row locks on both parties (PostgreSQL), so a simultaneous merge of the same
# parties waits and then sees this one's outcome.
LOCK_SQL = "UPDATE party SET updated_at = ? WHERE id IN (?, ?) RETURNING id"


@dataclass(frozen=True)
class Merged:
    """The outcome of a merge: how many links moved to the survivor."""

    survivor: int
    merged: int
    contacts: int
    cases: int


def _refuse(merged: dict[str, Any], survivor: dict[str, Any]) -> None:
    """Conflict when the two parties cannot be one."""
    if merged["id_number_index"] and survivor["id_number_index"]:
        raise Conflict("Parties with different identity numbers cannot be merged")
    if merged["org_number"] and survivor["org_number"]:
        raise Conflict("Parties with different identity numbers cannot be merged")
    kinds = {merged["kind"], survivor["kind"]} - {"anonymous"}
    if len(kinds) > 1:
        raise Conflict("A person and an organisation cannot be merged")


def _survivor_changes(merged: dict[str, Any], survivor: dict[str, Any]) -> dict[str, Any]:
    """What the survivor takes over: empty details, a number, protection."""
    changes = {k: merged[k] for k in FILLED if merged[k] and not survivor[k]}
    if merged["id_number_index"] or merged["org_number"]:
        changes.update({k: merged[k] for k in NUMBER_COLUMNS})
    if survivor["kind"] == "anonymous" and merged["kind"] != "anonymous":
        changes["kind"] = merged["kind"]
    if merged["protected_identity"] and not survivor["protected_identity"]:
        changes["protected_identity"] = True
    return changes


async def _set(party_id: int, changes: dict[str, Any]) -> None:
    if changes:
        assignments = ", ".join(f'"{name}" = ?' for name in changes)
        await raw.fetch(
            f"UPDATE party SET {assignments} WHERE id = ?",
            *(raw.sql_value(v) for v in changes.values()),
            party_id,
        )


async def merge(actor: str, party_id: int, into: int, reason: str) -> Merged:
    """Merge the party ``party_id`` into ``into`` (see the module's docstring)."""
    if party_id == into:
        raise InvalidInput("A party cannot be merged into itself")
    if not reason.strip() or "\x00" in reason:
        raise InvalidInput("Give the reason for the merge")
    now = int(time.time())
    async with db.transaction():
        await raw.fetch(LOCK_SQL, now, party_id, into)
        merged = await service.live_row(party_id)
        survivor = await service.live_row(into)
        _refuse(merged, survivor)
        moved: dict[str, int] = {}
        for table, label in LINKS:
            rows = await raw.fetch(
                f"UPDATE {table} SET party = ? WHERE party = ? RETURNING id", into, party_id
            )
            moved[label] = len(rows)
        taken = _survivor_changes(merged, survivor)
        await _set(
            party_id, {**NO_NUMBER, "merged_into": into, "merged_at": now, "updated_at": now}
        )
        await _set(into, {**taken, "updated_at": now})
        await raw.fetch(
            "UPDATE party SET merged_into = ? WHERE merged_into = ? RETURNING id", into, party_id
        )
        audit.record(
            actor,
            "party.merge",
            "party",
            party_id,
            {
                "into": into,
                "reason": reason.strip()[:2000],
                **moved,
                "taken_over": service.changed_fields(taken),
            },
        )
    return Merged(into, party_id, moved["contacts"], moved["cases"])
