"""Field encryption (AES-256-GCM) with a blind index (HMAC-SHA256) for look-ups.

Personal identity numbers are stored as ``encrypt(value)`` and found through
``blind_index(value)``: equal plaintexts give equal indexes, but the index reveals nothing
without the index key. Keys live in keyring and are versioned; a ciphertext starts with the
version of the key that made it (``v1:…``), so ``kontakt keys rotate`` can introduce a new key
and re-encrypt at leisure while old ciphertexts stay readable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as _random
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.secrets import keystore

FIELD_CURRENT = "field-key-current"
INDEX_CURRENT = "index-key-current"


class DecryptionError(ValueError):
    """A ciphertext could not be decrypted (wrong key, tampered value, or not ours)."""


def _field_name(version: int) -> str:
    return f"field-key-v{version}"


def _index_name(version: int) -> str:
    return f"index-key-v{version}"


def _new_key(name_of, current_name: str) -> int:
    version = int(keystore.get(current_name) or 0) + 1
    keystore.put(name_of(version), base64.b64encode(_random.token_bytes(32)).decode())
    keystore.put(current_name, str(version))
    return version


def ensure_keys() -> None:
    """Create the first field and index keys if there are none (``kontakt init``)."""
    if keystore.get(FIELD_CURRENT) is None:
        _new_key(_field_name, FIELD_CURRENT)
    if keystore.get(INDEX_CURRENT) is None:
        _new_key(_index_name, INDEX_CURRENT)


def new_field_key() -> int:
    """Make a new current encryption key; returns its version."""
    return _new_key(_field_name, FIELD_CURRENT)


def new_index_key() -> int:
    """Make a new current blind-index key; returns its version."""
    return _new_key(_index_name, INDEX_CURRENT)


def _key(name: str) -> bytes:
    return base64.b64decode(keystore.require(name, "run 'kontakt init' or restore the keyring"))


def current_field_version() -> int:
    return int(keystore.require(FIELD_CURRENT, "run 'kontakt init'"))


def current_index_version() -> int:
    return int(keystore.require(INDEX_CURRENT, "run 'kontakt init'"))


def encrypt(plaintext: str, context: str = "") -> str:
    """Encrypt with the current key; ``context`` (e.g. the column) is bound as associated data."""
    version = current_field_version()
    nonce = _random.token_bytes(12)
    sealed = AESGCM(_key(_field_name(version))).encrypt(nonce, plaintext.encode(), context.encode())
    return f"v{version}:" + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def key_version_of(ciphertext: str) -> int:
    prefix, sep, _ = ciphertext.partition(":")
    if not sep or not prefix.startswith("v") or not prefix[1:].isdigit():
        raise DecryptionError("not a Kontaktcenter ciphertext")
    return int(prefix[1:])


def decrypt(ciphertext: str, context: str = "") -> str:
    """Decrypt a value made by :func:`encrypt` with any key version still in the keyring."""
    version = key_version_of(ciphertext)
    body = ciphertext.partition(":")[2]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    try:
        key = _key(_field_name(version))
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except (InvalidTag, ValueError, keystore.SecretMissing) as exc:
        raise DecryptionError(f"cannot decrypt value (key v{version}): {exc}") from exc


def blind_index(value: str, version: int | None = None) -> str:
    """HMAC-SHA256 of the normalised value under the (current) index key, hex."""
    version = version or current_index_version()
    digest = hmac.new(_key(_index_name(version)), value.encode(), hashlib.sha256).hexdigest()
    return f"{version}:{digest}"


def blind_indexes(value: str) -> list[str]:
    """The value's index under every index key version (for look-ups during a rotation)."""
    current = current_index_version()
    return [
        blind_index(value, v)
        for v in range(current, 0, -1)
        if keystore.get(_index_name(v)) is not None
    ]


@dataclass(frozen=True)
class EncryptedField:
    """A table column holding ciphertext, with its blind-index column and normaliser."""

    table: Any
    column: str
    index_column: str | None = None
    context: str = ""


_registry: list[EncryptedField] = []


def register(field: EncryptedField) -> None:
    """Declare an encrypted column so ``kontakt keys rotate`` re-encrypts it."""
    if field not in _registry:
        _registry.append(field)


def registered() -> list[EncryptedField]:
    return list(_registry)
