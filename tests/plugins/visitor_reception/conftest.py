"""Fixtures of the visitor reception's tests: the plugin enabled in the session's app (as the
admin API does it: persisted, migrations run), two hosts accepting visitors (one in a
protected unit, with e-mail) and a paired kiosk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import ROLE_PASSWORD

NAME = "visitor_reception"
BASE = "/api/v1/plugins/visitor_reception"


async def set_plugin(app, enabled: bool) -> dict[str, Any]:
    """Persist (audited, migrations on enable) and apply to the in-process app."""
    from core.plugin_admin import runtime, service

    result = await service.set_enabled("test", NAME, enabled)
    return {**result, **await runtime.apply(app, NAME, enabled, "test")}


@pytest.fixture(scope="session")
async def reception(app, client, role_users, auth_headers) -> AsyncIterator[dict[str, Any]]:
    """The plugin loaded; yields the hosts' ids and usernames and a kiosk's token."""
    from core.auth import service as auth
    from plugins.visitor_reception import hosts, kiosks

    state = await set_plugin(app, True)
    assert state["state"] == "loaded", state
    for username, name, email in (
        ("vr-host", "Vera Värdsson", "vera@ekeby.example"),
        ("vr-social", "Sixten Socialsekreterare", "sixten@ekeby.example"),
    ):
        try:
            await auth.get_user(username)
        except Exception:
            await auth.create_user(
                "test", username, name, ROLE_PASSWORD, ["case_officer"], email=email
            )
    host = await hosts.save("test", "vr-host", "Bygglov", "Plan 3, rum 301", False, True)
    social = await hosts.save("test", "vr-social", "Individ- och familjeomsorg", "", True, True)
    kiosk = await kiosks.pair("test", "Entrén", "Huvudentrén")
    yield {"host": host, "social": social, "kiosk": kiosk}
    await set_plugin(app, False)


def kiosk_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
