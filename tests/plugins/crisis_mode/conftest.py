"""Fixtures shared by the crisis mode areas' tests: the plugin enabled in the session's app
(as the admin API does it: persisted, migrations run) and two crisis team members besides
the role user ``crisis-team-user`` (approval needs a second person).

``crisis`` yields ``{"base": BASE, "leader": username, "second": username}``;
``crisis_headers("leader")`` / ``("second")`` give their Authorization headers, and
``auth_headers("crisis_team")`` the role user's. Area fixtures live in each area's own
conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import ROLE_PASSWORD, login

NAME = "crisis_mode"
BASE = "/api/v1/plugins/crisis_mode"
TEAM = {
    "leader": ("kris-ledare", "Karin Krisledare", "karin.krisledare@ekeby.example"),
    "second": ("kris-andra", "Anders Andreasson", "anders.andreasson@ekeby.example"),
}


async def set_plugin(app, name: str, enabled: bool) -> dict[str, Any]:
    """Persist (audited, migrations on enable) and apply to the in-process app."""
    from core.plugin_admin import runtime, service

    result = await service.set_enabled("test", name, enabled)
    return {**result, **await runtime.apply(app, name, enabled, "test")}


@pytest.fixture(scope="session")
async def crisis(app, client, role_users) -> AsyncIterator[dict[str, Any]]:
    """The crisis_mode plugin loaded, with two named crisis team members."""
    from core.auth import service as auth

    state = await set_plugin(app, NAME, True)
    assert state["state"] == "loaded", state
    for username, name, email in TEAM.values():
        try:
            await auth.get_user(username)
        except Exception:
            await auth.create_user(
                "test", username, name, ROLE_PASSWORD, ["crisis_team"], email=email
            )
    yield {"base": BASE, **{key: value[0] for key, value in TEAM.items()}}
    await set_plugin(app, NAME, False)


@pytest.fixture(scope="session")
async def crisis_headers(client, crisis):
    """``await crisis_headers("leader")`` -> Authorization headers of that team member."""
    tokens: dict[str, dict[str, str]] = {}

    async def get(who: str) -> dict[str, str]:
        if who not in tokens:
            tokens[who] = await login(client, TEAM[who][0], ROLE_PASSWORD)
        return tokens[who]

    return get


async def forget_stored_plan() -> None:
    """Back to the default plan (a test that stored its own leaves it for the others)."""
    from core import db
    from core.db import raw

    async with db.transaction():
        await raw.fetch("DELETE FROM crisis_plan_step")
