"""Open311 API keys: create (the key is shown once, stored only as SHA-256), list, revoke."""

from __future__ import annotations

import secrets
import time
from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody

from core import audit, db
from core.citizen.open311 import key_hash
from core.citizen.tables import ApiClient
from core.clock import iso_utc
from core.errors import Conflict, InvalidInput, NotFound
from core.web.security import principal_of
from core.web.types import IdPath, text

KEY_PREFIX = "kc311_"


class ApiClientBody(msgspec.Struct, forbid_unknown_fields=True):
    """A new Open311 client: a name saying who uses the key."""

    name: text(200)


class ApiClientView(msgspec.Struct):
    """An Open311 client as the API shows it; ``created_at`` is ISO 8601 UTC."""

    id: int
    name: str
    active: bool
    created_at: str


class NewApiClient(ApiClientView):
    """A new client with its key, shown this once and stored only as a SHA-256."""

    api_key: str


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "active": bool(row["active"]),
        "created_at": iso_utc(row["created_at"]),
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
    view = _view({"id": client_id, "name": name, "active": True, "created_at": now})
    return {**view, "api_key": api_key}


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
    async def create(self, request: Request, data: JSONBody[ApiClientBody]) -> NewApiClient:
        """A new key (400 for an empty name); the key is in this answer and nowhere else."""
        created = await create_client(principal_of(request).username, data.name)
        return msgspec.convert(created, NewApiClient)

    @get("/", opt={"permission": "open311.manage"}, summary="List Open311 clients")
    async def list_all(self) -> list[ApiClientView]:
        """Every client, revoked ones too, by id."""
        return msgspec.convert(await list_clients(), list[ApiClientView])

    @delete(
        "/{client_id:int}",
        opt={"permission": "open311.manage"},
        status_code=204,
        summary="Revoke an Open311 API key",
    )
    async def remove(self, request: Request, client_id: IdPath) -> None:
        """Revoke a key (404 unknown, 409 already revoked)."""
        await revoke_client(principal_of(request).username, client_id)

    @post(
        "/{client_id:int}/revoke",
        opt={"permission": "open311.manage"},
        status_code=200,
        summary="Revoke an Open311 API key",
    )
    async def revoke(self, request: Request, client_id: IdPath) -> ApiClientView:
        """Revoke a key and show the client (404 unknown, 409 already revoked)."""
        revoked = await revoke_client(principal_of(request).username, client_id)
        return msgspec.convert(revoked, ApiClientView)


ROUTES = [Open311ClientController]
