"""Throwaway installations for CLI tests: their own data directory and keyring, and on the
postgres backend their own PostgreSQL database (the session's Redis), made with real
``kontakt`` processes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import services

PREPARE_ONLY = (
    "from core.provision import prepare; from core.settings import load_settings; "
    "prepare(load_settings())"
)


@dataclass
class Installation:
    """One throwaway installation; ``run`` runs ``kontakt`` against it."""

    data_dir: Path
    env: dict[str, str]
    databases: list[str] = field(default_factory=list)

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"

    def run(self, *args: str, input: str | None = None, **extra: str):
        return services.run_kontakt(*args, input=input, extra_env={**self.env, **extra})

    def copy(self, target: Path) -> Installation:
        """A copy of the data directory and keyring (sharing a PostgreSQL database)."""
        shutil.copytree(self.data_dir, target, symlinks=True)
        return Installation(target, {**self.env, "KONTAKT_DATA_DIR": str(target)})

    def drop(self) -> None:
        for url in self.databases:
            services.drop_pg_database(url)


def new_installation(data_dir: Path, *, init: bool = True) -> Installation:
    """A fresh installation: ``kontakt init`` (or only keys, no migrations, if not ``init``)."""
    env = {
        "KONTAKT_DATA_DIR": str(data_dir),
        "KONTAKT_INSTANCE_NAME": f"kt{uuid.uuid4().hex[:8]}",
        "KONTAKT_SQLITE_SYNCHRONOUS": "NORMAL",
        "KONTAKT_DATABASE_URL": "",
        "KONTAKT_REDIS_URL": "",
        "KONTAKT_CREDENTIALS_DIR": "",
        "KONTAKT_KEYRING_BACKEND": "kontakt",
        "KONTAKT_CONFIG": "",
        "CREDENTIALS_DIRECTORY": "",
    }
    installation = Installation(data_dir, env)
    if services.backend() == "postgres":
        url = services.create_pg_database()
        installation.databases.append(url)
        env["KONTAKT_DATABASE_URL"] = url
        env["KONTAKT_REDIS_URL"] = services.REDIS_URL
    if init:
        done = installation.run("init", "--admin-password-stdin", input="throwaway-pass-123\n")
    else:
        done = subprocess.run(
            [sys.executable, "-c", PREPARE_ONLY],
            capture_output=True,
            text=True,
            env=services.kontakt_env(env),
            cwd=services.ROOT,
            timeout=120,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    return installation
