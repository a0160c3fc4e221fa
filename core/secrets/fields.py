"""Field encryption (AES-256-GCM) with a blind index (HMAC-SHA256) for look-ups.

Personal identity numbers are stored as ``encrypt(value)`` and found through
``blind_index(value)``: equal plaintexts give equal indexes, but the index reveals nothing
without the index key. Keys live in keyring and are versioned; a ciphertext starts with the
version of the key that made it (``v1:…``), so ``kontakt keys rotate`` can introduce a new key
and re-encrypt at leisure while old ciphertexts stay readable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.secrets import keystore

FIELD_CURRENT = "field-key-current"
INDEX_CURRENT = "index-key-current"
NONCE_BYTES = 12
# How long a process trusts its cached "current version" pointers: after ``kontakt keys
# rotate`` in another process, running servers switch to the new keys within this many seconds.
POINTER_MAX_AGE = 10.0
_RESTORE_HINT = "run 'kontakt init' (new installation) or restore the keyring from the key backup"


class DecryptionError(ValueError):
    """A ciphertext could not be decrypted (wrong key, wrong context, tampered, or not ours)."""


def _field_name(version: int) -> str:
    return f"field-key-v{version}"


def _index_name(version: int) -> str:
    return f"index-key-v{version}"


def _new_key(name_of: Callable[[int], str], current_name: str) -> int:
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


def check_keys() -> None:
    """Raise SecretMissing unless the current field and index keys are in the keyring."""
    _key(_field_name(current_field_version()))
    _key(_index_name(current_index_version()))


def new_field_key() -> int:
    """Make a new current encryption key; returns its version."""
    return _new_key(_field_name, FIELD_CURRENT)


def new_index_key() -> int:
    """Make a new current blind-index key; returns its version."""
    return _new_key(_index_name, INDEX_CURRENT)


def _key(name: str) -> bytes:
    return base64.b64decode(keystore.require(name, _RESTORE_HINT))


def current_field_version() -> int:
    """The version of the key new ciphertexts are made with."""
    return int(keystore.get(FIELD_CURRENT, max_age=POINTER_MAX_AGE) or _missing(FIELD_CURRENT))


def current_index_version() -> int:
    """The version of the key new blind indexes are made with."""
    return int(keystore.get(INDEX_CURRENT, max_age=POINTER_MAX_AGE) or _missing(INDEX_CURRENT))


def _missing(name: str) -> str:
    raise keystore.SecretMissing(f"secret {name!r} is missing from the keyring", _RESTORE_HINT)


def encrypt(plaintext: str, context: str = "") -> str:
    """Encrypt with the current key; ``context`` (e.g. the column) is bound as associated data.

    The result is ``v<version>:<base64url(nonce | ciphertext | tag)>``; a fresh random
    96-bit nonce is used every time, so equal plaintexts give different ciphertexts.
    """
    version = current_field_version()
    nonce = _random.token_bytes(NONCE_BYTES)
    sealed = AESGCM(_key(_field_name(version))).encrypt(nonce, plaintext.encode(), context.encode())
    return f"v{version}:" + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def key_version_of(ciphertext: str) -> int:
    """The key version a ciphertext was made with (DecryptionError if it is not ours)."""
    prefix, sep, _ = ciphertext.partition(":")
    if not sep or not prefix.startswith("v") or not prefix[1:].isdigit():
        raise DecryptionError("not a Kontaktcenter ciphertext")
    return int(prefix[1:])


def decrypt(ciphertext: str, context: str = "") -> str:
    """Decrypt a value made by :func:`encrypt` with any key version still in the keyring.

    Raises DecryptionError when the key is gone, the context differs or the value was altered.
    """
    version = key_version_of(ciphertext)
    body = ciphertext.partition(":")[2]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        key = _key(_field_name(version))
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        return plain.decode()
    except (InvalidTag, ValueError, binascii.Error, keystore.SecretMissing) as exc:
        reason = str(exc) or type(exc).__name__
        raise DecryptionError(f"cannot decrypt value (key v{version}): {reason}") from exc


def blind_index(value: str, version: int | None = None) -> str:
    """HMAC-SHA256 of the (already normalised) value under the (current) index key.

    Returns ``<version>:<hex digest>``; equal values give equal indexes under one key.
    """
    version = version or current_index_version()
    digest = hmac.new(_key(_index_name(version)), value.encode(), hashlib.sha256).hexdigest()
    return f"{version}:{digest}"


def index_version_of(index: str) -> int:
    """The index key version of a blind index made by :func:`blind_index`."""
    prefix, sep, _ = index.partition(":")
    if not sep or not prefix.isdigit():
        raise ValueError("not a Kontaktcenter blind index")
    return int(prefix)


def blind_indexes(value: str) -> list[str]:
    """The value's index under every index key version still present, newest first.

    Look-ups use ``WHERE index_column IN blind_indexes(value)`` so rows not yet re-indexed
    after a rotation are still found.
    """
    current = current_index_version()
    return [
        blind_index(value, v)
        for v in range(current, 0, -1)
        if keystore.get(_index_name(v)) is not None
    ]


def _identity(value: str) -> str:
    return value


@dataclass(frozen=True)
class EncryptedField:
    """A table column holding ciphertext, with its blind-index column and normaliser.

    ``context`` is bound into every ciphertext as associated data (use ``"table.column"``), so
    a value copied into another column does not decrypt. ``normalise`` is applied before
    indexing (e.g. personal identity numbers to 12 digits) so look-ups match every spelling.
    """

    table: Any
    column: str
    index_column: str | None = None
    context: str = ""
    normalise: Callable[[str], str] = _identity

    def encrypt(self, plaintext: str) -> str:
        return encrypt(plaintext, self.context)

    def decrypt(self, ciphertext: str) -> str:
        return decrypt(ciphertext, self.context)

    def index(self, plaintext: str, version: int | None = None) -> str:
        """The blind index of ``plaintext`` (normalised) under the current or given key."""
        return blind_index(self.normalise(plaintext), version)

    def lookups(self, plaintext: str) -> list[str]:
        """Every index value ``plaintext`` may be stored under (for ``WHERE … IN``)."""
        return blind_indexes(self.normalise(plaintext))


_registry: list[EncryptedField] = []


def register(field: EncryptedField) -> None:
    """Declare an encrypted column so ``kontakt keys rotate`` re-encrypts it.

    Call it at import time of the module defining the table (a plugin's ``tables.py`` or its
    ``__init__``), so every process that loads the plugin, including the CLI, knows the field.
    """
    if field not in _registry:
        _registry.append(field)


def unregister(field: EncryptedField) -> None:
    """Forget a registered field (tests, a plugin being unloaded)."""
    if field in _registry:
        _registry.remove(field)


def registered() -> list[EncryptedField]:
    """Every registered encrypted field, in registration order."""
    return list(_registry)
