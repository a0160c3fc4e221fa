"""Ed25519 signing of audit hashes; the keys live in keyring, never in the database.

Keys are versioned (``audit-signing-key-v1``, ``-v2`` …, current version in
``audit-signing-key-current``) so that rotation keeps old signatures verifiable.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from core.secrets import keystore

CURRENT = "audit-signing-key-current"


def _name(key_id: int) -> str:
    return f"audit-signing-key-v{key_id}"


def ensure_key() -> int:
    """Create the first signing key if there is none; return the current key id."""
    current = keystore.get(CURRENT)
    if current is not None:
        return int(current)
    return rotate()


def rotate() -> int:
    """Make a new signing key the current one; old ones stay for verification."""
    current = int(keystore.get(CURRENT) or 0)
    new_id = current + 1
    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    keystore.put(_name(new_id), base64.b64encode(raw).decode())
    keystore.put(CURRENT, str(new_id))
    forget()
    return new_id


@lru_cache(maxsize=16)
def _private(key_id: int) -> Ed25519PrivateKey:
    raw = base64.b64decode(
        keystore.require(_name(key_id), "run 'kontakt init' or restore the keyring")
    )
    return Ed25519PrivateKey.from_private_bytes(raw)


def current_key_id() -> int:
    return int(keystore.require(CURRENT, "run 'kontakt init' to create the audit signing key"))


def sign(digest_hex: str) -> tuple[str, int]:
    """Sign a chain hash with the current key; returns (signature base64, key id)."""
    key_id = current_key_id()
    signature = _private(key_id).sign(bytes.fromhex(digest_hex))
    return base64.b64encode(signature).decode(), key_id


@lru_cache(maxsize=16)
def public_key(key_id: int) -> Ed25519PublicKey:
    return _private(key_id).public_key()


def has_key(key_id: int | None) -> bool:
    """True when the keyring holds signing key ``key_id`` (so its signatures can be checked)."""
    if not key_id or key_id < 1:
        return False
    return keystore.get(_name(key_id)) is not None


def check(digest_hex: str, signature_b64: str, key_id: int) -> bool:
    """True when the signature over the hash is valid for that key."""
    if not has_key(key_id):
        return False
    try:
        public_key(key_id).verify(base64.b64decode(signature_b64), bytes.fromhex(digest_hex))
    except (InvalidSignature, ValueError, keystore.SecretMissing):
        return False
    return True


def forget() -> None:
    """Drop cached keys (after the keyring was re-configured for another installation)."""
    _private.cache_clear()
    public_key.cache_clear()
