"""GET /api/v1/health: public, shows the database, the job queue and the plugins; the reasons
behind a failure are shown only to IT administrators; 503 when the database is gone."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import httpx

from tests.support import services

HEALTH = "/api/v1/health"
PASSWORD = "health-admin-password"


async def test_health_is_public_and_has_its_shape(client, auth_headers):
    response = await client.get(HEALTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"status", "database", "queue", "outbox", "plugins", "version"}
    assert body["database"]["ok"] is True and body["queue"]["ok"] is True
    assert body["database"]["detail"].endswith(" ms")
    assert body["queue"]["detail"].endswith(" pending")
    assert isinstance(body["plugins"], list)
    for plugin in body["plugins"]:
        assert {"name", "enabled", "state"} <= set(plugin)
    assert body["status"] in ("ok", "degraded")
    assert body["version"]
    for role in ("agent", "it_admin"):
        assert (await client.get(HEALTH, headers=await auth_headers(role))).status_code == 200


def _start_redis(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    port = services.free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            import redis

            if redis.Redis(port=port, socket_timeout=1).ping():
                return proc, f"redis://127.0.0.1:{port}/0"
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def test_failure_reasons_only_for_it_admin_and_503_without_database(tmp_path: Path):
    """A throwaway installation on its own PostgreSQL database and its own Redis: stop the
    Redis (queue down, reasons for IT only), then drop the database (503)."""
    database_url = services.create_pg_database()
    redis_proc, redis_url = _start_redis(tmp_path)
    env = {
        "KONTAKT_DATA_DIR": str(tmp_path / "data"),
        "KONTAKT_DATABASE_URL": database_url,
        "KONTAKT_REDIS_URL": redis_url,
        "KONTAKT_INSTANCE_NAME": f"health{uuid.uuid4().hex[:8]}",
    }
    server = None
    try:
        init = services.run_kontakt(
            "init", "--admin-password-stdin", input=PASSWORD + "\n", extra_env=env
        )
        assert init.returncode == 0, init.stdout + init.stderr
        server = services.start_server(tmp_path, env)
        with httpx.Client(base_url=server.url, timeout=30) as http:

            def headers(username: str) -> dict[str, str]:
                login = http.post(
                    "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
                )
                assert login.status_code == 200, login.text
                return {"Authorization": f"Bearer {login.json()['token']}"}

            admin = headers("admin")
            agent_body = {
                "username": "health-agent",
                "full_name": "Agent",
                "password": PASSWORD,
                "roles": ["agent"],
            }
            assert http.post("/api/v1/users", json=agent_body, headers=admin).status_code == 201
            agent = headers("health-agent")
            assert http.get(HEALTH).json()["status"] == "ok"

            redis_proc.kill()
            redis_proc.wait(timeout=10)
            public = http.get(HEALTH)
            assert public.status_code == 200  # the database is fine: degraded, not down
            assert public.json()["status"] == "degraded"
            assert public.json()["queue"] == {"ok": False}
            assert http.get(HEALTH, headers=agent).json()["queue"] == {"ok": False}
            detailed = http.get(HEALTH, headers=admin).json()["queue"]
            assert detailed["ok"] is False and "Error" in detailed["detail"]

            services.drop_pg_database(database_url)
            down = http.get(HEALTH, headers=admin)
            assert down.status_code == 503
            body = down.json()
            assert body["status"] == "down"
            assert body["database"] == {"ok": False}  # nobody can be authenticated now
    finally:
        if server is not None:
            server.stop()
        if redis_proc.poll() is None:
            redis_proc.kill()
        services.drop_pg_database(database_url)
