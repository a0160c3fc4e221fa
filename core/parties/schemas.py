"""Request and response shapes of parties, as the OpenAPI document shows them.

Closed lists are enums (``kind``, ``preferred_channel``, ``preferred_language``), every text
is bounded and refuses NUL characters (a 400 naming the field), times are ISO 8601 with
offset. :class:`InlineParty` is also the ``party`` of a contact registration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from core.paging import Page
from core.parties.vocabulary import Channel, Kind, Language
from core.web.types import Id, text

Name = text(200)
Number = text(20)
Email = text(254)
Phone = text(40)
Address = text(1000)
Reason = text(2000, min_length=1)


class PartyFields(msgspec.Struct, forbid_unknown_fields=True):
    """A party as an agent types it in."""

    kind: Kind = "person"
    name: Name = ""
    id_number: Number = ""
    org_number: Number = ""
    email: Email = ""
    phone: Phone = ""
    address: Address = ""
    preferred_language: Language = "sv"
    preferred_channel: Channel = "email"
    protected_identity: bool = False


class NewParty(PartyFields, forbid_unknown_fields=True):
    """``POST /api/v1/parties``. A number that exists already is a 409 naming the existing
    party (``existing_party_id``); a party without a number whose name and phone or e-mail
    match another party is a 409 listing the ``candidate_party_ids`` unless
    ``create_anyway`` is true."""

    create_anyway: Annotated[
        bool,
        msgspec.Meta(
            description="Create the party even though parties with the same name and phone "
            "or e-mail exist (the agent checked they are other people)"
        ),
    ] = False


class InlineParty(PartyFields, forbid_unknown_fields=True):
    """The party of a contact registration. When its identity or organisation number exists
    already, the existing party is reused; its phone, e-mail, address and preferences are
    replaced by the ones given here only when ``consent_to_update`` is true (the citizen
    agreed to it), otherwise they stay as they are."""

    consent_to_update: Annotated[
        bool,
        msgspec.Meta(
            description="The citizen agreed that the phone, e-mail, address and preferences "
            "given here replace the stored ones when the identity or organisation number "
            "belongs to an existing party; without it the existing party is reused unchanged"
        ),
    ] = False


class PartyChanges(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``PATCH /api/v1/parties/{id}``: only the fields given change."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    id_number: Number | msgspec.UnsetType = msgspec.UNSET
    org_number: Number | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    phone: Phone | msgspec.UnsetType = msgspec.UNSET
    address: Address | msgspec.UnsetType = msgspec.UNSET
    preferred_language: Language | msgspec.UnsetType = msgspec.UNSET
    preferred_channel: Channel | msgspec.UnsetType = msgspec.UNSET
    protected_identity: bool | msgspec.UnsetType = msgspec.UNSET


class MergeBody(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /api/v1/parties/{id}/merge``: merge this party into ``into`` (the survivor)."""

    into: Id
    reason: Reason


class PartyView(msgspec.Struct, omit_defaults=True):
    """A party as the reader may see it. A protected identity shows only ``id``, ``kind``,
    ``name`` ("Skyddad identitet") and ``protected_identity`` to users without the
    permission; lists show the identity number masked and no address. ``merged_into`` is
    set on a party that was merged into another one."""

    id: int
    kind: Kind
    name: str
    protected_identity: bool
    id_number: str | None = None
    id_number_kind: Literal["personnummer", "samordningsnummer", ""] | None = None
    org_number: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    preferred_language: str | None = None
    preferred_channel: Channel | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    merged_into: int | None = None
    merged_at: datetime | None = None


class MergeResult(msgspec.Struct):
    """What a merge did: the survivor as it is now, and how many links moved to it."""

    party: PartyView
    merged_party_id: int
    contacts_moved: int
    cases_moved: int


PartyPage = Page[PartyView]


class PartyProblem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details of a party conflict (409), with the parties it is about:
    ``existing_party_id`` when the number belongs to that party, ``candidate_party_ids``
    for look-alikes of a party without a number."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    existing_party_id: int | None = None
    candidate_party_ids: list[int] | None = None


def view(party: dict) -> PartyView:
    """A presented party (:func:`core.parties.service.present`) as its response type."""
    return msgspec.convert(party, PartyView)
