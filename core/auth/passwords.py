"""Password hashing with Argon2id (memory-hard), via argon2-cffi."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, 64 MiB, t=3, p=4 (RFC 9106 second recommendation)
MIN_LENGTH = 10


@cache
def _dummy_hash() -> str:
    """A hash to check unknown users against, so they take as long as known ones.

    Made on first use, not at import: every ``kontakt`` command would pay for it otherwise.
    """
    return _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    """An Argon2id hash (``$argon2id$…``) with a fresh salt."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True on a match; for unknown users pass ``""`` and a dummy hash is checked (same time)."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
