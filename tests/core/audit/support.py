"""Throwaway installations for audit tests that tamper with the database.

Each has its own data directory (keyring, SQLite file) and, on the PostgreSQL backend, its
own database, so tampering never touches the session's shared chain. Rows are read and
changed with plain SQL, as somebody with database access (but no keyring) would.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import services

ADMIN_PASSWORD = "audit-admin-password-1"


@dataclass
class Installation:
    data_dir: Path
    database_url: str  # empty: SQLite in data_dir

    @property
    def env(self) -> dict[str, str]:
        return {
            "KONTAKT_DATA_DIR": str(self.data_dir),
            "KONTAKT_DATABASE_URL": self.database_url,
            "KONTAKT_REDIS_URL": "",
            "KONTAKT_INSTANCE_NAME": f"audit{self.data_dir.name[-8:]}",
            "KONTAKT_SQLITE_SYNCHRONOUS": "NORMAL",
        }

    def kontakt(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return services.run_kontakt(*args, input=input, extra_env=self.env)

    def write(self, tag: str, sizes: list[int]) -> None:
        """Append entries in one transaction per size, from a separate process."""
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.core.audit.writer",
                "--tag",
                tag,
                "--sizes",
                ",".join(map(str, sizes)),
            ],
            capture_output=True,
            text=True,
            env=services.kontakt_env(self.env),
            cwd=services.ROOT,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr

    # -- raw SQL, as an attacker with database access ------------------------------------
    def sql(self, query: str, *params: Any) -> list[dict[str, Any]]:
        """Run one statement (``?`` placeholders); returns rows as dicts."""
        if not self.database_url:
            conn = sqlite3.connect(self.data_dir / "kontakt.sqlite3", timeout=30)
            conn.row_factory = sqlite3.Row
            try:
                rows = [dict(r) for r in conn.execute(query, params).fetchall()]
                conn.commit()
            finally:
                conn.close()
            return rows
        counter = iter(range(1, 1000))
        pg_query = re.sub(r"\?", lambda _: f"${next(counter)}", query)
        return asyncio.run(_pg_fetch(self.database_url, pg_query, params))

    def entries(self) -> list[dict[str, Any]]:
        return self.sql("SELECT * FROM audit_entry ORDER BY seq")

    def entry(self, seq: int) -> dict[str, Any]:
        return self.sql("SELECT * FROM audit_entry WHERE seq = ?", seq)[0]

    def verify(self) -> subprocess.CompletedProcess:
        return self.kontakt("audit", "verify")

    # -- life cycle -----------------------------------------------------------------------
    def clone(self, tmp: Path) -> Installation:
        """A copy (data directory and database) to tamper with."""
        data_dir = tmp / f"clone-{uuid.uuid4().hex[:8]}"
        shutil.copytree(self.data_dir, data_dir)
        url = ""
        if self.database_url:
            url = _clone_pg_database(self.database_url)
        return Installation(data_dir, url)

    def drop(self) -> None:
        if self.database_url:
            services.drop_pg_database(self.database_url)


def _clone_pg_database(url: str) -> str:
    """CREATE DATABASE … TEMPLATE (a quick file-level copy; nobody may be connected)."""
    import asyncpg

    name = f"kontakt_test_{uuid.uuid4().hex[:10]}"
    template = url.rsplit("/", 1)[1]

    async def go() -> None:
        conn = await asyncpg.connect(services.PG_ADMIN_URL)
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()

    asyncio.run(go())
    return f"{services.PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


async def _pg_fetch(url: str, query: str, params: tuple) -> list[dict[str, Any]]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return [dict(r) for r in await conn.fetch(query, *params)]
    finally:
        await conn.close()


def create(tmp: Path) -> Installation:
    """A fresh, initialised installation on the test backend."""
    data_dir = tmp / f"inst-{uuid.uuid4().hex[:8]}"
    url = services.create_pg_database() if services.backend() == "postgres" else ""
    inst = Installation(data_dir, url)
    proc = inst.kontakt("init", "--admin-password-stdin", input=ADMIN_PASSWORD + "\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return inst
