"""Users, login, tokens and lockout (no HTTP here)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from core import audit, db, events
from core.auth import passwords, permissions
from core.auth.tables import AuthToken, User
from core.contracts import ROLES, Event
from core.db import raw
from core.errors import Conflict, InvalidInput, Locked, NotFound, Unauthorized
from core.settings import Settings

log = logging.getLogger(__name__)

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EXTENSION_RE = re.compile(r"^[0-9+*#]{0,32}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
MAX_PASSWORD_LENGTH = 1024
MAX_FULL_NAME = 200
MAX_EMAIL = 254
ADMIN_ROLE = "it_admin"
SESSION_ENDED = "system.session_ended"


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request."""

    user_id: int
    username: str
    full_name: str
    roles: tuple[str, ...]
    permissions: frozenset[str] = field(default_factory=frozenset)
    languages: tuple[str, ...] = ("sv",)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_user(row: dict[str, Any]) -> dict[str, Any]:
    """A user row without its secrets."""
    return {
        "id": row["id"],
        "username": row["username"],
        "full_name": row["full_name"],
        "email": row["email"],
        "phone_extension": row["phone_extension"],
        "languages": list(_json_list(row["languages"])),
        "roles": list(_json_list(row["roles"])),
        "active": bool(row["active"]),
        "locked": int(row["locked_until"] or 0) > time.time(),
    }


def _json_list(value: Any) -> list[str]:
    if isinstance(value, str):
        import json

        value = json.loads(value or "[]")
    return list(value or [])


def _validate_profile(
    roles: list[str] | None,
    email: str | None,
    phone_extension: str | None,
    languages: list[str] | None,
) -> None:
    if roles is not None:
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise InvalidInput("Unknown role(s): {roles}", roles=", ".join(unknown))
    if email and (len(email) > MAX_EMAIL or not EMAIL_RE.match(email)):
        raise InvalidInput("Not a valid e-mail address: {email}", email=email)
    if phone_extension and not EXTENSION_RE.match(phone_extension):
        raise InvalidInput("Not a valid phone extension: {ext}", ext=phone_extension)
    for lang in languages or []:
        if not LANGUAGE_RE.match(lang):
            raise InvalidInput("Not a valid language code: {lang}", lang=lang)


def _check_full_name(full_name: str) -> None:
    if not full_name.strip():
        raise InvalidInput("The full name must not be empty")
    if len(full_name) > MAX_FULL_NAME:
        raise InvalidInput("The full name must have at most {n} characters", n=MAX_FULL_NAME)


