"""Ingest: every event applied once, any order, every call a core contact, call-backs."""

from __future__ import annotations

import time

import pytest

from core.cases.tables import Callback, Contact
from core.db import raw
from core.errors import InvalidInput
from plugins.telephony_centrex import service
from tests.plugins.telephony_centrex.conftest import GROUP, call_id, event


async def _contact(number: str) -> dict:
    row = (
        await Contact.select(
            *Contact.all_columns(), Contact.answer_group.code, Contact.agent.username
        )
        .where(Contact.number == number)
        .first()
    )
    assert row is not None
    return row


async def test_answered_call_is_merged_and_registered_after_the_wrapup_time(telephony):
    cid, t0 = call_id(), time.time() - 400
    new = event(cid, "new", t0, from_number="070-123 45 67", to_number="08-500 500 00", queue=GROUP)
    first = await service.ingest(new)
    assert first.stored and first.call["state"] == "ringing"
    assert first.call["caller"] == "+46701234567" and first.call["called"] == "+46850050000"
    await service.ingest(event(cid, "answer", t0 + 30, user=telephony["agent"]))
    ended = await service.ingest(event(cid, "hangup", t0 + 210, cause="normalClearing"))
    call = ended.call
    assert (call["state"], call["outcome"]) == ("ended", "answered")
    assert (call["wait_seconds"], call["talk_seconds"]) == (30, 180)
    assert call["contact_number"] is None and ended.contact is None  # waiting for a wrap-up
    numbers = await service.register_overdue(int(t0) + 210 + 301)
    stored = await service.get_call("test", cid)
    assert stored["contact_number"] in numbers
    contact = await _contact(stored["contact_number"])
    assert contact["channel"] == "phone" and contact["answer_group.code"] == GROUP
    assert contact["agent.username"] == telephony["agent"]
    assert (contact["wait_seconds"], contact["handle_seconds"]) == (30, 180)
    assert contact["external_ref"] == f"telephony:test:{cid}"
    # the sweep does not register it twice
    assert stored["contact_number"] not in await service.register_overdue(int(t0) + 2000)


async def test_a_repeated_event_is_applied_once(telephony):
    cid, t0 = call_id(), time.time() - 100
    assert (await service.ingest(event(cid, "new", t0, from_number="0701112233"))).stored
    again = await service.ingest(event(cid, "new", t0 + 5, from_number="0709999999"))
    assert not again.stored
    call = await service.get_call("test", cid)
    assert call["caller"] == "+46701112233" and call["offered_at"] == int(t0)
    assert await service.event_count("test", cid) == 1


async def test_hangup_before_answer_gives_the_same_call(telephony):
    t0 = time.time() - 300
    in_order, reordered = call_id("ordered"), call_id("reordered")
    kinds = [
        ("new", t0, {"from_number": "0702223344", "queue": GROUP}),
        ("answer", t0 + 12, {"user": telephony["agent"]}),
        ("hangup", t0 + 100, {"cause": "normalClearing"}),
    ]
    for kind, at, fields in kinds:
        await service.ingest(event(in_order, kind, at, **fields))
    for kind, at, fields in (kinds[2], kinds[1], kinds[0]):
        await service.ingest(event(reordered, kind, at, **fields))
    a = await service.get_call("test", in_order)
    b = await service.get_call("test", reordered)
    keys = ("state", "outcome", "offered_at", "answered_at", "ended_at", "wait_seconds")
    keys += ("talk_seconds", "caller", "answer_group", "agent", "local_day", "local_half_hour")
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}
    assert b["outcome"] == "answered" and b["talk_seconds"] == 88


async def test_abandoned_call_is_a_contact_at_once_with_a_callback_on_the_groups_list(telephony):
    cid, t0 = call_id(), time.time() - 60
    await service.ingest(event(cid, "new", t0, from_number="+46 70 555 66 77", queue=GROUP))
    result = await service.ingest(event(cid, "hangup", t0 + 45, cause="cancel"))
    assert result.call["outcome"] == "abandoned" and result.call["wait_seconds"] == 45
    assert result.contact is not None
    contact = await _contact(result.contact)
    assert contact["agent"] is None and contact["wait_seconds"] == 45
    assert contact["handle_seconds"] is None and contact["answer_group.code"] == GROUP
    call = await service.get_call("test", cid)
    callback = (
        await Callback.select(*Callback.all_columns(), Callback.answer_group.code)
        .where(Callback.id == call["callback_id"])
        .first()
    )
    assert callback["phone"] == "+46705556677" and callback["outcome"] == "pending"
    assert callback["answer_group.code"] == GROUP
    assert callback["preferred_from"] <= time.time() < callback["preferred_to"]
    # a second abandoned call from the same number does not add a second call-back
    again = call_id()
    await service.ingest(event(again, "new", t0 + 50, from_number="0705556677", queue=GROUP))
    await service.ingest(event(again, "hangup", t0 + 55, cause="cancel"))
    assert (await service.get_call("test", again))["callback_id"] == call["callback_id"]


