"""Login back-off per username and per client address, shared by every API process.

After ``lockout_threshold`` failed logins of one username (``ADDRESS_FACTOR`` times as many
from one address) each further failure makes the next attempt wait twice as long, from one
second up to ``lockout_minutes``; attempts inside the wait are refused with 429 before any
password is checked. Nothing locks an account for good: once the wait has passed the right
password signs in, and that clears the username's counter. A counter is forgotten after
``lockout_minutes`` without failures. Unknown usernames are counted like real ones, so the
answers tell nothing about which names exist.

The counters are rows of ``login_throttle`` written with an upsert in the failure's
transaction, so several API processes (SQLite or PostgreSQL) count together.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from core import audit
from core.db import raw
from core.errors import TooManyRequests
from core.settings import Settings

USER = "user:"
ADDRESS = "addr:"
ADDRESS_FACTOR = 4
FIRST_DELAY_S = 1
KEEP_S = 24 * 3600
MAX_SUBJECT = 200

COUNT_SQL = (
    "INSERT INTO login_throttle (subject, failures, last_failure, blocked_until) "
    "VALUES (?, 1, ?, 0) ON CONFLICT (subject) DO UPDATE SET failures = CASE "
    "WHEN login_throttle.last_failure < ? THEN 1 ELSE login_throttle.failures + 1 END, "
    "last_failure = excluded.last_failure RETURNING failures"
)
BLOCK_SQL = "UPDATE login_throttle SET blocked_until = ? WHERE subject = ?"
BLOCKED_SQL = "SELECT MAX(blocked_until) AS until FROM login_throttle WHERE subject IN (?, ?)"
CLEAR_SQL = "DELETE FROM login_throttle WHERE subject = ?"
PURGE_SQL = "DELETE FROM login_throttle WHERE last_failure < ? AND blocked_until < ?"


class LoginThrottled(TooManyRequests):
    """Too many failed logins for this username or address; wait ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Too many failed logins; try again in {seconds} seconds", seconds=retry_after
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Subjects:
    """The two counters one login attempt is measured against."""

    user: str
    address: str

    @classmethod
    def of(cls, username: str, client: str) -> Subjects:
        return cls(
            (USER + username.strip().lower())[:MAX_SUBJECT],
            (ADDRESS + (client or "unknown"))[:MAX_SUBJECT],
        )


def delay(failures: int, threshold: int, cap_s: int) -> int:
    """Seconds to wait after ``failures`` failures: 0 below ``threshold``, then 1, 2, 4 … up
    to ``cap_s``."""
    if failures < threshold:
        return 0
    exponent = min(failures - threshold, 30)
    return max(1, min(cap_s, FIRST_DELAY_S * 2**exponent))


async def check(subjects: Subjects, now: float) -> None:
    """Raise :class:`LoginThrottled` while either counter is in its back-off."""
    row = await raw.fetchrow(BLOCKED_SQL, subjects.user, subjects.address)
    until = int((row or {}).get("until") or 0)
    if until > now:
        raise LoginThrottled(max(1, math.ceil(until - now)))


async def count_failure(settings: Settings, subjects: Subjects, actor: str) -> int:
    """Count one failure on both counters (inside a transaction); start a back-off where one
    reaches its threshold, audited as ``auth.login_backoff``. Returns the username's count.

    The wait runs from now (after the password check), rounded up to whole seconds."""
    moment = time.time()
    now = int(moment)
    window = settings.lockout_minutes * 60
    cap = max(1, window)
    await raw.fetch(PURGE_SQL, now - KEEP_S, now)
    user_failures = 0
    for subject, threshold in (
        (subjects.user, settings.lockout_threshold),
        (subjects.address, settings.lockout_threshold * ADDRESS_FACTOR),
    ):
        rows = await raw.fetch(COUNT_SQL, subject, now, now - window)
        failures = int(rows[0]["failures"])
        if subject == subjects.user:
            user_failures = failures
        wait = delay(failures, max(1, threshold), cap)
        if wait:
            await raw.fetch(BLOCK_SQL, math.ceil(moment + wait), subject)
            audit.record(
                actor,
                "auth.login_backoff",
                "login",
                subject[:100],  # the audit's object id holds 100 characters
                {"failures": failures, "seconds": wait, "subject": subject},
            )
    return user_failures


async def clear_user(username: str) -> None:
    """Forget the username's failures (after a good login or a password reset; inside a
    transaction). The address counter is kept: one good account must not wipe it."""
    await raw.fetch(CLEAR_SQL, Subjects.of(username, "").user)
