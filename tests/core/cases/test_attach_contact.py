"""A contact registered earlier opens a new case or joins an open one (``attach_contact``):
one case per contact, closed cases refused, audited, on the timeline, hooks after commit."""

from __future__ import annotations

import pytest

from core.audit.tables import AuditEntry
from core.auth.service import Principal
from core.cases import service
from core.errors import Conflict, InvalidInput, NotFound
from tests.core.cases.test_after_commit import agent


async def lone_contact(principal: Principal, summary: str = "Fråga i receptionen") -> str:
    result = await service.register_contact(
        principal, service.ContactInput(channel="phone", summary=summary)
    )
    assert result["case"] is None
    return result["contact"]["number"]


async def test_a_contact_opens_a_case(recorder, auth_headers, org_setup):
    principal = await agent(auth_headers)
    contact = await lone_contact(principal)
    recorder.calls.clear()
    result = await service.attach_contact(
        principal, contact, case_type=org_setup["bygglov"], summary="Frågar om bygglov"
    )
    case = result["case"]
    assert case["case_type"] == org_setup["bygglov"] and case["status"] == "received"
    assert case["subject"] == "Frågar om bygglov" and case["owner"] == principal.username
    assert result["access_code"]
    full = await service.get_case(principal, case["number"])
    assert [c["number"] for c in full["contacts"]] == [contact]
    assert any(e["kind"] == "contact" and e["data"]["contact"] == contact for e in full["timeline"])
    entry = (
        await AuditEntry.select()
        .where(AuditEntry.action == "contact.attach")
        .where(AuditEntry.object_id == contact)
        .first()
    )
    assert entry is not None and entry["actor"] == principal.username
    assert recorder.calls == [("case_created", case["number"])]


async def test_a_contact_joins_an_open_case(recorder, auth_headers, org_setup):
    principal = await agent(auth_headers)
    opened = await service.register_contact(
        principal,
        service.ContactInput(
            channel="phone", summary="Först", case_type=org_setup["bygglov"], open_case=True
        ),
    )
    number = opened["case"]["number"]
    contact = await lone_contact(principal, "Sedan")
    recorder.calls.clear()
    result = await service.attach_contact(principal, contact, join_case=number)
    assert result["case"]["number"] == number and result["access_code"] is None
    full = await service.get_case(principal, number)
    assert {c["number"] for c in full["contacts"]} == {opened["contact"]["number"], contact}
    assert recorder.calls == [("case_changed", "contact")]
    with pytest.raises(Conflict, match="already in a case"):
        await service.attach_contact(principal, contact, join_case=number)
    with pytest.raises(Conflict, match="already in a case"):
        await service.attach_contact(principal, contact, case_type=org_setup["bygglov"])


async def test_refusals(auth_headers, org_setup):
    principal = await agent(auth_headers)
    contact = await lone_contact(principal)
    with pytest.raises(InvalidInput):
        await service.attach_contact(principal, contact)
    with pytest.raises(InvalidInput):
        await service.attach_contact(
            principal, contact, case_type=org_setup["bygglov"], join_case="X"
        )
    with pytest.raises(NotFound):
        await service.attach_contact(principal, contact, case_type="finns-inte")
    with pytest.raises(NotFound):
        await service.attach_contact(principal, contact, join_case="KC-0000-99999")
    with pytest.raises(NotFound):
        await service.attach_contact(principal, "K-0000-99999", case_type=org_setup["bygglov"])
    closed = await service.register_contact(
        principal,
        service.ContactInput(
            channel="phone",
            summary="Klart",
            case_type=org_setup["bygglov"],
            open_case=True,
            resolved_first_contact=True,
        ),
    )
    assert closed["case"]["status"] == "closed"
    with pytest.raises(Conflict, match="closed"):
        await service.attach_contact(principal, contact, join_case=closed["case"]["number"])
    # nothing was attached by the refusals
    assert (await service.attach_contact(principal, contact, case_type=org_setup["bygglov"]))[
        "case"
    ]


async def test_case_numbers_of_contacts_and_full_names(recorder, auth_headers, org_setup):
    """The bulk look-ups plugins use instead of joining the core's tables: contacts in a case
    give its number, others nothing; users give their full names, unknown names nothing."""
    from core.auth import service as users

    principal = await agent(auth_headers)
    alone = await lone_contact(principal, "Ensam")
    placed = await lone_contact(principal, "Hamnar i ärende")
    case = (await service.attach_contact(principal, placed, case_type=org_setup["bygglov"]))[
        "case"
    ]["number"]
    assert await service.case_numbers_of_contacts([alone, placed, "KT-0-0", ""]) == {placed: case}
    assert await service.case_numbers_of_contacts([]) == {}
    me = await users.get_user(principal.username)
    assert await users.full_names([principal.username, "ingen-sadan", ""]) == {
        principal.username: me["full_name"]
    }
