"""The plugin lifecycle against a real ``kontakt serve`` process."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx

from core.plugin_admin.service import set_enabled
from tests.conftest import ADMIN_PASSWORD, ROLE_PASSWORD
from tests.core.plugins.conftest import disable_all

ITEMS = "/api/v1/plugins/kt_sample/items"


async def login(http: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    body = {"username": username, "password": password}
    response = await http.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def wait_for(check, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.3)


async def test_enable_use_and_disable_on_a_real_server(
    fixture_plugins_site, app, role_users, server_factory, tmp_path: Path
):
    await disable_all(app)
    marker = tmp_path / "ready"
    await set_enabled("test", "kt_not_ready", True)
    await set_enabled("test", "kt_bad_creds", True)
    server = server_factory(
        {"KONTAKT_PLUGINS_RETRY_SECONDS": "1", "KONTAKT_PLUGIN_KT_NOT_READY_MARKER": str(marker)}
    )
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            admin = await login(http, "admin", ADMIN_PASSWORD)
            agent = await login(http, role_users["agent"], ROLE_PASSWORD)

            health = await http.get("/api/v1/health")
            assert health.status_code == 200 and health.json()["status"] == "degraded"
            states = {p["name"]: p["state"] for p in health.json()["plugins"]}
            assert states["kt_not_ready"] == "not_ready"
            assert states["kt_bad_creds"] == "bad_credentials"

            # enabled at runtime: routes work at once in this process, with its permission
            assert (await http.get(ITEMS, headers=agent)).status_code == 404
            enable_url = "/api/v1/admin/plugins/kt_sample/enable"
            assert (await http.post(enable_url, headers=agent)).status_code == 403
            enabled = await http.post(enable_url, headers=admin)
            assert enabled.status_code == 200 and enabled.json()["state"] == "loaded"
            text = f"served-{uuid.uuid4().hex[:8]}"
            created = await http.post(ITEMS, json={"text": text}, headers=agent)
            assert created.status_code == 201, created.text
            assert text in [row["text"] for row in (await http.get(ITEMS, headers=agent)).json()]

            # not ready -> retried in the background -> mounted when ready
            status_url = "/api/v1/plugins/kt_not_ready/status"
            assert (await http.get(status_url, headers=agent)).status_code == 404
            marker.write_text("ready")

            async def ready() -> bool:
                return (await http.get(status_url, headers=agent)).status_code == 200

            await wait_for(ready)
            health = await http.get("/api/v1/health")
            states = {p["name"]: p["state"] for p in health.json()["plugins"]}
            assert states["kt_not_ready"] == "loaded"

            disabled = await http.post("/api/v1/admin/plugins/kt_sample/disable", headers=admin)
            assert disabled.status_code == 200 and disabled.json()["state"] == "disabled"
            assert (await http.get(ITEMS, headers=agent)).status_code == 404
            assert (await http.get("/api/v1/users", headers=admin)).status_code == 200
    finally:
        server.stop()
        await disable_all(app)
