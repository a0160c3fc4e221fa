"""Users, their login tokens and the login back-off counters."""

from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, Varchar
from piccolo.columns.column_types import OnDelete
from piccolo.table import Table


class User(Table, tablename="kc_user"):
    """A member of staff; roles is a JSON list of role names."""

    username = Varchar(length=64, unique=True, index=True)
    full_name = Varchar(length=200)
    email = Varchar(length=254, default="")
    phone_extension = Varchar(length=32, default="")
    languages = JSON(default=["sv"])
    roles = JSON(default=[])
    active = Boolean(default=True)
    password_hash = Varchar(length=255, default="")
    failed_logins = Integer(default=0)
    locked_until = BigInt(default=0)  # unix seconds; 0 = not locked
    created_at = BigInt(default=0)


class AuthToken(Table, tablename="auth_token"):
    """A bearer token, stored only as its SHA-256."""

    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    created_at = BigInt()
    expires_at = BigInt()
    revoked = Boolean(default=False)


class LoginThrottle(Table, tablename="login_throttle"):
    """Failed logins of one username (``user:<name>``) or client address (``addr:<ip>``).

    Written by core/auth/throttle.py with plain SQL (an upsert, so several API processes
    count together); created by migration 2026-12-02T03:00:00.
    """

    subject = Varchar(length=200, unique=True)
    failures = Integer(default=0)
    last_failure = BigInt(default=0, index=True)
    blocked_until = BigInt(default=0)  # unix seconds; attempts before it are refused (429)
