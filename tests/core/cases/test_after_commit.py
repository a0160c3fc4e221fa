"""Hooks and live events of a change made inside a caller's transaction wait for the
outermost commit, and a rollback drops them (the telephony plugin registers a contact and
its call row in one transaction)."""

from __future__ import annotations

from typing import Any

import pytest

from core import db
from core.auth import service as auth
from core.auth.service import Principal
from core.cases import service
from core.cases.tables import Contact
from core.hookspecs import hookimpl


class Recorder:
    """A plugin that remembers which case hooks it was called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @hookimpl
    def contact_registered(self, contact: dict[str, Any], actor: str) -> None:
        self.calls.append(("contact_registered", contact["number"]))

    @hookimpl
    def case_created(self, case: dict[str, Any], actor: str) -> None:
        self.calls.append(("case_created", case["number"]))

    @hookimpl
    def case_changed(self, case: dict[str, Any], change: str, actor: str) -> None:
        self.calls.append(("case_changed", change))


class Undo(Exception):
    pass


@pytest.fixture
def recorder(app):
    plugin = Recorder()
    app.state.host.pm.register(plugin, name="test-after-commit")
    yield plugin
    app.state.host.pm.unregister(name="test-after-commit")


async def agent(auth_headers) -> Principal:
    token = (await auth_headers("agent"))["Authorization"].removeprefix("Bearer ")
    principal = await auth.authenticate(token)
    assert principal is not None
    return principal


def opening(org_setup, summary: str) -> service.ContactInput:
    return service.ContactInput(
        channel="phone", summary=summary, case_type=org_setup["bygglov"], open_case=True
    )


async def test_a_rolled_back_outer_transaction_fires_no_hook(recorder, auth_headers, org_setup):
    principal = await agent(auth_headers)
    with pytest.raises(Undo):
        async with db.transaction():
            result = await service.register_contact(
                principal, opening(org_setup, "Rullas tillbaka")
            )
            assert recorder.calls == []  # not before the outer commit
            raise Undo
    assert recorder.calls == []
    number = result["contact"]["number"]
    assert await Contact.count().where(Contact.number == number) == 0


async def test_hooks_run_after_the_outer_commit(recorder, auth_headers, org_setup):
    principal = await agent(auth_headers)
    async with db.transaction():
        result = await service.register_contact(principal, opening(org_setup, "Sparas"))
        await service.change_status(principal, result["case"]["number"], "in_progress")
        assert recorder.calls == []
    assert recorder.calls == [
        ("contact_registered", result["contact"]["number"]),
        ("case_created", result["case"]["number"]),
        ("case_changed", "status"),
    ]


async def test_a_nested_status_change_rolled_back_fires_no_hook(recorder, auth_headers, org_setup):
    principal = await agent(auth_headers)
    number = (await service.register_contact(principal, opening(org_setup, "Status")))["case"][
        "number"
    ]
    recorder.calls.clear()
    with pytest.raises(Undo):
        async with db.transaction():
            await service.change_status(principal, number, "in_progress")
            raise Undo
    assert recorder.calls == []
    assert (await service.get_case(principal, number, timeline=False))["status"] == "received"
