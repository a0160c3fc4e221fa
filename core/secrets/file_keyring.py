"""A keyring backend for headless servers: one AES-GCM encrypted file, atomic writes.

Threat model (see docs/operations.md): the file ``keyring.json`` and the master key
``master.key`` live in the credentials directory (default ``<data_dir>/secrets``; the installer
puts it in ``<prefix>/etc/credentials``, outside the data directory, mode 0700). A copy of the
database or of the data directory (backups, a stolen disk image of /var) does not reveal
secrets. Anyone who can read the credentials directory as the service user or root can; that
is the honest limit of an unattended server that must start without a person typing a
passphrase. The master key may instead be handed over by systemd ``LoadCredential=`` (the
``$CREDENTIALS_DIRECTORY`` variable), so it never lies on the same disk as the data.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets as _random
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

MASTER_KEY_FILE = "master.key"
STORE_FILE = "keyring.json"


class KontaktFileKeyring(KeyringBackend):
    """Encrypted file keyring; each value is bound to its service and name (AAD)."""

    priority = 1  # never chosen automatically; the appliance sets it explicitly

    def __init__(self, directory: Path | str | None = None) -> None:
        super().__init__()
        self.directory = Path(directory or os.environ.get("KONTAKT_CREDENTIALS_DIR", "."))

    # -- files -----------------------------------------------------------------------------
    def _master_key(self) -> bytes:
        candidates = [self.directory / MASTER_KEY_FILE]
        if os.environ.get("CREDENTIALS_DIRECTORY"):
            candidates.insert(0, Path(os.environ["CREDENTIALS_DIRECTORY"]) / MASTER_KEY_FILE)
        for path in candidates:
            if path.exists():
                return base64.b64decode(path.read_bytes().strip())
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = candidates[-1]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64encode(AESGCM.generate_key(bit_length=256)))
            fh.flush()
            os.fsync(fh.fileno())
        return base64.b64decode(path.read_bytes().strip())

    def _read(self) -> dict[str, dict[str, str]]:
        path = self.directory / STORE_FILE
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8") or "{}")

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        path = self.directory / STORE_FILE
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _locked(self):
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = open(self.directory / ".lock", "a+")  # noqa: SIM115 - closed by caller
        fcntl.flock(lock, fcntl.LOCK_EX)
        return lock

    # -- keyring API -----------------------------------------------------------------------
    def get_password(self, service: str, username: str) -> str | None:
        blob = self._read().get(service, {}).get(username)
        if blob is None:
            return None
        raw = base64.b64decode(blob)
        aad = f"{service}\0{username}".encode()
        return AESGCM(self._master_key()).decrypt(raw[:12], raw[12:], aad).decode()

    def set_password(self, service: str, username: str, password: str) -> None:
        aad = f"{service}\0{username}".encode()
        nonce = _random.token_bytes(12)
        blob = nonce + AESGCM(self._master_key()).encrypt(nonce, password.encode(), aad)
        with self._locked():
            data = self._read()
            data.setdefault(service, {})[username] = base64.b64encode(blob).decode()
            self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        with self._locked():
            data = self._read()
            if username not in data.get(service, {}):
                raise PasswordDeleteError(f"no secret {username!r}")
            del data[service][username]
            self._write(data)