def _check_password(password: str) -> None:
    if len(password) < passwords.MIN_LENGTH:
        raise InvalidInput("The password must have at least {n} characters", n=passwords.MIN_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("The password must have at most {n} characters", n=MAX_PASSWORD_LENGTH)


def _sessions_ended(username: str) -> None:
    """After commit: tell this user's open live-event sockets to re-check their token."""

    def send() -> None:
        events.publish(Event(SESSION_ENDED, {"user": username}, users=(username,)))

    db.on_commit(send)


async def _keep_an_admin(username: str, changes: dict[str, Any]) -> None:
    """Refuse to disable or demote the last active IT administrator."""
    demoted = "roles" in changes and ADMIN_ROLE not in changes["roles"]
    if changes.get("active") is not False and not demoted:
        return
    rows = await User.select(User.username, User.roles).where(User.active == True)  # noqa: E712
    admins = {r["username"] for r in rows if ADMIN_ROLE in _json_list(r["roles"])}
    if admins == {username}:
        raise Conflict("At least one active IT administrator must remain")


async def _hash(password: str) -> str:
    return await asyncio.to_thread(passwords.hash_password, password)


async def create_user(
    actor: str,
    username: str,
    full_name: str,
    password: str,
    roles: list[str],
    email: str = "",
    phone_extension: str = "",
    languages: list[str] | None = None,
) -> dict[str, Any]:
    """Create a staff account; the username must be new."""
    if not USERNAME_RE.match(username or ""):
        raise InvalidInput(
            "The username must be 2-64 characters a-z, 0-9, '.', '_' or '-': {username}",
            username=username,
        )
    _check_full_name(full_name)
    _validate_profile(roles, email, phone_extension, languages)
    _check_password(password)
    password_hash = await _hash(password)
    async with db.transaction():
        if await User.exists().where(User.username == username):
            raise Conflict("The username {username} is taken", username=username)
        row = User(
            username=username,
            full_name=full_name.strip(),
            email=email,
            phone_extension=phone_extension,
            languages=languages or ["sv"],
            roles=sorted(set(roles)),
            password_hash=password_hash,
            created_at=int(time.time()),
        )
        await row.save()
        audit.record(
            actor,
            "user.create",
            "user",
            username,
            {"roles": sorted(set(roles)), "full_name": full_name},
        )
    return await get_user(username)


async def get_user(username: str) -> dict[str, Any]:
    row = await User.select().where(User.username == username).first()
    if row is None:
        raise NotFound("No user named {username}", username=username)
    return public_user(row)


async def list_users(include_inactive: bool = True) -> list[dict[str, Any]]:
    query = User.select().order_by(User.username)
    if not include_inactive:
        query = query.where(User.active == True)  # noqa: E712 - Piccolo expression
    return [public_user(row) for row in await query]


async def update_user(actor: str, username: str, **changes: Any) -> dict[str, Any]:
    """Change profile fields, roles or the active flag; revokes tokens when deactivated."""
    allowed = {"full_name", "email", "phone_extension", "languages", "roles", "active"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput("Unknown field(s): {fields}", fields=", ".join(unknown))
    _validate_profile(
        changes.get("roles"),
        changes.get("email"),
        changes.get("phone_extension"),
        changes.get("languages"),
    )
    if "full_name" in changes:
        _check_full_name(str(changes["full_name"]))
    async with db.transaction():
        row = await User.objects().where(User.username == username).first()
        if row is None:
            raise NotFound("No user named {username}", username=username)
        await _keep_an_admin(username, changes)
        before = {key: getattr(row, key) for key in changes}
        for key, value in changes.items():
            setattr(row, key, sorted(set(value)) if key == "roles" else value)
        await row.save()
        if changes.get("active") is False:
            await AuthToken.update({AuthToken.revoked: True}).where(AuthToken.user == row.id)
            _sessions_ended(username)
        audit.record(actor, "user.update", "user", username, {"before": before, "after": changes})
    return await get_user(username)


async def set_password(actor: str, username: str, password: str) -> None:
    """Set a new password, unlock the account and end its sessions."""
    _check_password(password)
    password_hash = await _hash(password)
    async with db.transaction():
        row = await User.objects().where(User.username == username).first()
        if row is None:
            raise NotFound("No user named {username}", username=username)
        row.password_hash = password_hash
        row.failed_logins = 0
        row.locked_until = 0
        await row.save()
        await AuthToken.update({AuthToken.revoked: True}).where(AuthToken.user == row.id)
        audit.record(actor, "user.password", "user", username, {})
        _sessions_ended(username)


async def login(
    settings: Settings, username: str, password: str, client: str = ""
) -> dict[str, Any]:
    """Check the password; return a fresh bearer token. Locks after repeated failures."""
    now = int(time.time())
    row = await User.select().where(User.username == username).first()
    if row is not None and row["active"] and int(row["locked_until"] or 0) > now:
        raise Locked("The account is locked after too many failed logins; try again later")
    ok = await asyncio.to_thread(
        passwords.verify_password, row["password_hash"] if row else "", password
    )
    if row is None or not row["active"] or not ok:
        await _login_failed(settings, row, username, client, now)
        raise Unauthorized("Wrong username or password")
    token = secrets.token_urlsafe(32)
    expires = now + settings.token_ttl_minutes * 60
    async with db.transaction():
        await User.update({User.failed_logins: 0}).where(User.id == row["id"])
        await AuthToken.insert(
            AuthToken(
                token_hash=token_digest(token), user=row["id"], created_at=now, expires_at=expires
            )
        )
        audit.record(username, "auth.login", "user", username, {"client": client})
    return {"token": token, "expires_at": expires, "user": public_user(row)}


async def _login_failed(
    settings: Settings, row: dict[str, Any] | None, username: str, client: str, now: int
) -> None:
    async with db.transaction():
        details: dict[str, Any] = {"client": client}
        if row is not None:
            counted = (
                await User.update({User.failed_logins: User.failed_logins + 1})
                .where(User.id == row["id"])
                .returning(User.failed_logins)
            )
            failures = int(counted[0]["failed_logins"]) if counted else 1
            if failures >= settings.lockout_threshold:
                await User.update(
                    {User.failed_logins: 0, User.locked_until: now + settings.lockout_minutes * 60}
                ).where(User.id == row["id"])
                details["locked_minutes"] = settings.lockout_minutes
            details["failures"] = failures
        audit.record(username[:150] or "-", "auth.login_failed", "user", username[:100], details)


# Every authenticated request runs this: plain SQL, one round trip (see core.db.raw).
AUTHENTICATE_SQL = (
    "SELECT t.expires_at, t.revoked, u.id AS user_id, u.username, u.full_name, u.roles, "
    'u.languages, u.active FROM auth_token t JOIN kc_user u ON u.id = t."user" '
    "WHERE t.token_hash = ?"
)


async def authenticate(token: str) -> Principal | None:
    """The principal for a bearer token, or None if unknown, expired, revoked or inactive."""
    if not token or len(token) > 200:
        return None
    row = await raw.fetchrow(AUTHENTICATE_SQL, token_digest(token))
    if row is None:
        return None
    if row["revoked"] or not row["active"] or row["expires_at"] <= time.time():
        return None
    roles = tuple(_json_list(row["roles"]))
    return Principal(
        user_id=row["user_id"],
        username=row["username"],
        full_name=row["full_name"],
        roles=roles,
        permissions=permissions.for_roles(roles),
        languages=tuple(_json_list(row["languages"])),
    )


async def logout(token: str, actor: str) -> None:
    """Revoke the token so it can never be used again."""
    async with db.transaction():
        await AuthToken.update({AuthToken.revoked: True}).where(
            AuthToken.token_hash == token_digest(token)
        )
        audit.record(actor, "auth.logout", "user", actor, {})
        _sessions_ended(actor)
