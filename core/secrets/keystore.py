"""Access to the appliance's secrets through keyring.

Every secret (the field-encryption keys, the blind-index key, the audit signing key, SMTP and
plugin credentials, the database password) is read and written here and nowhere else. The
backend is chosen per installation by the ``keyring_backend`` setting: ``kontakt`` (the default,
an encrypted file for headless servers, see :mod:`.file_keyring`) or the dotted name of any
keyring backend class (e.g. ``keyring.backends.SecretService.Keyring`` on a desktop).
"""

from __future__ import annotations

import importlib
import threading

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

from core.secrets.file_keyring import KontaktFileKeyring
from core.settings import Settings

SERVICE = "kontaktcenter"

_lock = threading.Lock()
_backend: KeyringBackend | None = None
_cache: dict[str, str | None] = {}


class SecretMissing(LookupError):
    """A secret the appliance needs is not in the keyring; the message says how to fix it."""


def configure(settings: Settings) -> KeyringBackend:
    """Select the keyring backend the settings name and forget cached values."""
    global _backend
    with _lock:
        if settings.keyring_backend == "kontakt":
            backend: KeyringBackend = KontaktFileKeyring(settings.secrets_dir)
        else:
            module_name, _, class_name = settings.keyring_backend.rpartition(".")
            try:
                backend = getattr(importlib.import_module(module_name), class_name)()
            except (ImportError, AttributeError, ValueError) as exc:
                raise SecretMissing(
                    f"keyring_backend {settings.keyring_backend!r} cannot be loaded: {exc}"
                ) from exc
        keyring.set_keyring(backend)
        _backend = backend
        _cache.clear()
        return backend


def backend() -> KeyringBackend:
    if _backend is None:
        raise SecretMissing("the keyring is not configured (call core.secrets.keystore.configure)")
    return _backend


def get(name: str) -> str | None:
    """The secret ``name`` or None; values are cached in memory for the process."""
    if name not in _cache:
        try:
            _cache[name] = backend().get_password(SERVICE, name)
        except KeyringError as exc:
            raise SecretMissing(f"keyring cannot read {name!r}: {exc}") from exc
    return _cache[name]


def require(name: str, hint: str = "run 'kontakt init'") -> str:
    """The secret ``name``; raise SecretMissing with a fix-it hint when absent."""
    value = get(name)
    if value is None:
        raise SecretMissing(f"secret {name!r} is missing from the keyring; {hint}")
    return value


def put(name: str, value: str) -> None:
    """Store (or replace) the secret ``name``."""
    backend().set_password(SERVICE, name, value)
    _cache[name] = value


def delete(name: str) -> None:
    backend().delete_password(SERVICE, name)
    _cache.pop(name, None)


def forget_cache() -> None:
    _cache.clear()
