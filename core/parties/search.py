"""Party search: by name or address (contains, case-insensitive, å ä ö folded in Python),
phone (any national form, compared in E.164), e-mail (case-insensitive), identity number
(exact, through the blind index) and organisation number. Criteria combine with AND.

Pages are ordered by folded name and id and cut with a keyset cursor (:mod:`core.paging`);
the total is counted with the same filters. Merged parties are left out. Users without
``parties.protected`` find a protected identity (shown as "Skyddad identitet", nothing more)
only by what the caller gives them exactly — identity or organisation number, phone, e-mail —
and never when a name or address is part of the search, which would confirm the hidden
details; the filter is part of the query, so a page is full when enough visible parties
exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core import paging
from core.auth.service import Principal
from core.db import raw
from core.errors import InvalidInput
from core.parties import service
from core.parties.normalise import like_pattern
from core.secrets import fields

SCOPE = "parties"


@dataclass(frozen=True)
class Criteria:
    """What to look for; empty strings are not criteria."""

    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    id_number: str = ""
    org_number: str = ""

    def given(self) -> bool:
        return any(v.strip() for v in vars(self).values())


def _filters(principal: Principal, criteria: Criteria) -> tuple[list[str], list[Any]]:
    """WHERE terms and their arguments."""
    terms, args = ["merged_into IS NULL"], []
    exact = fuzzy = False
    if criteria.id_number.strip():
        number, _ = service.normalise_personal_number(criteria.id_number)
        lookups = fields.blind_indexes(number)
        terms.append(f"id_number_index IN ({', '.join('?' for _ in lookups)})")
        args += lookups
        exact = True
    if criteria.org_number.strip():
        terms.append("org_number = ?")
        args.append(service.normalise_org_number(criteria.org_number))
        exact = True
    if criteria.phone.strip():
        terms.append("phone = ?")
        args.append(service.normalise_phone(criteria.phone))
        exact = True
    if criteria.email.strip():
        terms.append("email = ?")
        args.append(criteria.email.strip().lower())
        exact = True
    if criteria.name.strip():
        terms.append("name_key LIKE ? ESCAPE '\\'")
        args.append(like_pattern(criteria.name))
        fuzzy = True
    if criteria.address.strip():
        terms.append("address_key LIKE ? ESCAPE '\\'")
        args.append(like_pattern(criteria.address))
        fuzzy = True
    if (fuzzy or not exact) and not principal.can("parties.protected"):
        terms.append("protected_identity = ?")
        args.append(False)
    return terms, args


async def search(
    principal: Principal,
    criteria: Criteria,
    *,
    cursor: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
    lang: str = "sv",
) -> dict[str, Any]:
    """One page of the parties matching ``criteria`` (at least one is required)."""
    if not criteria.given():
        raise InvalidInput(
            "Give a name, address, phone, e-mail, identity number or organisation number"
        )
    terms, args = _filters(principal, criteria)
    where = " AND ".join(terms)
    total = (await raw.fetchrow(f"SELECT COUNT(*) AS n FROM party WHERE {where}", *args))["n"]
    after = paging.decode_cursor(SCOPE, cursor, (str, int))
    if after:
        where += " AND " + paging.keyset_clause(("name_key", "id"), descending=False)
        args += list(after)
    rows = await raw.fetch(
        f"SELECT * FROM party WHERE {where} ORDER BY name_key, id LIMIT ?", *args, limit + 1
    )
    page, next_cursor = paging.cut(rows, limit, SCOPE, lambda r: (r["name_key"], r["id"]))
    items = [await service.present(principal, row, lang, full=False) for row in page]
    return paging.page(items, next_cursor, int(total))


async def listed(principal: Principal, ids: list[int], lang: str = "sv") -> list[dict[str, Any]]:
    """The parties ``ids`` as a list shows them, in that order; protected identities left
    out for users without ``parties.protected``."""
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    rows = {r["id"]: r for r in await raw.fetch(f"SELECT * FROM party WHERE id IN ({marks})", *ids)}
    visible = principal.can("parties.protected")
    return [
        await service.present(principal, rows[i], lang, full=False)
        for i in ids
        if i in rows and (visible or not rows[i]["protected_identity"])
    ]
