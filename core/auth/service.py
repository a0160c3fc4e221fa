"""Users, login, tokens and password changes (no HTTP here); login back-off in throttle.py."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core import audit, db, events, paging
from core.auth import passwords, permissions, throttle
from core.auth.tables import AuthToken, User
from core.clock import iso_utc
from core.contracts import ROLES, Event
from core.db import raw
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
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
        "languages": list(raw.json_list(row["languages"])),
        "roles": list(raw.json_list(row["roles"])),
        "active": bool(row["active"]),
    }


def _validate_profile(
    roles: list[str] | None,
    email: str | None,
    phone_extension: str | None,
    languages: list[str] | None,
) -> None:
    if roles is not None:
        if not roles:
            raise InvalidInput("Give the user at least one role")
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
    admins = {r["username"] for r in rows if ADMIN_ROLE in raw.json_list(r["roles"])}
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


async def full_names(usernames: Iterable[str]) -> dict[str, str]:
    """The full name of each of ``usernames`` that is a user (username -> name), one query."""
    wanted = sorted({name for name in usernames if name})
    if not wanted:
        return {}
    rows = await raw.fetch(
        f"SELECT username, full_name FROM kc_user WHERE username IN ({raw.marks(wanted)})",
        *wanted,
    )
    return {row["username"]: row["full_name"] for row in rows}


async def list_users(include_inactive: bool = True) -> list[dict[str, Any]]:
    query = User.select().order_by(User.username)
    if not include_inactive:
        query = query.where(User.active == True)  # noqa: E712 - Piccolo expression
    return [public_user(row) for row in await query]


async def page_users(
    cursor: str | None = None, limit: int = paging.DEFAULT_LIMIT
) -> dict[str, Any]:
    """One page of the staff accounts, active or not, by username (keyset on username, id),
    with the number of accounts."""
    keys = (("username", str), ("id", int))
    rows, next_cursor = await paging.select_page(User, User.select(), "users", keys, cursor, limit)
    return paging.page([public_user(row) for row in rows], next_cursor, await User.count())


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


async def _store_password(
    actor: str, username: str, password: str, action: str, keep_token: str = ""
) -> None:
    """Store a new password hash and end the user's sessions (all but ``keep_token``)."""
    _check_password(password)
    password_hash = await _hash(password)
    async with db.transaction():
        row = await User.objects().where(User.username == username).first()
        if row is None:
            raise NotFound("No user named {username}", username=username)
        row.password_hash = password_hash
        await row.save()
        ended = AuthToken.user == row.id
        if keep_token:
            ended &= AuthToken.token_hash != token_digest(keep_token)
        await AuthToken.update({AuthToken.revoked: True}).where(ended)
        await throttle.clear_user(username)
        audit.record(actor, action, "user", username, {"kept_session": bool(keep_token)})
        _sessions_ended(username)


async def reset_password(actor: str, username: str, password: str) -> None:
    """An administrator sets another user's password (no current password needed): audited
    as ``user.password_reset``; ends all the user's sessions and any login back-off."""
    await _store_password(actor, username, password, "user.password_reset")


async def change_own_password(
    settings: Settings, username: str, current: str, password: str, token: str, client: str = ""
) -> None:
    """A user changes their own password, proving the current one (403 when it is wrong,
    counted like a failed login); every other session of theirs ends, ``token``'s stays."""
    if not current:
        raise InvalidInput("Give your current password to change it")
    _check_password(password)
    subjects = throttle.Subjects.of(username, client)
    await throttle.check(subjects, time.time())
    row = await User.select(User.password_hash).where(User.username == username).first()
    stored = row["password_hash"] if row else ""
    if not await asyncio.to_thread(passwords.verify_password, stored, current):
        async with db.transaction():
            failures = await throttle.count_failure(settings, subjects, username)
            audit.record(
                username,
                "user.password_change_refused",
                "user",
                username,
                {"client": client, "failures": failures},
            )
        raise Forbidden("The current password is wrong")
    await _store_password(username, username, password, "user.password", keep_token=token)


async def login(
    settings: Settings, username: str, password: str, client: str = ""
) -> dict[str, Any]:
    """Check the password; return a fresh bearer token.

    Unknown, disabled and wrong all answer the same 401 after the same Argon2 work; repeated
    failures per username or address are slowed down (429, see :mod:`core.auth.throttle`).
    """
    now = int(time.time())
    subjects = throttle.Subjects.of(username, client)
    await throttle.check(subjects, time.time())
    row = await User.select().where(User.username == username).first()
    ok = await asyncio.to_thread(
        passwords.verify_password, row["password_hash"] if row else "", password
    )
    if row is None or not row["active"] or not ok:
        await _login_failed(settings, subjects, username, client)
        raise Unauthorized("Wrong username or password")
    token = secrets.token_urlsafe(32)
    expires = now + settings.token_ttl_minutes * 60
    async with db.transaction():
        await throttle.clear_user(username)
        await AuthToken.insert(
            AuthToken(
                token_hash=token_digest(token), user=row["id"], created_at=now, expires_at=expires
            )
        )
        audit.record(username, "auth.login", "user", username, {"client": client})
    return {"token": token, "expires_at": iso_utc(expires), "user": public_user(row)}


async def renew(settings: Settings, token: str, username: str) -> dict[str, Any]:
    """Swap a valid bearer token for a fresh one (a full lifetime) and revoke the old one.

    No password is needed: the caller already proved the session. The old token is revoked
    in the same transaction, only if it still is valid, so two renewals of one token give one
    new token (the other answers 401).
    """
    now = int(time.time())
    fresh = secrets.token_urlsafe(32)
    expires = now + settings.token_ttl_minutes * 60
    async with db.transaction():
        rows = await raw.fetch(
            "UPDATE auth_token SET revoked = ? WHERE token_hash = ? AND revoked = ? "
            'AND expires_at > ? RETURNING "user"',
            True,
            token_digest(token),
            False,
            now,
        )
        if not rows:
            raise Unauthorized("The session has ended; sign in again")
        await AuthToken.insert(
            AuthToken(
                token_hash=token_digest(fresh),
                user=rows[0]["user"],
                created_at=now,
                expires_at=expires,
            )
        )
        audit.record(username, "auth.renew", "user", username, {})
    row = await User.select().where(User.username == username).first()
    return {"token": fresh, "expires_at": iso_utc(expires), "user": public_user(row)}


async def _login_failed(
    settings: Settings, subjects: throttle.Subjects, username: str, client: str
) -> None:
    actor = username[:150] or "-"
    async with db.transaction():
        failures = await throttle.count_failure(settings, subjects, actor)
        details = {"client": client, "failures": failures}
        audit.record(actor, "auth.login_failed", "user", username[:100], details)


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
    roles = tuple(raw.json_list(row["roles"]))
    return Principal(
        user_id=row["user_id"],
        username=row["username"],
        full_name=row["full_name"],
        roles=roles,
        permissions=permissions.for_roles(roles),
        languages=tuple(raw.json_list(row["languages"])),
    )


async def logout(token: str, actor: str) -> None:
    """Revoke the token so it can never be used again."""
    async with db.transaction():
        await AuthToken.update({AuthToken.revoked: True}).where(
            AuthToken.token_hash == token_digest(token)
        )
        audit.record(actor, "auth.logout", "user", actor, {})
        _sessions_ended(actor)
