"""HTTP API of authentication and user administration."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.params import JSONBody, PathParameter

from core.auth import service
from core.web.security import bearer_token, principal_of

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(max_length=service.MAX_PASSWORD_LENGTH)]
FullName = Annotated[str, msgspec.Meta(max_length=200)]
Email = Annotated[str, msgspec.Meta(max_length=254)]
Extension = Annotated[str, msgspec.Meta(max_length=32)]
Language = Annotated[str, msgspec.Meta(max_length=3)]
Role = Annotated[str, msgspec.Meta(max_length=32)]
Roles = Annotated[list[Role], msgspec.Meta(max_length=16)]
Languages = Annotated[list[Language], msgspec.Meta(max_length=8)]
UsernamePath = Annotated[str, PathParameter(min_length=1, max_length=64)]


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(max_length=150)]
    password: Password


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    full_name: FullName
    password: Password
    roles: Roles
    email: Email = ""
    phone_extension: Extension = ""
    languages: Languages = msgspec.field(default_factory=lambda: ["sv"])


class UserChanges(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    full_name: FullName | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    phone_extension: Extension | msgspec.UnsetType = msgspec.UNSET
    languages: Languages | msgspec.UnsetType = msgspec.UNSET
    roles: Roles | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class NewPassword(msgspec.Struct, forbid_unknown_fields=True):
    password: Password


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", opt={"public": True}, status_code=200, summary="Sign in, get a bearer token")
    async def login(self, request: Request, data: JSONBody[LoginBody]) -> dict[str, Any]:
        """Check the password and return a bearer token (401 on a wrong one, 423 when locked)."""
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
        """Revoke this request's token; it can never be used again."""
        await service.logout(bearer_token(request), principal_of(request).username)

    @get("/me", opt={"permission": "session.self"}, summary="Who am I, what may I do")
    async def me(self, request: Request) -> dict[str, Any]:
        """The signed-in user and the permissions their roles give."""
        principal = principal_of(request)
        user = await service.get_user(principal.username)
        return {**user, "permissions": sorted(principal.permissions)}


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get("/", opt={"permission": "users.read"}, summary="List staff accounts")
    async def list_users(self) -> list[dict[str, Any]]:
        """Every staff account, active or not, by username."""
        return await service.list_users()

    @post("/", opt={"permission": "users.manage"}, summary="Create a staff account")
    async def create_user(self, request: Request, data: JSONBody[NewUser]) -> dict[str, Any]:
        """Create an account (400 on bad input, 409 when the username is taken)."""
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
    async def get_user(self, username: UsernamePath) -> dict[str, Any]:
        """One account (404 if there is none)."""
        return await service.get_user(username)

    @patch(
        "/{username:str}",
        opt={"permission": "users.manage"},
        summary="Change a staff account (profile, roles, active)",
    )
    async def update_user(
        self, request: Request, username: UsernamePath, data: JSONBody[UserChanges]
    ) -> dict[str, Any]:
        """Change some fields; disabling an account ends its sessions."""
        changes = msgspec.structs.asdict(data)
        changes = {k: v for k, v in changes.items() if v is not msgspec.UNSET}
        return await service.update_user(principal_of(request).username, username, **changes)

    @put(
        "/{username:str}/password",
        opt={"permission": "users.manage"},
        status_code=204,
        summary="Set a new password (ends the user's sessions)",
    )
    async def set_password(
        self, request: Request, username: UsernamePath, data: JSONBody[NewPassword]
    ) -> None:
        """Set a new password; also unlocks the account and ends its sessions."""
        await service.set_password(principal_of(request).username, username, data.password)
