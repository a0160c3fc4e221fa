"""Fixtures of the activation area's tests: the telephony and reception plugins' own fixtures
(to run the plan against them), a way to run with them switched off, a listener on the live
events, and an activation that is always ended again."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.plugins.crisis_mode.conftest import BASE, set_plugin
from tests.plugins.telephony_centrex.conftest import telephony  # noqa: F401 (fixture)
from tests.plugins.visitor_reception.conftest import reception  # noqa: F401 (fixture)

COOPERATING = ("telephony_centrex", "visitor_reception")


@contextlib.asynccontextmanager
async def without(app, names: tuple[str, ...] = COOPERATING) -> AsyncIterator[None]:
    """Run with these plugins disabled, restoring each one's state afterwards."""
    from core.plugin_admin import service

    enabled = await service.enabled_names()
    for name in names:
        if name in enabled:
            await set_plugin(app, name, False)
    try:
        yield
    finally:
        for name in names:
            if name in enabled:
                await set_plugin(app, name, True)


class Listener:
    """Every live event published while it listens: ``core.events.publish`` still sends each
    one (the real websocket delivery is what bench/crisis_activation.py and the desktop test
    measure over a served app); the listener keeps a copy of what was sent."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.messages: list[dict[str, Any]] = []
        self._monkeypatch = monkeypatch

    async def __aenter__(self) -> Listener:
        from core import events

        publish = events.publish

        def recording(event: Any) -> None:
            publish(event)
            self.messages.append(json.loads(events.encode(event)))

        self._monkeypatch.setattr(events, "publish", recording)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._monkeypatch.undo()

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]


@pytest.fixture
def listener(monkeypatch: pytest.MonkeyPatch) -> Listener:
    return Listener(monkeypatch)


@pytest.fixture
async def ended(crisis) -> AsyncIterator[None]:
    """Whatever a test leaves active is deactivated afterwards (the session is shared)."""
    yield
    from plugins.crisis_mode.activation import events, service

    if await events.current() is not None:
        await service.deactivate("test", "test ended")


@pytest.fixture(scope="module")
async def case_types(client, crisis) -> dict[str, Any]:
    """Two ordinary case types with an agreement, in their own department."""
    import datetime as dt

    from core.org import lookup
    from core.org import service as org
    from core.sla import agreements

    suffix = uuid.uuid4().hex[:6]
    dept = f"K{suffix.upper()}"
    await org.save_department("test", dept, {"name_sv": "Kultur och fritid"})
    dept_id = (await lookup.department(dept))["id"]
    agreement = await agreements.create_agreement(
        "test", department_id=dept_id, name="Kris", valid_from=dt.date(2020, 1, 1)
    )
    codes = []
    for name in ("bibliotek", "bokning"):
        code = f"{name}-{suffix}"
        await org.save_case_type("test", code, {"name_sv": name.title(), "department": dept})
        await agreements.create_target(
            "test",
            agreement["id"],
            case_type_id=(await lookup.case_type(code))["id"],
            first_response_minutes=60,
            resolution_minutes=600,
        )
        codes.append(code)
    return {"codes": codes, "department": dept}


async def activate(client, headers, **body) -> Any:
    body = {"reason": "Vattenläcka i centrala Ekeby", "level": "heightened", **body}
    return await client.post(f"{BASE}/activate", json=body, headers=headers)


async def deactivate(client, headers, reason: str = "Läget är under kontroll") -> Any:
    return await client.post(f"{BASE}/deactivate", json={"reason": reason}, headers=headers)
