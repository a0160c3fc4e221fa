"""Parties: validation of identity numbers, encrypted storage, look-up, protected identity.

Personnummer and samordningsnummer are validated with the ``personnummer`` package,
organisationsnummer with ``python-stdnum``, phone numbers normalised to E.164 with
``phonenumbers``. The identity number is stored encrypted (AES-GCM) and found through its
blind index. Identity and organisation numbers are unique among parties: a service check
(over every blind-index key version) and partial UNIQUE indexes, so two simultaneous
creates of one number leave one party. A party with a protected identity (skyddad
identitet) shows no details to users without ``parties.protected``, and every view of its
details is audited.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from typing import Any

import phonenumbers
from personnummer import personnummer as pnr
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

from core import audit, db
from core.auth.service import Principal
from core.cases import protection
from core.clock import iso_utc
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from core.parties import duplicates
from core.parties.errors import likely_duplicates, number_taken
from core.parties.normalise import text_key
from core.parties.tables import Party
from core.parties.vocabulary import CHANNELS, KINDS, LANGUAGES
from core.secrets import fields

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_CONTEXT = "party.id_number"
PROTECTED_NAME = {"sv": "Skyddad identitet", "en": "Protected identity"}
TEXT_FIELDS = (
    "kind",
    "name",
    "id_number",
    "org_number",
    "email",
    "phone",
    "address",
    "preferred_language",
    "preferred_channel",
)
# What a party's contact details are: what a citizen's consent lets a registration replace.
CONTACT_FIELDS = ("email", "phone", "address", "preferred_language", "preferred_channel")
SQLITE_CONSTRAINT_UNIQUE = 2067

fields.register(fields.EncryptedField(Party, "id_number_cipher", "id_number_index", ID_CONTEXT))


def ascii_digits(value: str) -> str:
    """Every decimal digit of any script as its ASCII digit ("١٢" and "１２" → "12"), so one
    number has one stored form (and one blind index)."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)


def normalise_personal_number(value: str) -> tuple[str, str]:
    """(12-digit number, 'personnummer' | 'samordningsnummer'), or InvalidInput."""
    try:
        parsed = pnr.Personnummer(ascii_digits(value.strip()))
    except pnr.PersonnummerException as exc:
        raise InvalidInput(
            "Not a valid personnummer or samordningsnummer: {value}", value=value
        ) from exc
    kind = "samordningsnummer" if parsed.is_coordination_number() else "personnummer"
    return parsed.format(True), kind


def normalise_org_number(value: str) -> str:
    """The organisationsnummer as NNNNNN-NNNN, or InvalidInput."""
    try:
        return orgnr.format(orgnr.validate(ascii_digits(value)))
    except StdnumError as exc:
        raise InvalidInput("Not a valid organisationsnummer: {value}", value=value) from exc


def normalise_phone(value: str, region: str = "SE") -> str:
    """E.164 form of a phone number, or InvalidInput."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput("Not a valid phone number: {value}", value=value) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput("Not a valid phone number: {value}", value=value)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    """The e-mail address in lower case, or InvalidInput."""
    if not EMAIL_RE.match(value.strip()):
        raise InvalidInput("Not a valid e-mail address: {email}", email=value)
    return value.strip().lower()


def masked(number: str) -> str:
    """19900101-0017 -> 19900101-XXXX (for lists)."""
    return f"{number[:8]}-XXXX" if len(number) == 12 else "XXXX"


def refuse_nul(data: dict[str, Any]) -> None:
    """InvalidInput naming the first text field that holds a NUL character."""
    for key in TEXT_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and "\x00" in value:
            raise InvalidInput("The field {field} contains a NUL character", field=key)


def clean_fields(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Validate and normalise party fields: (column values, blind indexes of the identity
    number under every key version, empty without a number)."""
    refuse_nul(data)
    out: dict[str, Any] = {}
    lookups: list[str] = []
    kind = data.get("kind", "person")
    if kind not in KINDS:
        raise InvalidInput("Unknown party kind: {kind}", kind=kind)
    out["kind"] = kind
    if "name" in data:
        out["name"] = str(data["name"]).strip()[:200]
        out["name_key"] = text_key(out["name"])[:200]
    if data.get("id_number"):
        if kind != "person":
            raise InvalidInput("Only a person has a personnummer")
        number, number_kind = normalise_personal_number(data["id_number"])
        out["id_number_cipher"] = fields.encrypt(number, ID_CONTEXT)
        out["id_number_index"] = fields.blind_index(number)
        out["id_number_kind"] = number_kind
        lookups = fields.blind_indexes(number)
    if data.get("org_number"):
        if kind != "organisation":
            raise InvalidInput("Only an organisation has an organisationsnummer")
        out["org_number"] = normalise_org_number(data["org_number"])
    if data.get("email"):
        out["email"] = normalise_email(data["email"])
    if data.get("phone"):
        out["phone"] = normalise_phone(data["phone"])
    if "address" in data:
        out["address"] = str(data["address"] or "")[:1000]
        out["address_key"] = text_key(out["address"])
    if data.get("preferred_language"):
        if data["preferred_language"] not in LANGUAGES:
            raise InvalidInput("Not a valid language code: {lang}", lang=data["preferred_language"])
        out["preferred_language"] = data["preferred_language"]
    if data.get("preferred_channel"):
        if data["preferred_channel"] not in CHANNELS:
            raise InvalidInput(
                "Unknown feedback channel: {channel}", channel=data["preferred_channel"]
            )
        out["preferred_channel"] = data["preferred_channel"]
    if "protected_identity" in data:
        out["protected_identity"] = bool(data["protected_identity"])
    if kind == "anonymous":
        out["name"] = out.get("name") or ""
        out["name_key"] = text_key(out["name"])
    return out, lookups


