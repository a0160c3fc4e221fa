"""HTTP API of authentication and user administration."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.params import Parameter

from core.auth import service
from core.web.security import bearer_token, principal_of


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    username: str = msgspec.field()
    password: str = msgspec.field()


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    full_name: str
    password: str
    roles: list[str]
    email: str = ""
    phone_extension: str = ""
    languages: list[str] = msgspec.field(default_factory=lambda: ["sv"])


class UserChanges(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    full_name: str | msgspec.UnsetType = msgspec.UNSET
    email: str | msgspec.UnsetType = msgspec.UNSET
    phone_extension: str | msgspec.UnsetType = msgspec.UNSET
    languages: list[str] | msgspec.UnsetType = msgspec.UNSET
    roles: list[str] | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class NewPassword(msgspec.Struct, forbid_unknown_fields=True):
    password: str


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", opt={"public": True}, status_code=200, summary="Sign in, get a bearer token")
    async def login(self, request: Request, data: LoginBody) -> dict[str, Any]:
        return await service.login(
            request.app.state.settings, data.username, data.password, _client(request)
        )

    @post(
        "/logout",
        opt={"permission": "session.self"},
        status_code=204,
        summary="Revoke the token used for this request",
    )
    async def logout(self, request: Request) -> None:
        await service.logout(bearer_token(request), principal_of(request).username)

    @get("/me", opt={"permission": "session.self"}, summary="Who am I, what may I do")
    async def me(self, request: Request) -> dict[str, Any]:
        principal = principal_of(request)
        user = await service.get_user(principal.username)
        return {**user, "permissions": sorted(principal.permissions)}


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get("/", opt={"permission": "users.read"}, summary="List staff accounts")
    async def list_users(self) -> list[dict[str, Any]]:
        return await service.list_users()

    @post("/", opt={"permission": "users.manage"}, summary="Create a staff account")
    async def create_user(self, request: Request, data: NewUser) -> dict[str, Any]:
        return await service.create_user(
            principal_of(request).username,
            data.username,
            data.full_name,
            data.password,
            data.roles,
            data.email,
            data.phone_extension,
            data.languages,
        )

    @get("/{username:str}", opt={"permission": "users.read"}, summary="One staff account")
    async def get_user(self, username: str = Parameter(max_length=64)) -> dict[str, Any]:
        return await service.get_user(username)

    @patch(
        "/{username:str}",
        opt={"permission": "users.manage"},
        summary="Change a staff account (profile, roles, active)",
    )
    async def update_user(
        self, request: Request, username: str, data: UserChanges
    ) -> dict[str, Any]:
        changes = msgspec.structs.asdict(data)
        changes = {k: v for k, v in changes.items() if v is not msgspec.UNSET}
        return await service.update_user(principal_of(request).username, username, **changes)

    @put(
        "/{username:str}/password",
        opt={"permission": "users.manage"},
        status_code=204,
        summary="Set a new password (ends the user's sessions)",
    )
    async def set_password(self, request: Request, username: str, data: NewPassword) -> None:
        await service.set_password(principal_of(request).username, username, data.password)
