"""HTTP API of parties: find a citizen, register one without duplicates, merge two."""

from __future__ import annotations

from typing import Annotated, TypeVar

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.exceptions import ValidationException
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from core import paging
from core.i18n import translator
from core.parties import duplicates as lookalikes
from core.parties import merge as merging
from core.parties import search as finder
from core.parties import service
from core.parties.errors import PartyConflict
from core.parties.schemas import (
    MergeBody,
    MergeResult,
    NewParty,
    PartyChanges,
    PartyPage,
    PartyProblem,
    PartyView,
    view,
)
from core.web.problems import PROBLEM_JSON, problem
from core.web.problems import language_of as lang_of
from core.web.security import principal_of
from core.web.types import IdPath, query_text

ShortQuery = Annotated[str, query_text(40)]
LongQuery = Annotated[str, query_text(254)]
T = TypeVar("T")


def party_conflict(request: Request, exc: PartyConflict) -> Response:
    """A party conflict as problem details with its extension members (the parties' ids)."""
    detail = exc.render(translator(lang_of(request)))
    return problem(request, exc.status, exc.code, detail, **exc.extensions)


def strictly(body: bytes, shape: type[T]) -> T:
    """The JSON body decoded as ``shape`` with JSON's own types, as the document states them.

    Litestar converts bodies leniently (``"true"`` is a boolean, ``"1"`` a number); a body
    value of another JSON type than documented is a 400 naming the field."""
    try:
        return msgspec.json.decode(body, type=shape)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$.")
        field = where.rstrip("`").split(".", 1)[0].split("[", 1)[0]
        error = {"key": field or "data", "message": message, "source": "body"}
        raise ValidationException(extra=[error]) from exc


CONFLICT = {
    409: ResponseSpec(
        PartyProblem,
        description="The number belongs to another party, or look-alikes exist",
        media_type=PROBLEM_JSON,
        generate_examples=False,
    )
}


class PartyController(Controller):
    path = "/api/v1/parties"
    tags = ["parties"]
    exception_handlers = {PartyConflict: party_conflict}

    @get(
        "/",
        opt={"permission": "parties.read"},
        summary="Find parties by name, address, phone, e-mail, identity or organisation number",
        description=(
            "Name and address match anywhere in the text, case-insensitively; phone in any "
            "national form; e-mail case-insensitively; identity and organisation numbers "
            "exactly. Criteria combine with AND; at least one is required. Paged by name "
            "with a keyset cursor. Unless the user may see protected identities, they are "
            "found (as 'Skyddad identitet') only by number, phone or e-mail, never by a "
            "search that includes a name or address."
        ),
    )
    async def search(
        self,
        request: Request,
        name: LongQuery = "",
        address: LongQuery = "",
        phone: ShortQuery = "",
        email: LongQuery = "",
        id_number: ShortQuery = "",
        org_number: ShortQuery = "",
        cursor: paging.Cursor = None,
        limit: paging.PageLimit = paging.DEFAULT_LIMIT,
    ) -> PartyPage:
        criteria = finder.Criteria(
            name=name,
            address=address,
            phone=phone,
            email=email,
            id_number=id_number,
            org_number=org_number,
        )
        found = await finder.search(
            principal_of(request), criteria, cursor=cursor, limit=limit, lang=lang_of(request)
        )
        return PartyPage(
            items=[view(p) for p in found["items"]],
            next_cursor=found["next_cursor"],
            total=found["total"],
        )

    @get("/{party_id:int}", opt={"permission": "parties.read"}, summary="One party")
    async def get_party(self, request: Request, party_id: IdPath) -> PartyView:
        return view(await service.get_party(principal_of(request), party_id, lang_of(request)))

    @post(
        "/",
        opt={"permission": "parties.manage"},
        responses=CONFLICT,
        summary=(
            "Register a party; 409 with existing_party_id when its number exists, 409 with "
            "candidate_party_ids for a look-alike without a number unless create_anyway"
        ),
    )
    async def create(self, request: Request, data: JSONBody[NewParty]) -> PartyView:
        principal = principal_of(request)
        data = strictly(await request.body(), NewParty)
        fields = msgspec.structs.asdict(data)
        create_anyway = fields.pop("create_anyway")
        party_id = await service.create_party(
            principal.username, fields, create_anyway=create_anyway
        )
        return view(await service.get_party(principal, party_id, lang_of(request)))

    @patch(
        "/{party_id:int}",
        opt={"permission": "parties.manage"},
        responses=CONFLICT,
        summary="Change a party; 409 with existing_party_id when the new number is taken",
    )
    async def update(
        self, request: Request, party_id: IdPath, data: JSONBody[PartyChanges]
    ) -> PartyView:
        principal = principal_of(request)
        data = strictly(await request.body(), PartyChanges)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        await service.update_party(principal.username, party_id, changes)
        return view(await service.get_party(principal, party_id, lang_of(request)))

    @get(
        "/{party_id:int}/duplicates",
        opt={"permission": "parties.read"},
        summary="Likely duplicates: parties with the same name and phone or e-mail",
    )
    async def duplicates(self, request: Request, party_id: IdPath) -> PartyPage:
        principal = principal_of(request)
        row = await service.live_row(party_id)
        ids = await lookalikes.of_party(row)
        items = [view(p) for p in await finder.listed(principal, ids, lang_of(request))]
        return PartyPage(items=items, total=len(items))

    @post(
        "/{party_id:int}/merge",
        opt={"permission": "parties.merge"},
        status_code=200,
        summary=(
            "Merge this party into another (into): contacts and cases move to it; "
            "409 for different identity numbers; audited"
        ),
    )
    async def merge(
        self, request: Request, party_id: IdPath, data: JSONBody[MergeBody]
    ) -> MergeResult:
        principal = principal_of(request)
        data = strictly(await request.body(), MergeBody)
        done = await merging.merge(principal.username, party_id, data.into, data.reason)
        survivor = await service.get_party(principal, done.survivor, lang_of(request))
        return MergeResult(
            party=view(survivor),
            merged_party_id=done.merged,
            contacts_moved=done.contacts,
            cases_moved=done.cases,
        )
