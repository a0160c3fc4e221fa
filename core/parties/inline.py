"""The party typed into a contact registration: reuse the citizen's existing party.

A registration whose inline party carries an identity or organisation number that exists
already is linked to the existing party instead of creating a second one. Its contact
details (phone, e-mail, address, preferences) are replaced by the ones typed in only when
the agent says the citizen consented (``consent_to_update``); otherwise they stay. Those of
a protected identity never change this way (whoever knows the number must not be able to
redirect the person's mail). A party
without a number is created even when it looks like others (a contact must be registered);
the answer lists the likely duplicates so they can be merged later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core import db
from core.db import raw
from core.parties import duplicates, service


@dataclass(frozen=True)
class InlineResult:
    """Which party a registration was linked to and how it was found."""

    party_id: int
    reused: bool = False
    details_updated: bool = False
    duplicate_candidates: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The ``party`` member of the registration's answer."""
        return {
            "id": self.party_id,
            "reused": self.reused,
            "details_updated": self.details_updated,
            "duplicate_candidates": self.duplicate_candidates,
        }


PROTECTED_SQL = "SELECT protected_identity FROM party WHERE id = ?"


async def _reuse(actor: str, party_id: int, values: dict[str, Any], consent: bool) -> InlineResult:
    changes = {k: values[k] for k in service.CONTACT_FIELDS if values.get(k)}
    if not consent or not changes:
        return InlineResult(party_id, reused=True)
    if (await raw.fetchrow(PROTECTED_SQL, party_id))["protected_identity"]:
        # whoever knows a protected person's number must not redirect their mail
        return InlineResult(party_id, reused=True)
    await service.apply_changes(actor, party_id, changes, {"consent": True, "via": "contact"})
    return InlineResult(party_id, reused=True, details_updated=True)


async def resolve(actor: str, data: dict[str, Any]) -> InlineResult:
    """The party for a registration's inline ``data`` (a dict of :class:`InlineParty`
    fields), in the caller's transaction: an existing party with the same number, else a
    new one."""
    data = dict(data)
    consent = bool(data.pop("consent_to_update", False))
    values, lookups = service.clean_fields(data)
    async with db.transaction():
        existing = await service.find_existing(values, lookups)
        if existing is not None:
            return await _reuse(actor, existing, values, consent)
        found = [] if service.has_number(values) else await duplicates.candidates(values)
        party_id, created = await service.insert_party(actor, values, lookups)
        if not created:  # a simultaneous registration created it first
            return await _reuse(actor, party_id, values, consent)
        return InlineResult(party_id, duplicate_candidates=found)
