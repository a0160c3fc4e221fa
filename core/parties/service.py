"""Parties: validation of identity numbers, encrypted storage, look-up, protected identity.

Personnummer and samordningsnummer are validated with the ``personnummer`` package,
organisationsnummer with ``python-stdnum``, phone numbers normalised to E.164 with
``phonenumbers``. The identity number is stored encrypted (AES-GCM) and found through its
blind index. A party with a protected identity (skyddad identitet) shows no details to users
without ``parties.protected``, and every view of its details is audited.
"""

from __future__ import annotations

import re
import time
from typing import Any

import phonenumbers
from personnummer import personnummer as pnr
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

from core import audit, db
from core.auth.service import Principal
from core.db import raw
from core.errors import InvalidInput, NotFound
from core.parties.tables import Party
from core.secrets import fields

KINDS = ("person", "organisation", "anonymous")
CHANNELS = ("email", "phone", "sms", "letter", "none")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_CONTEXT = "party.id_number"
PROTECTED_NAME = {"sv": "Skyddad identitet", "en": "Protected identity"}

fields.register(fields.EncryptedField(Party, "id_number_cipher", "id_number_index", ID_CONTEXT))


def normalise_personal_number(value: str) -> tuple[str, str]:
    """(12-digit number, 'personnummer' | 'samordningsnummer'), or InvalidInput."""
    try:
        parsed = pnr.Personnummer(value.strip())
    except pnr.PersonnummerException as exc:
        raise InvalidInput(
            "Not a valid personnummer or samordningsnummer: {value}", value=value
        ) from exc
    kind = "samordningsnummer" if parsed.is_coordination_number() else "personnummer"
    return parsed.format(True), kind


def normalise_org_number(value: str) -> str:
    try:
        return orgnr.format(orgnr.validate(value))
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


def masked(number: str) -> str:
    """19900101-0017 -> 19900101-XXXX (for lists)."""
    return f"{number[:8]}-XXXX" if len(number) == 12 else "XXXX"


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise party fields; returns column values."""
    out: dict[str, Any] = {}
    kind = data.get("kind", "person")
    if kind not in KINDS:
        raise InvalidInput("Unknown party kind: {kind}", kind=kind)
    out["kind"] = kind
    if "name" in data:
        out["name"] = str(data["name"]).strip()[:200]
    if data.get("id_number"):
        if kind != "person":
            raise InvalidInput("Only a person has a personnummer")
        number, number_kind = normalise_personal_number(data["id_number"])
        out["id_number_cipher"] = fields.encrypt(number, ID_CONTEXT)
        out["id_number_index"] = fields.blind_index(number)
        out["id_number_kind"] = number_kind
    if data.get("org_number"):
        if kind != "organisation":
            raise InvalidInput("Only an organisation has an organisationsnummer")
        out["org_number"] = normalise_org_number(data["org_number"])
    if data.get("email"):
        if not EMAIL_RE.match(data["email"]):
            raise InvalidInput("Not a valid e-mail address: {email}", email=data["email"])
        out["email"] = data["email"].strip().lower()
    if data.get("phone"):
        out["phone"] = normalise_phone(data["phone"])
    if "address" in data:
        out["address"] = str(data["address"] or "")[:1000]
    if data.get("preferred_language"):
        if data["preferred_language"] not in ("sv", "en") and not re.match(
            r"^[a-z]{2,3}$", data["preferred_language"]
        ):
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
    return out


async def create_party(actor: str, data: dict[str, Any]) -> int:
    """Insert a party (inside the caller's transaction if there is one); returns its id."""
    values = _clean(data)
    now = int(time.time())
    async with db.transaction():
        party_id = await raw.insert("party", {**values, "created_at": now, "updated_at": now})
        audit.record(
            actor,
            "party.create",
            "party",
            party_id,
            {"kind": values["kind"], "protected": values.get("protected_identity", False)},
        )
    return party_id


async def update_party(actor: str, party_id: int, data: dict[str, Any]) -> None:
    row = await Party.select(Party.kind).where(Party.id == party_id).first()
    if row is None:
        raise NotFound("No party with id {id}", id=party_id)
    values = _clean({"kind": row["kind"], **data})
    values.pop("kind", None)
    values["updated_at"] = int(time.time())
    async with db.transaction():
        await Party.update(values).where(Party.id == party_id)
        audit.record(
            actor,
            "party.update",
            "party",
            party_id,
            {
                "fields": sorted(
                    k for k in values if k != "updated_at" and not k.startswith("id_number")
                )
                + (["id_number"] if "id_number_cipher" in values else [])
            },
        )


async def find_by_id_number(value: str) -> list[int]:
    """Ids of parties with this personnummer/samordningsnummer (any key version)."""
    number, _ = normalise_personal_number(value)
    rows = await Party.select(Party.id).where(
        Party.id_number_index.is_in(fields.blind_indexes(number))
    )
    return [row["id"] for row in rows]


async def search(
    principal: Principal,
    *,
    id_number: str = "",
    phone: str = "",
    email: str = "",
    org_number: str = "",
    lang: str = "sv",
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Find parties by identity number, phone, e-mail or organisation number."""
    query = Party.select()
    if id_number:
        number, _ = normalise_personal_number(id_number)
        query = query.where(Party.id_number_index.is_in(fields.blind_indexes(number)))
    elif phone:
        query = query.where(Party.phone == normalise_phone(phone))
    elif email:
        query = query.where(Party.email == email.strip().lower())
    elif org_number:
        query = query.where(Party.org_number == normalise_org_number(org_number))
    else:
        raise InvalidInput("Give an identity number, phone, e-mail or organisation number")
    rows = await query.limit(limit)
    return [await present(principal, row, lang, full=False) for row in rows]


async def get_party(principal: Principal, party_id: int, lang: str = "sv") -> dict[str, Any]:
    row = await Party.select().where(Party.id == party_id).first()
    if row is None:
        raise NotFound("No party with id {id}", id=party_id)
    return await present(principal, row, lang, full=True)


async def present(
    principal: Principal, row: dict[str, Any], lang: str, full: bool
) -> dict[str, Any]:
    """A party as the principal may see it; protected details only with the permission,
    and then the view is audited."""
    if row["protected_identity"] and not principal.can("parties.protected"):
        return {
            "id": row["id"],
            "kind": row["kind"],
            "protected_identity": True,
            "name": PROTECTED_NAME.get(lang, PROTECTED_NAME["sv"]),
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
        "address": row["address"] if full else "",
        "preferred_language": row["preferred_language"],
        "preferred_channel": row["preferred_channel"],
        "protected_identity": bool(row["protected_identity"]),
    }
    if row["protected_identity"]:
        async with db.transaction():
            audit.record_read(
                principal.username, "party", row["id"], {"protected_identity": True, "full": full}
            )
    return result
