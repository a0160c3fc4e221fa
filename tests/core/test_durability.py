"""Crash durability: ``kill -9`` of the API in the middle of concurrent audited writes loses
nothing that was acknowledged, and leaves the audit chain valid (on the session's backend).
"""

from __future__ import annotations

import asyncio
import signal
import uuid

import httpx

from core.audit.tables import AuditEntry
from core.auth.tables import User
from tests.conftest import ADMIN_PASSWORD
from tests.support import services

REQUESTS = 48
CONCURRENCY = 8
KILL_AFTER = 12  # acknowledged writes before the kill


async def test_kill_9_loses_no_acknowledged_write(server_factory, runtime):
    server = server_factory()
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        run = uuid.uuid4().hex[:8]
        acked: list[tuple[str, str]] = []  # (kind, key)
        refused: list[str] = []
        gate = asyncio.Semaphore(CONCURRENCY)
        killed = asyncio.Event()

        async def write(i: int) -> None:
            if i % 3 == 2:  # an audited write that only leaves an audit entry
                kind, key = "notice", f"durable-{run}-{i}"
                request = http.post("/api/v1/events/notice", json={"message": key}, headers=headers)
            else:
                kind, key = "user", f"dur-{run}-{i}"
                body = {
                    "username": key,
                    "full_name": f"Durable {i}",
                    "password": "durable-password-1",
                    "roles": ["agent"],
                }
                request = http.post("/api/v1/users", json=body, headers=headers)
            async with gate:
                if killed.is_set():
                    request.close()
                    return
                try:
                    response = await request
                except httpx.HTTPError:
                    return  # the server died under this request: not acknowledged
            if 200 <= response.status_code < 300:
                acked.append((kind, key))
                if len(acked) >= KILL_AFTER and not killed.is_set():
                    server.proc.send_signal(signal.SIGKILL)
                    killed.set()
            else:
                refused.append(f"{key}: {response.status_code} {response.text}")

        await asyncio.gather(*(write(i) for i in range(REQUESTS)))
    assert refused == []
    assert killed.is_set(), "the server was never killed"
    assert server.proc.wait(timeout=15) == -signal.SIGKILL
    assert KILL_AFTER <= len(acked) < REQUESTS

    restarted = server_factory()
    with httpx.Client(base_url=restarted.url, timeout=30) as http:
        token = http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        ).json()["token"]
        for kind, key in acked:
            if kind == "user":
                response = http.get(
                    f"/api/v1/users/{key}", headers={"Authorization": f"Bearer {token}"}
                )
                assert response.status_code == 200, f"acknowledged user {key} is lost"

    users = {
        r["username"]
        for r in await User.select(User.username).where(User.username.like(f"dur-{run}-%"))
    }
    entries = await AuditEntry.select(
        AuditEntry.action, AuditEntry.object_id, AuditEntry.details
    ).where(AuditEntry.action.is_in(["user.create", "events.notice"]))
    created = {e["object_id"] for e in entries if e["action"] == "user.create"}
    notices = " ".join(e["details"] for e in entries if e["action"] == "events.notice")
    for kind, key in acked:
        if kind == "user":
            assert key in users and key in created, key
        else:
            assert key in notices, f"acknowledged notice {key} has no audit entry"
    # a change is never stored without its audit entry (same transaction)
    assert users <= created

    verify = services.run_kontakt("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
