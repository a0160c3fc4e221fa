"""The sample plugin's routes, mounted at ``/api/v1/plugins/kt_sample``."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from core.web.security import principal_of
from kt_sample import CONFIG, service


class NewItem(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ItemController(Controller):
    path = "/items"

    @get("/", opt={"permission": "kt_sample.use"}, summary="The sample plugin's items")
    async def list_items(self) -> list[dict[str, Any]]:
        return await service.list_items(int(CONFIG.get("max_items") or 100))

    @post("/", opt={"permission": "kt_sample.use"}, status_code=201, summary="Add an item")
    async def add_item(self, request: Request, data: JSONBody[NewItem]) -> dict[str, Any]:
        return await service.add_item(principal_of(request).username, data.text)

    @get("/greeting", opt={"permission": "kt_sample.use"}, summary="The configured greeting")
    async def greeting(self) -> dict[str, Any]:
        return {"greeting": CONFIG.get("greeting"), "max_items": CONFIG.get("max_items")}
