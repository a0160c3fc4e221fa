"""A keyring backend for headless servers: one AES-GCM encrypted file, atomic writes.

Threat model (see docs/operations.md): the file ``keyring.json`` and the master key
``master.key`` live in the credentials directory (default ``<data_dir>/secrets``; the installer
puts it outside the data directory, mode 0700). A copy of the database, or of the data
directory without the credentials directory (backups, a stolen disk image of /var), does not
reveal secrets. Anyone who can read the master key as the service user or root can; that is the
honest limit of an unattended server that must start without a person typing a passphrase. The
master key may instead be handed over by systemd ``LoadCredential=master.key:…`` or
``LoadCredentialEncrypted=`` (the ``$CREDENTIALS_DIRECTORY`` variable), so it need not lie on
the same disk as the encrypted store.

Every value is sealed with AES-256-GCM under the master key, with ``service NUL name`` as
associated data, so a value copied or swapped to another entry in the JSON file no longer
decrypts. Writers take an exclusive ``flock`` on ``.lock``, re-read the file, and replace it
atomically (write to a temporary file, fsync, rename, fsync the directory), so concurrent
writers in different processes lose nothing and a crash leaves the old or the new file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import secrets as _random
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

MASTER_KEY_FILE = "master.key"
STORE_FILE = "keyring.json"
LOCK_FILE = ".lock"
NONCE_BYTES = 12


class KeyringUnavailable(KeyringError):
    """The encrypted store cannot be opened; ``fix`` says what to do about it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; {fix}")
        self.problem = problem
        self.fix = fix


class KontaktFileKeyring(KeyringBackend):
    """Encrypted file keyring; each value is bound to its service and name (AAD)."""

    priority = -1  # never chosen by keyring's auto-detection; the appliance sets it explicitly

    def __init__(self, directory: Path | str | None = None) -> None:
        super().__init__()
        self.directory = Path(directory or os.environ.get("KONTAKT_CREDENTIALS_DIR", "."))
        self._key: bytes | None = None

    @property
    def store_path(self) -> Path:
        return self.directory / STORE_FILE

    def master_key_candidates(self) -> list[Path]:
        """Where the master key is looked for: systemd's credentials first, then the directory."""
        candidates = [self.directory / MASTER_KEY_FILE]
        systemd_dir = os.environ.get("CREDENTIALS_DIRECTORY")
        if systemd_dir:
            candidates.insert(0, Path(systemd_dir) / MASTER_KEY_FILE)
        return candidates

    # -- files -----------------------------------------------------------------------------
    def _ensure_directory(self) -> None:
        if not self.directory.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)

    def _load_master_key(self) -> bytes | None:
        for path in self.master_key_candidates():
            if path.exists():
                try:
                    key = base64.b64decode(path.read_bytes().strip(), validate=True)
                except (OSError, binascii.Error) as exc:
                    raise KeyringUnavailable(
                        f"master key {path} cannot be read ({exc})",
                        "check its owner and mode (0600, the service user) or restore it",
                    ) from exc
                if len(key) != 32:
                    raise KeyringUnavailable(
                        f"master key {path} is not a 256-bit key", "restore it from the key backup"
                    )
                return key
        return None

    def _master_key(self, create: bool = False) -> bytes:
        """The master key; made on first use only when there is nothing encrypted yet."""
        if self._key is not None:
            return self._key
        key = self._load_master_key()
        if key is None:
            if self._read():
                where = " or ".join(str(p) for p in self.master_key_candidates())
                raise KeyringUnavailable(
                    f"the keyring {self.store_path} exists but its master key is missing "
                    f"(looked for {where})",
                    "restore master.key from the key backup into the credentials directory "
                    "(mode 0600), or hand it over with systemd LoadCredential=master.key:<path>",
                )
            if not create:
                raise KeyringUnavailable(
                    f"the keyring in {self.directory} has no master key yet",
                    "run 'kontakt init'",
                )
            key = self._create_master_key()
        self._key = key
        return key

    def _create_master_key(self) -> bytes:
        self._ensure_directory()
        path = self.directory / MASTER_KEY_FILE
        key = AESGCM.generate_key(bit_length=256)
        tmp = path.with_name(f".{MASTER_KEY_FILE}.tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64encode(key) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if another process made one first: use theirs
        except FileExistsError:
            os.unlink(tmp)
            loaded = self._load_master_key()
            if loaded is None:
                raise
            return loaded
        os.unlink(tmp)
        self._fsync_directory()
        return key

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            text = self.store_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise KeyringUnavailable(
                f"the keyring {self.store_path} cannot be read ({exc})",
                "check that the service user owns the credentials directory",
            ) from exc
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise KeyringUnavailable(
                f"the keyring {self.store_path} is not valid JSON ({exc})",
                "restore it from the key backup",
            ) from exc
        if not isinstance(data, dict):
            raise KeyringUnavailable(
                f"the keyring {self.store_path} has an unknown format",
                "restore it from the key backup",
            )
        return data

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        path = self.store_path
        tmp = path.with_name(f".{STORE_FILE}.tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        self._fsync_directory()

    def _fsync_directory(self) -> None:
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock between processes for a read-modify-write of the store."""
        self._ensure_directory()
        fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    @staticmethod
    def _aad(service: str, username: str) -> bytes:
        return f"{service}\0{username}".encode()

    # -- keyring API -----------------------------------------------------------------------
    def get_password(self, service: str, username: str) -> str | None:
        data = self._read()
        if data:
            self._master_key()  # an unusable keyring is an error, not "no such secret"
        blob = data.get(service, {}).get(username)
        if blob is None:
            return None
        try:
            raw = base64.b64decode(blob, validate=True)
            nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
            plain = AESGCM(self._master_key()).decrypt(nonce, sealed, self._aad(service, username))
        except (InvalidTag, binascii.Error, ValueError, TypeError) as exc:
            raise KeyringUnavailable(
                f"secret {username!r} in {self.store_path} does not decrypt "
                "(wrong master key, or the file was altered)",
                "restore keyring.json and master.key together from the key backup",
            ) from exc
        return plain.decode()

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._locked():
            data = self._read()
            key = self._master_key(create=True)
            nonce = _random.token_bytes(NONCE_BYTES)
            sealed = AESGCM(key).encrypt(nonce, password.encode(), self._aad(service, username))
            data.setdefault(service, {})[username] = base64.b64encode(nonce + sealed).decode()
            self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        with self._locked():
            data = self._read()
            if username not in data.get(service, {}):
                raise PasswordDeleteError(f"no secret {username!r}")
            del data[service][username]
            self._write(data)
