"""Kiosk devices: paired by the administrator, each with its own revocable token.

The token is shown once at pairing; only its SHA-256 is stored. It is accepted by the kiosk
endpoints alone (:func:`authenticate`), never by the core's authentication, so a stolen kiosk
token can register and sign out visits and search hosts, nothing else. Each kiosk has its own
rate limits (per minute, counted through :mod:`core.ratelimit`, so every worker process of the
installation shares the count when Redis is configured) on check-ins and on host searches.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from core import audit, db, ratelimit
from core.db import raw
from core.errors import NotFound, TooManyRequests, Unauthorized
from plugins.visitor_reception import runtime

TOKEN_PREFIX = "kiosk_"
KIOSK_SQL = (
    "SELECT id, name, location, created_by, created_at, revoked_at, last_seen_at FROM visitor_kiosk"
)
WINDOW_S = 60
LIMIT_SETTINGS = {"checkin": "kiosk_checkins_per_minute", "search": "kiosk_searches_per_minute"}
RATE_KEY = "visitor_kiosk"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def pair(actor: str, name: str, location: str) -> dict[str, Any]:
    """Pair a new kiosk; returns it with its token (the only time the token is shown)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = int(time.time())
    async with db.transaction():
        kiosk_id = await raw.insert(
            "visitor_kiosk",
            {
                "name": name,
                "location": location,
                "token_hash": token_hash(token),
                "created_by": actor,
                "created_at": now,
            },
        )
        audit.record(actor, "reception.kiosk_paired", "visitor_kiosk", kiosk_id, {"name": name})
    kiosk = await get(kiosk_id)
    return {**kiosk, "token": token}


async def get(kiosk_id: int) -> dict[str, Any]:
    """One kiosk (without its token); NotFound when there is none."""
    row = await raw.fetchrow(KIOSK_SQL + " WHERE id = ?", kiosk_id)
    if row is None:
        raise NotFound("No kiosk with id {id}", id=kiosk_id)
    return row


async def list_all() -> list[dict[str, Any]]:
    """Every kiosk, revoked ones too (newest first)."""
    return await raw.fetch(KIOSK_SQL + " ORDER BY id DESC")


async def revoke(actor: str, kiosk_id: int) -> dict[str, Any]:
    """Revoke a kiosk's token at once (idempotent); the kiosk stays listed."""
    async with db.transaction():
        row = await raw.fetchrow("SELECT id, revoked_at FROM visitor_kiosk WHERE id = ?", kiosk_id)
        if row is None:
            raise NotFound("No kiosk with id {id}", id=kiosk_id)
        if row["revoked_at"] is None:
            await raw.fetch(
                "UPDATE visitor_kiosk SET revoked_at = ? WHERE id = ?", int(time.time()), kiosk_id
            )
            audit.record(actor, "reception.kiosk_revoked", "visitor_kiosk", kiosk_id)
    return await get(kiosk_id)


async def authenticate(authorization: str) -> dict[str, Any]:
    """The kiosk of an ``Authorization: Bearer kiosk_…`` header; 401 for anything else."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise Unauthorized("The kiosk token is missing or wrong")
    row = await raw.fetchrow(
        "SELECT id, name, location FROM visitor_kiosk WHERE token_hash = ? AND revoked_at IS NULL",
        token_hash(token),
    )
    if row is None:
        raise Unauthorized("The kiosk token is missing or wrong")
    return row


def limit(kiosk_id: int, kind: str) -> None:
    """Count one ``kind`` request (``checkin`` or ``search``) of a kiosk; 429 above its limit."""
    allowed = int(runtime.setting(LIMIT_SETTINGS[kind]))
    if not ratelimit.hit(f"{RATE_KEY}:{kiosk_id}:{kind}", allowed, WINDOW_S):
        raise TooManyRequests("Too many requests from this kiosk; wait a minute")


def reset_limits() -> None:
    """Forget every kiosk's counts (tests, and when the settings change)."""
    ratelimit.reset(RATE_KEY + ":")
