"""Recording: same transaction as the change, canonical details, nothing outside a transaction."""

from __future__ import annotations

import json
import math
import uuid

import pytest

from core import audit, db
from core.audit.chain import canonical
from core.audit.recorder import NotInTransaction
from core.audit.tables import AuditEntry
from core.auth import service as users
from core.errors import NotFound


class Boom(Exception):
    pass


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def entries_for(object_id: str) -> list[dict]:
    return (
        await AuditEntry.select().where(AuditEntry.object_id == object_id).order_by(AuditEntry.seq)
    )


async def test_entry_is_rolled_back_with_the_change(runtime) -> None:
    username = unique("rolled-back")
    before = await AuditEntry.count()
    with pytest.raises(Boom):
        async with db.transaction():
            await users.create_user("test", username, "Never Here", "password-123456", ["agent"])
            audit.record("test", "test.extra", "user", username, {"more": 1})
            raise Boom
    assert await entries_for(username) == []
    assert await AuditEntry.count() == before
    with pytest.raises(NotFound):
        await users.get_user(username)


async def test_entry_is_committed_with_the_change(runtime) -> None:
    username = unique("committed")
    async with db.transaction():
        await users.create_user("test", username, "Here", "password-123456", ["agent"])
        audit.record("test", "test.extra", "user", username, {"z": [1, "å"], "a": {"y": 2, "b": 1}})
    rows = await entries_for(username)
    assert [r["action"] for r in rows] == ["user.create", "test.extra"]
    assert rows[1]["seq"] == rows[0]["seq"] + 1
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    # One transaction, one signature: on its last entry.
    assert rows[0]["signature"] is None and rows[1]["signature"]
    assert rows[1]["details"] == '{"a":{"b":1,"y":2},"z":[1,"å"]}'
    assert rows[1]["details"] == canonical(json.loads(rows[1]["details"]))


async def test_record_outside_a_transaction_raises(runtime) -> None:
    before = await AuditEntry.count()
    with pytest.raises(NotInTransaction):
        audit.record("test", "test.outside", "thing", "1")
    with pytest.raises(NotInTransaction):
        audit.record_read("test", "thing", "1")
    assert await AuditEntry.count() == before


async def test_secret_values_never_reach_the_trail(runtime) -> None:
    object_id = unique("secret")
    async with db.transaction():
        audit.record(
            "test",
            "test.secret",
            "thing",
            object_id,
            {"password": "hunter2-x", "nested": {"api_token": "tok-123"}, "password_set": True},
        )
    (row,) = await entries_for(object_id)
    details = json.loads(row["details"])
    assert details == {
        "nested": {"api_token": "[redacted]"},
        "password": "[redacted]",
        "password_set": True,
    }
    assert "hunter2" not in row["details"] and "tok-123" not in row["details"]


async def test_bad_details_fail_at_the_call_and_roll_back(runtime) -> None:
    object_id = unique("nan")
    with pytest.raises(ValueError):
        async with db.transaction():
            audit.record("test", "test.fine", "thing", object_id, {})
            audit.record("test", "test.nan", "thing", object_id, {"x": math.nan})
    assert await entries_for(object_id) == []


async def test_long_fields_are_cut_to_the_columns(runtime) -> None:
    object_id = unique("long")
    async with db.transaction():
        audit.record("a" * 400, "test." + "b" * 300, "c" * 300, object_id + "d" * 300, {})
    rows = await AuditEntry.select().where(AuditEntry.object_id.like(object_id + "%"))
    assert len(rows) == 1
    assert (len(rows[0]["actor"]), len(rows[0]["action"]), len(rows[0]["object_id"])) == (
        150,
        100,
        100,
    )


async def test_read_of_secret_data_is_audited(runtime) -> None:
    object_id = unique("protected")
    async with db.transaction():
        audit.record_read("case-officer-user", "protected_identity", object_id, {"why": "case"})
    (row,) = await entries_for(object_id)
    assert (row["action"], row["actor"]) == ("read", "case-officer-user")
