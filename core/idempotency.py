"""``Idempotency-Key`` for registrations: a retried request registers nothing new.

A client that may lose the answer to a POST (the desktop client's offline outbox sends a
saved contact again after an outage) sends a key it chose once per contact. The first
request with that key claims it, does the work and stores its answer, all in one write
transaction; a repeat from the same user gets the stored answer back; the same key with a
different body is refused (422). Keys expire after :data:`TTL_SECONDS`.

Concurrency: the claim is ``INSERT … ON CONFLICT DO UPDATE … WHERE expired``. On PostgreSQL
a second transaction with the same key waits on the first one's row until it commits (then
reads its answer) or rolls back (then claims the key itself); on SQLite writing transactions
run one after another. Either way the work is done once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from piccolo.columns import BigInt, Text, Varchar
from piccolo.table import Table

from core import db
from core.db import raw
from core.errors import DomainError, InvalidInput

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
TTL_SECONDS = 24 * 3600
KEY_PATTERN = r"^[!-~]{1,200}$"  # 1-200 printable ASCII characters, as documented in OpenAPI

CLAIM_SQL = (
    "INSERT INTO idempotency_key (user_id, key, request_hash, response, created_at) "
    "VALUES (?, ?, ?, '', ?) ON CONFLICT (user_id, key) DO UPDATE SET "
    "request_hash = excluded.request_hash, response = '', created_at = excluded.created_at "
    "WHERE idempotency_key.created_at < ? RETURNING id"
)
STORED_SQL = "SELECT request_hash, response FROM idempotency_key WHERE user_id = ? AND key = ?"
ANSWER_SQL = "UPDATE idempotency_key SET response = ? WHERE id = ?"
PURGE_SQL = "DELETE FROM idempotency_key WHERE created_at < ?"


class IdempotencyKey(Table, tablename="idempotency_key"):
    """A used key: who sent it, a hash of the request, the stored answer (JSON text)."""

    user_id = BigInt()
    key = Varchar(length=MAX_KEY_LENGTH)
    request_hash = Varchar(length=64)
    response = Text(default="")
    created_at = BigInt(index=True)


class KeyReused(DomainError):
    """The key was already used for a different request."""

    status = 422
    code = "idempotency-key-reused"


def request_hash(body: Any) -> str:
    """SHA-256 of the request's canonical JSON (key order and spacing do not matter)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str) -> str:
    """The key if it is 1–200 printable ASCII characters, else a 400 problem."""
    if not key or len(key) > MAX_KEY_LENGTH or not all(" " < char < "\x7f" for char in key):
        raise InvalidInput(
            "The Idempotency-Key header must be 1 to 200 printable ASCII characters",
            location=("header", HEADER),
        )
    return key


async def run_once(
    user_id: int,
    key: str | None,
    body: Any,
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Run ``work`` (which writes in :func:`core.db.transaction`, joined here) once per
    ``(user, key)``; a repeat with the same body returns the first answer, with another
    body raises :class:`KeyReused`. Without a key, ``work`` simply runs."""
    if key is None:
        return await work()
    check_key(key)
    digest = request_hash(body)
    now = int(time.time())
    async with db.transaction():
        claimed = await raw.fetch(CLAIM_SQL, user_id, key, digest, now, now - TTL_SECONDS)
        if claimed:
            answer = await work()
            await raw.fetch(ANSWER_SQL, json.dumps(answer, ensure_ascii=False), claimed[0]["id"])
            return answer
        stored = await raw.fetchrow(STORED_SQL, user_id, key)
    if stored is None or stored["request_hash"] != digest or not stored["response"]:
        raise KeyReused("This Idempotency-Key was already used for a different request")
    return json.loads(stored["response"])


async def purge_expired(now: int | None = None) -> int:
    """Delete keys older than the time to live; returns how many."""
    cutoff = (now if now is not None else int(time.time())) - TTL_SECONDS
    async with db.transaction():
        gone = await raw.fetch(PURGE_SQL + " RETURNING id", cutoff)
    return len(gone)


def purge_expired_keys() -> int:
    """The worker's periodic task: :func:`purge_expired` on the job loop."""
    from core.jobs import run_async

    return run_async(purge_expired())
