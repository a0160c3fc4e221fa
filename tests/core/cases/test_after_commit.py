"""Hooks and live events of a change made inside a caller's transaction wait for the
outermost commit, and a rollback drops them (the telephony plugin registers a contact and
its call row in one transaction)."""

from __future__ import annotations

import pytest

from core import db
from core.auth import service as auth
from core.auth.service import Principal
from core.cases import service
from core.cases.tables import Contact


class Undo(Exception):
    pass


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
