"""Enabling and disabling plugins over the admin API, in the session's running app: persisted,
audited, migrated, applied without a restart, and failures reported while the rest runs."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from core import db, events
from core.audit.tables import AuditEntry
from core.contracts import Event
from core.plugin_admin import runtime
from core.plugin_admin.service import enabled_names

ITEMS = "/api/v1/plugins/kt_sample/items"
ADMIN = "/api/v1/admin/plugins"


async def table_exists(name: str) -> bool:
    engine = db.get_engine()
    if engine.engine_type == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = {}"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE tablename = {}"
    return bool(await engine._run_in_new_connection(sql.format(f"'{name}'")))


async def audit_count(action: str, object_id: str) -> int:
    return await AuditEntry.count().where(
        (AuditEntry.action == action) & (AuditEntry.object_id == object_id)
    )


async def schema_paths(client) -> set[str]:
    return set((await client.get("/api/schema/openapi.json")).json()["paths"])


async def test_enable_over_the_api(client, app, auth_headers, set_state):
    await set_state("kt_sample", False)
    admin, agent = await auth_headers("it_admin"), await auth_headers("agent")
    assert (await client.post(f"{ADMIN}/kt_sample/enable", headers=agent)).status_code == 403
    assert (await client.get(ITEMS, headers=agent)).status_code == 404
    before = await audit_count("plugin.enable", "kt_sample")

    response = await client.post(f"{ADMIN}/kt_sample/enable", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "loaded" and response.json()["enabled"] is True
    assert "kt_sample" in await enabled_names()
    assert await audit_count("plugin.enable", "kt_sample") == before + 1
    assert await table_exists("kt_sample_item")

    again = await client.post(f"{ADMIN}/kt_sample/enable", headers=admin)
    assert again.status_code == 200 and again.json()["changed"] is False
    assert again.json()["state"] == "loaded"
    assert await audit_count("plugin.enable", "kt_sample") == before + 1

    # the route works in this same process, with the permission the plugin registered
    text = f"item-{uuid.uuid4().hex[:8]}"
    created = await client.post(ITEMS, json={"text": text}, headers=agent)
    assert created.status_code == 201, created.text
    assert created.json()["created_by"] == "agent-user"
    listed = await client.get(ITEMS, headers=agent)
    assert text in [row["text"] for row in listed.json()]
    assert (await client.get(ITEMS, headers=admin)).status_code == 403  # agent-only permission
    bad = await client.post(ITEMS, json={"text": text, "extra": 1}, headers=agent)
    assert bad.status_code == 400
    assert await audit_count("kt_sample.item_add", str(created.json()["id"])) == 1
    assert ITEMS in await schema_paths(client) or ITEMS + "/" in await schema_paths(client)
    greeting = await client.get(f"{ITEMS}/greeting", headers=agent)
    assert greeting.json() == {"greeting": "hej", "max_items": 100}


async def test_unknown_plugin_and_dependency_conflicts(client, auth_headers, set_state):
    admin = await auth_headers("it_admin")
    missing = await client.post(f"{ADMIN}/kt_nowhere/enable", headers=admin)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")

    await set_state("kt_sample", False)
    conflict = await client.post(f"{ADMIN}/kt_needs_sample/enable", headers=admin)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert "kt_sample" in conflict.json()["detail"]
    assert "kt_needs_sample" not in await enabled_names()

    assert (await set_state("kt_sample", True))["state"] == "loaded"
    ok = await client.post(f"{ADMIN}/kt_needs_sample/enable", headers=admin)
    assert ok.status_code == 200 and ok.json()["state"] == "loaded"
    blocked = await client.post(f"{ADMIN}/kt_sample/disable", headers=admin)
    assert blocked.status_code == 409 and "kt_needs_sample" in blocked.json()["detail"]
    await set_state("kt_needs_sample", False)


async def test_disable_keeps_the_data_and_unregisters_the_plugin(
    client, app, auth_headers, set_state
):
    import kt_sample

    admin, agent = await auth_headers("it_admin"), await auth_headers("agent")
    await set_state("kt_sample", True)
    text = f"kept-{uuid.uuid4().hex[:8]}"
    assert (await client.post(ITEMS, json={"text": text}, headers=agent)).status_code == 201
    rows_before = (await client.get(ITEMS, headers=agent)).json()

    kt_sample.CALLS.clear()
    response = await client.post(f"{ADMIN}/kt_sample/disable", headers=admin)
    assert response.status_code == 200 and response.json()["state"] == "disabled"
    assert "kt_sample" not in await enabled_names()
    assert kt_sample.CALLS == ["shutdown"]
    host = app.state.host
    assert not host.pm.has_plugin("kt_sample")
    assert (await client.get(ITEMS, headers=agent)).status_code == 404
    assert (await client.post(ITEMS, json={"text": "x"}, headers=agent)).status_code == 404
    assert not any(p.startswith("/api/v1/plugins/kt_sample") for p in await schema_paths(client))
    with pytest.raises(events.UnknownEventType):
        events.encode(Event("kt_sample.item_added"))

    # its hooks are no longer called: another plugin's state change does not reach it
    await set_state("kt_bad_creds", True)
    await set_state("kt_bad_creds", False)
    assert kt_sample.CALLS == ["shutdown"]

    # the table and its rows are still there
    from kt_sample.tables import KtSampleItem

    assert await table_exists("kt_sample_item")
    assert await KtSampleItem.count().where(KtSampleItem.text == text) == 1

    # enabling again brings the same rows back
    response = await client.post(f"{ADMIN}/kt_sample/enable", headers=admin)
    assert response.json()["state"] == "loaded"
    assert (await client.get(ITEMS, headers=agent)).json() == rows_before
    assert kt_sample.CALLS[1:] == ["plugin_setup", "startup", "plugin_state_changed:kt_sample:True"]
    await set_state("kt_bad_creds", True)
    assert kt_sample.CALLS[-1] == "plugin_state_changed:kt_bad_creds:True"
    await set_state("kt_bad_creds", False)


async def test_failing_plugins_are_reported_and_the_rest_keeps_running(
    client, app, auth_headers, set_state
):
    admin, agent = await auth_headers("it_admin"), await auth_headers("agent")
    await set_state("kt_sample", True)
    expected = {
        "kt_not_ready": ("not_ready", "waiting for the marker file (not set)"),
        "kt_bad_creds": ("bad_credentials", "the mail server refused the user kt-fixture"),
        "kt_broken": ("broken", "RuntimeError: kt_broken fails on import on purpose"),
    }
    for name, (state, reason) in expected.items():
        response = await client.post(f"{ADMIN}/{name}/enable", headers=admin)
        assert response.status_code == 200, response.text
        assert (response.json()["state"], response.json()["reason"]) == (state, reason)

    listed = {p["name"]: p for p in (await client.get(f"{ADMIN}/", headers=admin)).json()}
    for name, (state, reason) in expected.items():
        assert (listed[name]["enabled"], listed[name]["state"]) == (True, state)
        assert listed[name]["reason"] == reason
    assert listed["kt_sample"]["state"] == "loaded"

    health = await client.get("/api/v1/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "degraded" and body["database"]["ok"] is True
    plugins = {p["name"]: p for p in body["plugins"]}
    assert plugins["kt_not_ready"]["reason"] == "not ready, will be retried"
    assert plugins["kt_bad_creds"]["reason"] == "credentials refused"
    assert plugins["kt_broken"]["reason"] == "failed to load"
    detailed = {
        p["name"]: p for p in (await client.get("/api/v1/health", headers=admin)).json()["plugins"]
    }
    for name, (state, reason) in expected.items():
        assert (detailed[name]["state"], detailed[name]["reason"]) == (state, reason)

    # the rest of the appliance keeps running
    assert (await client.get(ITEMS, headers=agent)).status_code == 200
    assert (await client.get("/api/v1/users", headers=admin)).status_code == 200
    show = await client.get(f"{ADMIN}/kt_sample", headers=admin)
    assert show.json()["manifest"]["version"] == "1.2.0"
    assert show.json()["config"] == {"greeting": "hej", "max_items": 100}

    for name in expected:
        await set_state(name, False)
    assert (await client.get("/api/v1/health")).json()["status"] == "ok"


async def test_not_ready_plugin_is_mounted_when_it_becomes_ready(
    client, app, auth_headers, set_state, tmp_path: Path, monkeypatch
):
    agent = await auth_headers("agent")
    marker = tmp_path / "ready"
    monkeypatch.setenv("KONTAKT_PLUGIN_KT_NOT_READY_MARKER", str(marker))
    assert (await set_state("kt_not_ready", True))["state"] == "not_ready"
    assert (
        await client.get("/api/v1/plugins/kt_not_ready/status", headers=agent)
    ).status_code == 404
    assert await runtime.retry_not_ready(app) == []

    marker.write_text("ready")
    assert await runtime.retry_not_ready(app) == ["kt_not_ready"]
    response = await client.get("/api/v1/plugins/kt_not_ready/status", headers=agent)
    assert response.status_code == 200 and response.json() == {"ready": True}
    # its permission, loaded at runtime, is in force: only agents hold it
    admin = await auth_headers("it_admin")
    assert (
        await client.get("/api/v1/plugins/kt_not_ready/status", headers=admin)
    ).status_code == 403
    await set_state("kt_not_ready", False)
    assert (
        await client.get("/api/v1/plugins/kt_not_ready/status", headers=agent)
    ).status_code == 404
