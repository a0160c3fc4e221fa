"""Conflicts about parties that name the parties they are about.

The problem details carry the ids as extension members (RFC 9457 §3.2), so a client can open
the existing party instead of parsing the message: ``existing_party_id`` when the identity
or organisation number belongs to another party, ``candidate_party_ids`` for likely
duplicates of a party without a number.
"""

from __future__ import annotations

from typing import Any

from core.errors import Conflict


class PartyConflict(Conflict):
    """A 409 with extension members (``extensions``) added to the problem details."""

    def __init__(
        self, message: str, *, extensions: dict[str, Any], problem_type: str, **params: Any
    ) -> None:
        super().__init__(message, problem_type=problem_type, **params)
        self.extensions = extensions


def number_taken(party_id: int) -> PartyConflict:
    """The identity or organisation number belongs to the party ``party_id`` already."""
    return PartyConflict(
        "A party with this identity number exists already (id {id})",
        extensions={"existing_party_id": party_id},
        problem_type="party-exists",
        id=party_id,
    )


def likely_duplicates(party_ids: list[int]) -> PartyConflict:
    """A party without a number looks like these existing ones."""
    return PartyConflict(
        "Parties with the same name and phone or e-mail exist already: {ids}; "
        "use one of them or create the party anyway",
        extensions={"candidate_party_ids": party_ids},
        problem_type="party-duplicate",
        ids=", ".join(str(i) for i in party_ids),
    )
