"""Plugins add contact channels through ``register_channels``."""

from core.cases import service
from core.hookspecs import hookimpl


class KioskChannel:
    @hookimpl
    def register_channels(self):
        return ["kiosk", "NOT valid!"]


async def test_a_plugin_channel_is_accepted_and_bad_names_are_ignored(app, client, auth_headers):
    host = app.state.host
    agent = await auth_headers("agent")
    refused = await client.post(
        "/api/v1/contacts", headers=agent, json={"channel": "kiosk", "summary": "Besök"}
    )
    assert refused.status_code == 400
    host.pm.register(KioskChannel(), name="test-kiosk-channel")
    try:
        service.configure(service.current_settings(), host)
        assert "kiosk" in service.channels() and "NOT valid!" not in service.channels()
        accepted = await client.post(
            "/api/v1/contacts", headers=agent, json={"channel": "kiosk", "summary": "Besök"}
        )
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["contact"]["channel"] == "kiosk"
    finally:
        host.pm.unregister(name="test-kiosk-channel")
        service.configure(service.current_settings(), host)
    assert "kiosk" not in service.channels()