def has_number(values: dict[str, Any]) -> bool:
    """Whether cleaned values carry an identity or organisation number."""
    return bool(values.get("id_number_index") or values.get("org_number"))


async def find_existing(
    values: dict[str, Any], lookups: list[str], exclude: int | None = None
) -> int | None:
    """The id of the party that holds the identity or organisation number of ``values``
    already (other than ``exclude``), or None."""
    if lookups:
        marks = ", ".join("?" for _ in lookups)
        rows = await raw.fetch(
            f"SELECT id FROM party WHERE id_number_index IN ({marks}) ORDER BY id", *lookups
        )
    elif values.get("org_number"):
        rows = await raw.fetch(
            "SELECT id FROM party WHERE org_number = ? ORDER BY id", values["org_number"]
        )
    else:
        return None
    ids = [row["id"] for row in rows if row["id"] != exclude]
    return ids[0] if ids else None


def is_unique_violation(exc: BaseException) -> bool:
    """Whether a driver error is a UNIQUE index refusing a row (SQLite or asyncpg)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return getattr(exc, "sqlite_errorcode", None) == SQLITE_CONSTRAINT_UNIQUE
    return getattr(exc, "sqlstate", None) == "23505"


def _audit_create(actor: str, party_id: int, values: dict[str, Any]) -> None:
    audit.record(
        actor,
        "party.create",
        "party",
        party_id,
        {"kind": values["kind"], "protected": values.get("protected_identity", False)},
    )


async def insert_party(actor: str, values: dict[str, Any], lookups: list[str]) -> tuple[int, bool]:
    """Insert cleaned values in the current transaction: (id, True), or (id of the party
    holding the same number, False) when a UNIQUE index refused the row, e.g. because a
    simultaneous request created it first. ``ON CONFLICT DO NOTHING`` keeps the transaction
    usable on PostgreSQL, where a failed statement would abort it."""
    now = int(time.time())
    row = {**values, "created_at": now, "updated_at": now}
    names = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join("?" for _ in row)
    inserted = await raw.fetch(
        f'INSERT INTO "party" ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING "id"',
        *(raw.sql_value(value) for value in row.values()),
    )
    if inserted:
        party_id = int(inserted[0]["id"])
        _audit_create(actor, party_id, values)
        return party_id, True
    existing = await find_existing(values, lookups)
    if existing is None:  # a UNIQUE index other than the numbers': not ours to hide
        raise Conflict("The party could not be stored; try again")
    return existing, False


async def create_party(actor: str, data: dict[str, Any], *, create_anyway: bool = False) -> int:
    """Insert a party (inside the caller's transaction if there is one); returns its id.

    A number that another party holds is a 409 naming that party; a party without a number
    that looks like existing ones (same name and phone or e-mail) is a 409 listing them,
    unless ``create_anyway``."""
    values, lookups = clean_fields(data)
    async with db.transaction():
        existing = await find_existing(values, lookups)
        if existing is not None:
            raise number_taken(existing)
        if not create_anyway and not has_number(values):
            candidates = await duplicates.candidates(values)
            if candidates:
                raise likely_duplicates(candidates)
        party_id, created = await insert_party(actor, values, lookups)
        if not created:
            raise number_taken(party_id)
    return party_id


async def live_row(party_id: int) -> dict[str, Any]:
    """The party row, NotFound if there is none, Conflict if it was merged into another."""
    row = await raw.fetchrow("SELECT * FROM party WHERE id = ?", party_id)
    if row is None:
        raise NotFound("No party with id {id}", id=party_id)
    if row["merged_into"] is not None:
        raise Conflict(
            "The party {id} was merged into the party {into}; use that one",
            id=party_id,
            into=row["merged_into"],
        )
    return row


def changed_fields(values: dict[str, Any]) -> list[str]:
    """The names of the changed fields for the audit trail (never the number itself)."""
    hidden = ("updated_at", "name_key", "address_key")
    names = [k for k in values if k not in hidden and not k.startswith("id_number")]
    return sorted(names) + (["id_number"] if "id_number_cipher" in values else [])


async def apply_changes(
    actor: str, party_id: int, values: dict[str, Any], details: dict[str, Any] | None = None
) -> None:
    """Write cleaned values to a party with its audit entry (in the current transaction)."""
    values = {**values, "updated_at": int(time.time())}
    async with db.transaction():
        await Party.update(values).where(Party.id == party_id)
        audit.record(
            actor,
            "party.update",
            "party",
            party_id,
            {"fields": changed_fields(values), **(details or {})},
        )


async def update_party(actor: str, party_id: int, data: dict[str, Any]) -> None:
    """Change the given fields of a party; a number another party holds is a 409."""
    row = await live_row(party_id)
    values, lookups = clean_fields({"kind": row["kind"], **data})
    values.pop("kind", None)
    existing = await find_existing(values, lookups, exclude=party_id)
    if existing is not None:
        raise number_taken(existing)
    try:
        async with db.transaction():
            await apply_changes(actor, party_id, values)
            if values.get("protected_identity") and not row["protected_identity"]:
                await protection.protect_open_cases(actor, party_id)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        existing = await find_existing(values, lookups, exclude=party_id)
        raise number_taken(existing or party_id) from exc


async def find_by_id_number(value: str) -> list[int]:
    """Ids of parties with this personnummer/samordningsnummer (any key version)."""
    number, _ = normalise_personal_number(value)
    rows = await Party.select(Party.id).where(
        Party.id_number_index.is_in(fields.blind_indexes(number))
    )
    return [row["id"] for row in rows]


async def get_party(principal: Principal, party_id: int, lang: str = "sv") -> dict[str, Any]:
    """One party as the principal may see it (a merged party too, with ``merged_into``)."""
    row = await raw.fetchrow("SELECT * FROM party WHERE id = ?", party_id)
    if row is None:
        raise NotFound("No party with id {id}", id=party_id)
    return await present(principal, row, lang, full=True)


def _times(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "created_at": iso_utc(row["created_at"]) if row.get("created_at") else None,
        "updated_at": iso_utc(row["updated_at"]) if row.get("updated_at") else None,
        "merged_into": row.get("merged_into"),
        "merged_at": iso_utc(row.get("merged_at")),
    }


async def present(
    principal: Principal, row: dict[str, Any], lang: str, full: bool
) -> dict[str, Any]:
    """A party as the principal may see it; protected details only with the permission.
    Every view of a protected identity's details and every view of a full identity number
    (``full``; lists show it masked) is audited as a read."""
    if row["protected_identity"] and not principal.can("parties.protected"):
        return {
            "id": row["id"],
            "kind": row["kind"],
            "protected_identity": True,
            "name": PROTECTED_NAME.get(lang, PROTECTED_NAME["sv"]),
            "merged_into": row.get("merged_into"),
        }
    number = fields.decrypt(row["id_number_cipher"], ID_CONTEXT) if row["id_number_cipher"] else ""
    result = {
        "id": row["id"],
        "kind": row["kind"],
        "name": row["name"],
        "id_number": number if full else masked(number) if number else "",
        "id_number_kind": row["id_number_kind"],
        "org_number": row["org_number"],
        "email": row["email"],
        "phone": row["phone"],
        "address": row["address"] if full else None,  # lists leave it out
        "preferred_language": row["preferred_language"],
        "preferred_channel": row["preferred_channel"],
        "protected_identity": bool(row["protected_identity"]),
        **_times(row),
    }
    shows_number = full and bool(number)
    if row["protected_identity"] or shows_number:
        details = {"protected_identity": bool(row["protected_identity"]), "full": full}
        if shows_number:
            details["id_number"] = True
        async with db.transaction():
            audit.record_read(principal.username, "party", row["id"], details)
    return result
