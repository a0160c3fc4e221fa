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
import time

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

from core.secrets.file_keyring import KeyringUnavailable, KontaktFileKeyring
from core.settings import Settings

SERVICE = "kontaktcenter"

_lock = threading.Lock()
_backend: KeyringBackend | None = None
_cache: dict[str, tuple[str, float]] = {}


class SecretMissing(LookupError):
    """A secret the appliance needs cannot be had; ``problem`` says why, ``fix`` what to do.

    ``str()`` gives both in one line, for start-up errors and the CLI.
    """

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(f"{problem}; {fix}" if fix else problem)
        self.problem = problem
        self.fix = fix


def load_backend(name: str, settings: Settings | None = None) -> KeyringBackend:
    """Instantiate the backend ``name``: ``kontakt`` or a dotted keyring backend class."""
    if name == "kontakt":
        directory = settings.secrets_dir if settings is not None else None
        return KontaktFileKeyring(directory)
    module_name, _, class_name = name.rpartition(".")
    fix = (
        "set keyring_backend to 'kontakt' or to the dotted name of an installed keyring "
        "backend class, e.g. keyring.backends.SecretService.Keyring"
    )
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SecretMissing(f"keyring_backend {name!r} cannot be loaded ({exc})", fix) from exc
    if not (isinstance(cls, type) and issubclass(cls, KeyringBackend)):
        raise SecretMissing(f"keyring_backend {name!r} is not a keyring backend class", fix)
    try:
        return cls()
    except Exception as exc:
        raise SecretMissing(
            f"keyring_backend {name!r} cannot be started ({type(exc).__name__}: {exc})", fix
        ) from exc


def configure(settings: Settings) -> KeyringBackend:
    """Select the keyring backend the settings name and forget cached values."""
    global _backend
    backend = load_backend(settings.keyring_backend, settings)
    with _lock:
        keyring.set_keyring(backend)
        _backend = backend
        _cache.clear()
    return backend


def backend() -> KeyringBackend:
    if _backend is None:
        raise SecretMissing(
            "the keyring is not configured", "call core.secrets.keystore.configure(settings)"
        )
    return _backend


def describe() -> str:
    """A one-line description of the configured backend (no secret in it)."""
    current = backend()
    if isinstance(current, KontaktFileKeyring):
        return f"encrypted file {current.store_path}"
    return f"{type(current).__module__}.{type(current).__qualname__}"


def get(name: str, max_age: float | None = None) -> str | None:
    """The secret ``name`` or None.

    Present values are cached in memory for the process; ``max_age`` (seconds) re-reads a
    cached value older than that (used for the "current key version" pointers, which another
    process may move during a key rotation). Absence is never cached.
    """
    cached = _cache.get(name)
    if cached is not None and (max_age is None or time.monotonic() - cached[1] < max_age):
        return cached[0]
    try:
        value = backend().get_password(SERVICE, name)
    except KeyringUnavailable as exc:
        raise SecretMissing(exc.problem, exc.fix) from exc
    except KeyringError as exc:
        raise SecretMissing(
            f"keyring cannot read {name!r} ({exc})", "check keyring_backend and its service"
        ) from exc
    if value is None:
        _cache.pop(name, None)
    else:
        _cache[name] = (value, time.monotonic())
    return value


def require(name: str, hint: str = "run 'kontakt init'") -> str:
    """The secret ``name``; raise SecretMissing with a fix-it hint when absent."""
    value = get(name)
    if value is None:
        raise SecretMissing(f"secret {name!r} is missing from the keyring", hint)
    return value


def put(name: str, value: str) -> None:
    """Store (or replace) the secret ``name``."""
    try:
        backend().set_password(SERVICE, name, value)
    except KeyringUnavailable as exc:
        raise SecretMissing(exc.problem, exc.fix) from exc
    except KeyringError as exc:
        raise SecretMissing(
            f"keyring cannot store {name!r} ({exc})", "check keyring_backend and its service"
        ) from exc
    _cache[name] = (value, time.monotonic())


def delete(name: str) -> None:
    """Remove the secret ``name`` (KeyringError subclasses if it does not exist)."""
    _cache.pop(name, None)
    backend().delete_password(SERVICE, name)


def forget_cache() -> None:
    _cache.clear()
