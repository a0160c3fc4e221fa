"""The plugin as a whole: found by name, every route in the permission matrix, its driver's
state, setup failing honestly (not_ready without a token, broken with an unknown driver),
disable/enable keeping the data, wrap-up errors, and a Swedish text for every message."""

from __future__ import annotations

import time
from pathlib import Path

from core.i18n import catalogue
from core.plugin_host import PluginHost, discover
from core.secrets import keystore
from plugins.telephony_centrex import runtime, service
from tests.conftest import ROLE_PASSWORD, login
from tests.plugins.telephony_centrex.conftest import BASE, GROUP, call_id, event, set_plugin
from tests.support import permission_matrix
from tests.support.msgids import scan

ROOT = Path(__file__).resolve().parents[3]


def test_the_plugin_is_found_by_name_with_a_valid_manifest():
    info = discover()["telephony_centrex"]
    assert info.source == "first-party" and info.manifest is not None
    assert info.piccolo_app == "plugins.telephony_centrex.piccolo_app"
    assert "telephony-webhook-token" in info.manifest.secrets


async def test_every_route_is_in_the_permission_matrix(
    client, app, auth_headers, role_users, telephony
):
    async def fresh(role: str) -> dict[str, str]:
        return await login(client, role_users[role], ROLE_PASSWORD)

    schema = (await client.get("/api/schema/openapi.json")).json()
    ours = [op for op in permission_matrix.operations(app, schema) if "telephony" in op.path]
    assert len(ours) >= 15 and all(op.public or op.permission for op in ours)
    assert [op.path for op in ours if op.public] == [f"{BASE}/webhook/{{source}}"]
    # the plugin's own routes; the core's are walked by tests/core/test_permission_matrix.py
    problems = await permission_matrix.check(
        client, app, auth_headers, fresh, only=lambda op: "telephony" in op.path
    )
    assert problems == []


async def test_the_driver_state_is_shown(client, auth_headers, telephony):
    response = await client.get(f"{BASE}/driver", headers=await auth_headers("it_admin"))
    assert response.status_code == 200
    state = response.json()
    assert state["driver"] == "webhook" and state["state"] == "passive"
    assert state["capabilities"] == ["events", "overflow"]
    bad = await client.get(
        f"{BASE}/driver", params={"x": 1}, headers=await auth_headers("it_admin")
    )
    assert bad.status_code == 400


async def test_setup_without_a_token_is_not_ready_and_an_unknown_driver_broken(
    telephony, settings, monkeypatch
):
    keystore.delete(runtime.WEBHOOK_TOKEN_SECRET)
    try:
        host = PluginHost()
        host.load({"telephony_centrex"}, settings)
        status = host.status["telephony_centrex"]
        assert status.state == "not_ready" and "telephony-webhook-token" in status.reason
    finally:
        keystore.put(runtime.WEBHOOK_TOKEN_SECRET, telephony["token"])
    monkeypatch.setenv("KONTAKT_PLUGIN_TELEPHONY_CENTREX_DRIVER", "carrier-pigeon")
    host = PluginHost()
    host.load({"telephony_centrex"}, settings)
    status = host.status["telephony_centrex"]
    assert status.state == "broken" and "carrier-pigeon" in status.reason
    monkeypatch.setenv("KONTAKT_PLUGIN_TELEPHONY_CENTREX_DRIVER", "webhook")
    monkeypatch.setenv("KONTAKT_PLUGIN_TELEPHONY_CENTREX_WRAPUP_SECONDS", "soon")
    host = PluginHost()
    host.load({"telephony_centrex"}, settings)
    assert host.status["telephony_centrex"].state == "broken"


async def test_disable_keeps_the_data_and_enable_brings_it_back(
    client, app, auth_headers, telephony
):
    cid = call_id("keep")
    await service.ingest(event(cid, "new", time.time() - 10, from_number="0701010101"))
    agent = await auth_headers("agent")
    url = f"{BASE}/calls/test/{cid}"
    assert (await client.get(url, headers=agent)).status_code == 200
    try:
        assert (await set_plugin(app, False))["state"] == "disabled"
        assert (await client.get(url, headers=agent)).status_code == 404
        webhook = await client.post(
            f"{BASE}/webhook/centrex", json={}, headers={"X-Kontakt-Token": telephony["token"]}
        )
        assert webhook.status_code == 404
    finally:
        assert (await set_plugin(app, True))["state"] == "loaded"
    assert (await client.get(url, headers=agent)).json()["caller"] == "+46701010101"


async def test_wrap_up_errors(client, auth_headers, telephony):
    agent = await auth_headers("agent")
    cid, t0 = call_id("wrap"), time.time() - 100
    await service.ingest(event(cid, "new", t0, from_number="0702020202", queue=GROUP))
    await service.ingest(event(cid, "answer", t0 + 3, user=telephony["agent"]))
    url = f"{BASE}/calls/test/{cid}/wrapup"
    assert (await client.post(url, json={"summary": "x"}, headers=agent)).status_code == 409
    await service.ingest(event(cid, "hangup", t0 + 50, cause="normalClearing"))
    other = await client.post(url, json={"summary": "x"}, headers=await auth_headers("reception"))
    assert other.status_code == 403
    for body in (
        {"case_type": "no-such-type"},
        {"summary": 5},
        {"party_id": 0},
        {"language": "swedish"},
        {"open_case": True},
        {"colour": "red"},
    ):
        assert (await client.post(url, json=body, headers=agent)).status_code == 400, body
    done = await client.post(
        url, json={"summary": "Klart", "resolved_first_contact": True}, headers=agent
    )
    assert (
        done.status_code == 201 and done.json()["call"]["contact_number"] == done.json()["contact"]
    )
    assert (await client.post(url, json={"summary": "igen"}, headers=agent)).status_code == 409
    missing = await client.post(f"{BASE}/calls/test/no-such-call/wrapup", json={}, headers=agent)
    assert missing.status_code == 404
    assert (await client.get(f"{BASE}/calls/BAD/{cid}", headers=agent)).status_code == 400


def test_every_message_of_the_plugin_has_a_swedish_text(telephony):
    found, problems = scan(ROOT / "plugins" / "telephony_centrex", ROOT)
    assert problems == []
    swedish = catalogue("sv")
    missing = sorted({m.text for m in found if m.text not in swedish})
    assert missing == []


async def test_demo_calls_are_the_phone_contacts_and_every_one_a_contact(telephony):
    import random

    from core.cases.tables import Contact
    from core.db import raw
    from plugins.telephony_centrex import demo

    cid, t0 = call_id("demo"), time.time() - 50
    await service.ingest(event(cid, "new", t0, from_number="0703030303", queue=GROUP))
    await service.ingest(event(cid, "hangup", t0 + 9, cause="cancel"))
    phone = await Contact.count().where(
        (Contact.channel == "phone") & (Contact.received_at >= int(time.time()) - 86400)
    )
    counts = await demo.seed_calls(random.Random(3), 1)
    assert counts["calls"] == phone + counts["abandoned"]
    rows = await raw.fetch(
        "SELECT COUNT(*) AS n FROM telephony_call WHERE source = 'demo' AND contact_number IS NULL"
    )
    assert rows[0]["n"] == 0
    again = await demo.seed_calls(random.Random(3), 1)  # replaces the demo calls, never adds
    total = await raw.fetch("SELECT COUNT(*) AS n FROM telephony_call WHERE source = 'demo'")
    assert total[0]["n"] == again["calls"] < counts["calls"] + again["calls"]
