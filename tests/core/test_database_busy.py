"""Another process holding SQLite's write lock: the API keeps answering reads, and a write
that cannot get the lock within the busy timeout gets a 503 problem (and changes nothing)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.support import services

PASSWORD = "busy-admin-password-2026"

HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


@pytest.fixture
def sqlite_install(settings, tmp_path) -> tuple[Path, dict[str, str], str]:
    """(database file, extra environment, admin password) of a SQLite installation: the
    session's own, or a fresh one when the session runs on PostgreSQL."""
    if not settings.is_postgres:
        return settings.sqlite_path, {}, ADMIN_PASSWORD
    data_dir = tmp_path / "sqlite-data"
    env = {"KONTAKT_DATA_DIR": str(data_dir), "KONTAKT_DATABASE_URL": "", "KONTAKT_REDIS_URL": ""}
    init = services.run_kontakt("init", "--admin-password-stdin", input=PASSWORD, extra_env=env)
    assert init.returncode == 0, init.stderr
    return data_dir / "kontakt.sqlite3", env, PASSWORD


async def test_a_write_blocked_by_another_process_gets_503(sqlite_install, server_factory):
    path, env, password = sqlite_install
    server = server_factory({**env, "KONTAKT_SQLITE_BUSY_TIMEOUT_MS": "400"})
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": password}
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}", "Accept-Language": "sv"}
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            HOLD_LOCK,
            str(path),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert (await holder.stdout.readline()).strip() == b"locked"
            blocked = await http.post(
                "/api/v1/events/notice", json={"message": "busy-test"}, headers=headers
            )
            read = await http.get("/api/v1/auth/me", headers=headers)
        finally:
            await asyncio.wait_for(holder.communicate(b"done\n"), 10)
        assert blocked.status_code == 503, blocked.text
        assert blocked.headers["retry-after"] == "1"
        assert blocked.json()["type"].endswith("/database-busy")
        assert "upptagen" in blocked.json()["detail"]
        assert read.status_code == 200
        audit = await http.get("/api/v1/audit", params={"action": "events.notice"}, headers=headers)
        retried = await http.post(
            "/api/v1/events/notice", json={"message": "busy-test"}, headers=headers
        )
        assert retried.status_code in (200, 201, 202), retried.text
        after = await http.get("/api/v1/audit", params={"action": "events.notice"}, headers=headers)
    assert audit.status_code == 200, audit.text
    count = len(audit.json()["items"])
    assert len(after.json()["items"]) == count + 1  # the refused write left no entry
