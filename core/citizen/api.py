"""Open311 API keys: create (the key is shown once, stored only as SHA-256), list, revoke."""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, JSONBody

from core import audit, db
from core.citizen.open311 import key_hash
from core.citizen.tables import ApiClient
from core.errors import Conflict, InvalidInput, NotFound
from core.web.security import principal_of

KEY_PREFIX = "kc311_"


class ApiClientBody(msgspec.Struct, forbid_unknown_fields=True):
    """A new Open311 client: a name saying who uses the key."""

    name: Annotated[str, msgspec.Meta(max_length=200)]


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "active": bool(row["active"]),
        "created_at": row["created_at"],
    }


async def create_client(actor: str, name: str) -> dict[str, Any]:
    """A new client with a fresh key; the key is in the result and nowhere else."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Name the Open311 client")
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = int(time.time())
    async with db.transaction():
        rows = await ApiClient.insert(
            ApiClient(name=name, key_hash=key_hash(api_key), active=True, created_at=now)
        ).returning(ApiClient.id)
        client_id = rows[0]["id"]
        audit.record(actor, "open311_client.create", "api_client", client_id, {"name": name})
    return {"id": client_id, "name": name, "active": True, "created_at": now, "api_key": api_key}


async def list_clients() -> list[dict[str, Any]]:
    return [_view(r) for r in await ApiClient.select().order_by(ApiClient.id)]


async def revoke_client(actor: str, client_id: int) -> dict[str, Any]:
    """Revoke a key: requests with it are refused (403) from now on."""
    async with db.transaction():
        row = await ApiClient.select().where(ApiClient.id == client_id).first()
        if row is None:
            raise NotFound("No Open311 client with id {id}", id=client_id)
        if not row["active"]:
            raise Conflict("The Open311 client {id} is already revoked", id=client_id)
        await ApiClient.update({ApiClient.active: False}).where(ApiClient.id == client_id)
        audit.record(actor, "open311_client.revoke", "api_client", client_id, {"name": row["name"]})
    return _view({**row, "active": False})


class Open311ClientController(Controller):
    path = "/api/v1/open311/clients"
    tags = ["open311"]

    @post("/", opt={"permission": "open311.manage"}, summary="Create an Open311 API key")
    async def create(self, request: Request, data: JSONBody[ApiClientBody]) -> dict[str, Any]:
        return await create_client(principal_of(request).username, data.name)

    @get("/", opt={"permission": "open311.manage"}, summary="List Open311 clients")
    async def list_all(self) -> list[dict[str, Any]]:
        return await list_clients()

    @delete(
        "/{client_id:int}",
        opt={"permission": "open311.manage"},
        status_code=204,
        summary="Revoke an Open311 API key",
    )
    async def remove(self, request: Request, client_id: FromPath[int]) -> None:
        await revoke_client(principal_of(request).username, client_id)

    @post(
        "/{client_id:int}/revoke",
        opt={"permission": "open311.manage"},
        status_code=200,
        summary="Revoke an Open311 API key",
    )
    async def revoke(self, request: Request, client_id: FromPath[int]) -> dict[str, Any]:
        return await revoke_client(principal_of(request).username, client_id)


ROUTES = [Open311ClientController]
