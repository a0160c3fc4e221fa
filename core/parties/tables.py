"""Parties. The identity number is stored only encrypted, found through its blind index."""

from piccolo.columns import BigInt, Boolean, Text, Varchar
from piccolo.table import Table


class Party(Table, tablename="party"):
    """kind: person | organisation | anonymous. preferred_channel: email | phone | sms |
    letter | none. A protected identity (skyddad identitet) hides details from users
    without the permission, and every view of it is audited.

    Identity and organisation numbers are unique: partial UNIQUE indexes on
    ``id_number_index`` and on non-empty ``org_number`` (migration 2026-12-02T02:00:00).
    ``name_key`` and ``address_key`` are the folded texts (:mod:`core.parties.normalise`)
    that search and duplicate detection compare. A party merged into another keeps its row
    with ``merged_into`` set, so old links still resolve."""

    kind = Varchar(length=20, index=True)
    name = Varchar(length=200, default="")
    id_number_cipher = Text(null=True, default=None)
    id_number_index = Varchar(length=80, null=True, default=None, index=True)
    id_number_kind = Varchar(length=20, default="")  # personnummer | samordningsnummer | orgnr
    org_number = Varchar(length=20, default="", index=True)
    email = Varchar(length=254, default="", index=True)
    phone = Varchar(length=20, default="", index=True)  # E.164
    address = Text(default="")
    name_key = Varchar(length=200, default="", index=True)
    address_key = Text(default="")
    preferred_language = Varchar(length=5, default="sv")
    preferred_channel = Varchar(length=10, default="email")
    protected_identity = Boolean(default=False)
    created_at = BigInt(default=0)
    updated_at = BigInt(default=0)
    merged_into = BigInt(null=True, default=None, index=True)
    merged_at = BigInt(null=True, default=None)
