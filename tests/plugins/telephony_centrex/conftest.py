"""Fixtures of the telephony plugin's tests: the plugin enabled in the session's app (as the
admin API does it: persisted, migrations run), its webhook token in the keyring, and an
answer group with the agent user as a member."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from plugins.telephony_centrex.callevents import CallEvent

NAME = "telephony_centrex"
TOKEN = "test-webhook-token-" + uuid.uuid4().hex
BASE = "/api/v1/plugins/telephony_centrex"
GROUP = "tel-vard"
_ids = itertools.count(1)


async def set_plugin(app, enabled: bool) -> dict[str, Any]:
    """Persist (audited, migrations on enable) and apply to the in-process app."""
    from core.plugin_admin import runtime, service

    result = await service.set_enabled("test", NAME, enabled)
    return {**result, **await runtime.apply(app, NAME, enabled, "test")}


@pytest.fixture(scope="session")
async def telephony(app, client, role_users) -> AsyncIterator[dict[str, Any]]:
    """The plugin loaded with a token; yields names the tests use."""
    from core.org import service as org
    from core.secrets import keystore
    from plugins.telephony_centrex import runtime

    keystore.put(runtime.WEBHOOK_TOKEN_SECRET, TOKEN)
    state = await set_plugin(app, True)
    assert state["state"] == "loaded", state
    await org.save_department("test", "TELDEP", {"name_sv": "Teleförvaltningen"})
    await org.save_group("test", GROUP, {"name_sv": "Vård och omsorg", "department": "TELDEP"})
    await org.set_members(
        "test",
        GROUP,
        [
            {"username": role_users["agent"]},
            {"username": role_users["case_officer"], "virtual": True},
        ],
    )
    yield {"group": GROUP, "agent": role_users["agent"], "token": TOKEN}
    await set_plugin(app, False)


def call_id(prefix: str = "c") -> str:
    """A call id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}-{next(_ids)}"


def event(call: str, kind: str, at: float | None = None, **fields: Any) -> CallEvent:
    """A normalised event of the test source ``test``."""
    return CallEvent(source="test", call_id=call, kind=kind, at=at or time.time(), **fields)