async def test_missed_and_anonymous_calls(telephony):
    missed, anonymous = call_id(), call_id()
    t0 = time.time() - 30
    await service.ingest(event(missed, "new", t0, from_number="0703334455", queue=GROUP))
    result = await service.ingest(event(missed, "hangup", t0 + 20, cause="noAnswer"))
    assert result.call["outcome"] == "missed" and result.contact
    await service.ingest(event(anonymous, "new", t0, from_number="anonymous", queue=GROUP))
    result = await service.ingest(event(anonymous, "hangup", t0 + 3, cause="cancel"))
    assert result.call["caller"] == "" and result.contact
    assert (await service.get_call("test", anonymous))["callback_id"] is None


async def test_the_party_is_found_by_number(telephony):
    from core import db
    from core.parties.service import create_party

    async with db.transaction():
        party = await create_party(
            "test", {"kind": "person", "name": "Alva Nummer", "phone": "+46704445566"}
        )
    cid, t0 = call_id(), time.time() - 30
    result = await service.ingest(event(cid, "new", t0, from_number="0046704445566"))
    assert result.call["party_id"] == party
    result = await service.ingest(event(cid, "hangup", t0 + 5, cause="cancel"))
    assert (await _contact(result.contact))["party"] == party


@pytest.mark.parametrize(
    "fields",
    [
        {"source": "Bad Source"},
        {"call_id": ""},
        {"call_id": "x" * 121},
        {"kind": "ring"},
        {"direction": "sideways"},
        {"at": 0},
        {"from_number": "not a number"},
        {"queue": "q" * 61},
    ],
)
async def test_bad_events_are_refused_and_store_nothing(telephony, fields):
    from dataclasses import replace

    cid = call_id()
    bad = replace(event(cid, "new", from_number="0701234567"), **fields)
    with pytest.raises(InvalidInput):
        await service.ingest(bad)
    rows = await raw.fetch("SELECT id FROM telephony_call WHERE call_id = ?", bad.call_id)
    assert rows == []


def test_numbers_in_any_form_become_e164():
    assert service.normalise_number("070-123 45 67", "SE") == "+46701234567"
    assert service.normalise_number("+46 70 123 45 67", "SE") == "+46701234567"
    assert service.normalise_number("0046701234567", "SE") == "+46701234567"
    assert service.normalise_number("46701234567", "SE") == "+46701234567"  # sipgate style
    assert service.normalise_number("4930123456", "SE") == "+4930123456"
    assert service.normalise_number("201", "SE") == "201"  # an extension
    assert service.normalise_number("anonymous", "SE") == ""
    with pytest.raises(InvalidInput):
        service.normalise_number("12ab", "SE")


async def _fail_contact_number_of(cid: str) -> str:
    """A database trigger that refuses storing a contact number on call ``cid`` (the last
    step of registering it); returns the statement that drops it."""
    from core import db

    condition = f"NEW.call_id = '{cid}' AND NEW.contact_number IS NOT NULL"
    async with db.transaction():
        if db.get_engine().engine_type == "postgres":
            await raw.fetch(
                "CREATE FUNCTION fail_contact_number() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
            )
            await raw.fetch(
                "CREATE TRIGGER fail_contact_number BEFORE UPDATE ON telephony_call FOR EACH ROW "
                f"WHEN ({condition}) EXECUTE FUNCTION fail_contact_number()"
            )
            return "DROP FUNCTION fail_contact_number() CASCADE"
        await raw.fetch(
            "CREATE TRIGGER fail_contact_number BEFORE UPDATE ON telephony_call FOR EACH ROW "
            f"WHEN {condition} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
        return "DROP TRIGGER fail_contact_number"


async def test_a_failed_registration_keeps_the_event_and_undoes_only_the_contact(telephony):
    from core import db
    from core.audit.tables import AuditEntry

    cid, t0 = call_id(), time.time() - 60
    await service.ingest(event(cid, "new", t0, from_number="0702223344", queue=GROUP))
    drop = await _fail_contact_number_of(cid)
    try:
        result = await service.ingest(event(cid, "hangup", t0 + 30, cause="cancel"))
    finally:
        async with db.transaction():
            await raw.fetch(drop)
    # the event and the ended call are stored; the contact, its call-back and audit are not
    assert result.stored and result.contact is None
    assert await service.event_count("test", cid) == 2
    call = await service.get_call("test", cid)
    assert call["outcome"] == "abandoned" and call["contact_number"] is None
    ref = f"telephony:test:{cid}"
    assert await Contact.count().where(Contact.external_ref == ref) == 0
    assert await Callback.count().where(Callback.phone == "+46702223344") == 0
    assert await AuditEntry.count().where(AuditEntry.object_id == cid) == 0
    # the sweep registers it later, once
    numbers = await service.register_overdue(int(time.time()) + 120)
    call = await service.get_call("test", cid)
    assert call["contact_number"] in numbers and call["callback_id"]
    assert await Contact.count().where(Contact.external_ref == ref) == 1
