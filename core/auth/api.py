"""HTTP API of authentication and user administration."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from core import paging
from core.auth import service
from core.auth.client_address import client_address
from core.auth.throttle import LoginThrottled
from core.contracts import ROLES
from core.i18n import translator
from core.web.problems import PROBLEM_JSON, language_of, problem
from core.web.security import bearer_token, principal_of
from core.web.types import Id, text, text_path

LoginName = text(150)
Username = text(64, min_length=1)
Password = text(service.MAX_PASSWORD_LENGTH)
FullName = text(service.MAX_FULL_NAME)
Email = text(service.MAX_EMAIL)
Extension = text(32)
Language = text(3)
Role = Literal[ROLES]  # the closed list, as an enum in OpenAPI
Roles = Annotated[list[Role], msgspec.Meta(min_length=1, max_length=16)]
Languages = Annotated[list[Language], msgspec.Meta(max_length=8)]
UsernamePath = Annotated[str, text_path(64)]


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    username: LoginName
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
    """A new password; ``current_password`` is required when it is one's own."""

    password: Password
    current_password: Password = ""


class OwnPassword(msgspec.Struct, forbid_unknown_fields=True):
    """Change one's own password, proving the current one."""

    current_password: Password
    password: Password


class PublicUser(msgspec.Struct):
    """A staff account as the API shows it (never its password hash)."""

    id: Id
    username: str
    full_name: str
    email: str
    phone_extension: str
    languages: list[str]
    roles: list[Role]
    active: bool


class Me(PublicUser):
    """The signed-in user and the permissions their roles give."""

    permissions: list[str]


class LoginAnswer(msgspec.Struct):
    """A fresh bearer token, when it expires (ISO 8601 UTC) and whose it is."""

    token: str
    expires_at: str
    user: PublicUser


class BackOffProblem(msgspec.Struct):
    """RFC 9457 problem details of a login back-off (429; the wait is in Retry-After)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str


BACK_OFF = {
    429: ResponseSpec(
        BackOffProblem,
        description="Too many failed logins for the username or from the address; "
        "try again after Retry-After seconds",
        media_type=PROBLEM_JSON,
        generate_examples=False,
    )
}


def throttled(request: Request, exc: LoginThrottled) -> Response:
    """429 problem details with Retry-After for a login back-off."""
    response = problem(request, 429, exc.code, exc.render(translator(language_of(request))))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]
    exception_handlers = {LoginThrottled: throttled}

    @post(
        "/login",
        opt={"public": True},
        status_code=200,
        summary="Sign in, get a bearer token",
        responses=BACK_OFF,
    )
    async def login(self, request: Request, data: JSONBody[LoginBody]) -> LoginAnswer:
        """Check the password and return a bearer token: 401 for a wrong password, an unknown
        or a disabled user alike; 429 with Retry-After after repeated failures for the
        username or from the address (a back-off growing from one second, never a lock)."""
        answer = await service.login(
            request.app.state.settings, data.username, data.password, client_address(request)
        )
        return msgspec.convert(answer, LoginAnswer)

    @put(
        "/password",
        opt={"permission": "session.self"},
        status_code=204,
        summary="Change one's own password (ends one's other sessions)",
        responses=BACK_OFF,
    )
    async def change_password(self, request: Request, data: JSONBody[OwnPassword]) -> None:
        """Change the signed-in user's password; 403 when the current password is wrong."""
        await _own_password(request, data.current_password, data.password)

    @post(
        "/logout",
        opt={"permission": "session.self"},
        status_code=204,
        summary="Revoke the token used for this request",
    )
    async def logout(self, request: Request) -> None:
        """Revoke this request's token; it can never be used again."""
        await service.logout(bearer_token(request), principal_of(request).username)

    @post(
        "/renew",
        opt={"permission": "session.self"},
        status_code=200,
        summary="Swap this request's token for a fresh one before it expires",
    )
    async def renew(self, request: Request) -> LoginAnswer:
        """A new bearer token with a full lifetime; the token used for this request is revoked
        at once. A revoked or expired token answers 401 (sign in again)."""
        principal = principal_of(request)
        answer = await service.renew(
            request.app.state.settings, bearer_token(request), principal.username
        )
        return msgspec.convert(answer, LoginAnswer)

    @get("/me", opt={"permission": "session.self"}, summary="Who am I, what may I do")
    async def me(self, request: Request) -> Me:
        """The signed-in user and the permissions their roles give."""
        principal = principal_of(request)
        user = await service.get_user(principal.username)
        return msgspec.convert({**user, "permissions": sorted(principal.permissions)}, Me)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    exception_handlers = {LoginThrottled: throttled}

    @get("/", opt={"permission": "users.read"}, summary="List staff accounts")
    async def list_users(
        self, cursor: paging.Cursor = None, limit: paging.PageLimit = paging.DEFAULT_LIMIT
    ) -> paging.Page[PublicUser]:
        """One page of the staff accounts, active or not, by username, with their number."""
        found = await service.page_users(cursor, limit)
        return paging.Page(
            items=msgspec.convert(found["items"], list[PublicUser]),
            next_cursor=found["next_cursor"],
            total=found["total"],
        )

    @post("/", opt={"permission": "users.manage"}, summary="Create a staff account")
    async def create_user(self, request: Request, data: JSONBody[NewUser]) -> PublicUser:
        """Create an account (400 on bad input or no role, 409 when the username is taken)."""
        created = await service.create_user(
            principal_of(request).username,
            data.username,
            data.full_name,
            data.password,
            data.roles,
            data.email,
            data.phone_extension,
            data.languages,
        )
        return msgspec.convert(created, PublicUser)

    @get("/{username:str}", opt={"permission": "users.read"}, summary="One staff account")
    async def get_user(self, username: UsernamePath) -> PublicUser:
        """One account (404 if there is none)."""
        return msgspec.convert(await service.get_user(username), PublicUser)

    @patch(
        "/{username:str}",
        opt={"permission": "users.manage"},
        summary="Change a staff account (profile, roles, active)",
    )
    async def update_user(
        self, request: Request, username: UsernamePath, data: JSONBody[UserChanges]
    ) -> PublicUser:
        """Change some fields; disabling an account ends its sessions."""
        changes = msgspec.structs.asdict(data)
        changes = {k: v for k, v in changes.items() if v is not msgspec.UNSET}
        changed = await service.update_user(principal_of(request).username, username, **changes)
        return msgspec.convert(changed, PublicUser)

    @put(
        "/{username:str}/password",
        opt={"permission": "users.manage"},
        status_code=204,
        summary="Reset a user's password (ends their sessions); one's own needs the current one",
        responses=BACK_OFF,
    )
    async def set_password(
        self, request: Request, username: UsernamePath, data: JSONBody[NewPassword]
    ) -> None:
        """An administrator's reset of another user's password, audited as a reset: ends all
        their sessions and any login back-off. For one's own account the current password
        is required (400 without it, 403 when wrong) and this session stays."""
        actor = principal_of(request).username
        if username == actor:
            await _own_password(request, data.current_password, data.password)
        else:
            await service.reset_password(actor, username, data.password)


async def _own_password(request: Request, current: str, password: str) -> None:
    """The signed-in user changes their own password (this request's session stays)."""
    await service.change_own_password(
        request.app.state.settings,
        principal_of(request).username,
        current,
        password,
        bearer_token(request),
        client_address(request),
    )
