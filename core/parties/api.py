"""HTTP API of parties: find a citizen by personnummer, phone, e-mail or org number."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from core.cases.api import PartyInput, lang_of
from core.parties import service
from core.web.security import principal_of


class PartyChanges(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: str | msgspec.UnsetType = msgspec.UNSET
    id_number: str | msgspec.UnsetType = msgspec.UNSET
    org_number: str | msgspec.UnsetType = msgspec.UNSET
    email: str | msgspec.UnsetType = msgspec.UNSET
    phone: str | msgspec.UnsetType = msgspec.UNSET
    address: str | msgspec.UnsetType = msgspec.UNSET
    preferred_language: str | msgspec.UnsetType = msgspec.UNSET
    preferred_channel: str | msgspec.UnsetType = msgspec.UNSET
    protected_identity: bool | msgspec.UnsetType = msgspec.UNSET


Query = Annotated[str, QueryParameter(max_length=40)]


class PartyController(Controller):
    path = "/api/v1/parties"
    tags = ["parties"]

    @get(
        "/",
        opt={"permission": "parties.read"},
        summary="Find parties by identity number, phone, e-mail or organisation number",
    )
    async def search(
        self,
        request: Request,
        id_number: Query = "",
        phone: Query = "",
        email: Annotated[str, QueryParameter(max_length=254)] = "",
        org_number: Query = "",
    ) -> list[dict[str, Any]]:
        return await service.search(
            principal_of(request),
            id_number=id_number,
            phone=phone,
            email=email,
            org_number=org_number,
            lang=lang_of(request),
        )

    @get("/{party_id:int}", opt={"permission": "parties.read"}, summary="One party")
    async def get_party(self, request: Request, party_id: FromPath[int]) -> dict[str, Any]:
        return await service.get_party(principal_of(request), party_id, lang_of(request))

    @post("/", opt={"permission": "parties.manage"}, summary="Register a party")
    async def create(self, request: Request, data: JSONBody[PartyInput]) -> dict[str, Any]:
        principal = principal_of(request)
        party_id = await service.create_party(principal.username, msgspec.structs.asdict(data))
        return await service.get_party(principal, party_id, lang_of(request))

    @patch("/{party_id:int}", opt={"permission": "parties.manage"}, summary="Change a party")
    async def update(
        self, request: Request, party_id: FromPath[int], data: JSONBody[PartyChanges]
    ) -> dict[str, Any]:
        principal = principal_of(request)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        await service.update_party(principal.username, party_id, changes)
        return await service.get_party(principal, party_id, lang_of(request))
