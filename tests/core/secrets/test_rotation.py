"""``kontakt keys rotate``: every encrypted row re-encrypted under the new key, audited."""

from __future__ import annotations

import json
import uuid

import pytest
from piccolo.columns import Text, Varchar
from piccolo.table import Table

from core import audit, db
from core.audit.tables import AuditEntry
from core.secrets import fields
from core.secrets.rotation import rotate_keys

SUFFIX = uuid.uuid4().hex[:8]


class SecretThing(Table, tablename=f"test_secret_thing_{SUFFIX}"):
    label = Varchar(length=50)
    pnr = Text(null=True, default=None)
    pnr_index = Varchar(length=80, null=True, default=None, index=True)


def normalise(value: str) -> str:
    return value.replace("-", "")


FIELD = fields.EncryptedField(
    SecretThing, "pnr", "pnr_index", context="secret_thing.pnr", normalise=normalise
)
PEOPLE = {"anna": "19121212-1212", "bo": "19700101-1234", "cai": "20010203-4567"}


@pytest.fixture
async def secret_table(runtime):
    db.bind_tables()
    await SecretThing.create_table(if_not_exists=True)
    fields.register(FIELD)
    try:
        yield SecretThing
    finally:
        fields.unregister(FIELD)
        await SecretThing.alter().drop_table(if_exists=True)


async def rows_by_label() -> dict[str, dict]:
    return {r["label"]: r for r in await SecretThing.select()}


async def audit_entries(action: str, after_seq: int) -> list[dict]:
    rows = await AuditEntry.select().where(
        (AuditEntry.action == action) & (AuditEntry.seq > after_seq)
    )
    return [{**r, "details": json.loads(r["details"])} for r in rows]


async def test_rotation_reencrypts_reindexes_and_is_audited(secret_table) -> None:
    async with db.transaction():
        for label, pnr in PEOPLE.items():
            await SecretThing.insert(
                SecretThing(label=label, pnr=FIELD.encrypt(pnr), pnr_index=FIELD.index(pnr))
            )
            audit.record("test", "secret_thing.create", "secret_thing", label)
        await SecretThing.insert(SecretThing(label="nobody"))
    before = await rows_by_label()
    old_field, old_index = fields.current_field_version(), fields.current_index_version()
    seq_before = (
        await AuditEntry.select(AuditEntry.seq).order_by(AuditEntry.seq, ascending=False).first()
    )["seq"]

    report = await rotate_keys("test-rotator", rotate_index=True)

    assert report.field_key == old_field + 1 == fields.current_field_version()
    assert report.index_key == old_index + 1 == fields.current_index_version()
    mine = next(r for r in report.results if r.name == f"{SecretThing._meta.tablename}.pnr")
    assert (mine.rewritten, mine.skipped) == (3, 1)
    after = await rows_by_label()
    for label, pnr in PEOPLE.items():
        row = after[label]
        assert row["pnr"].startswith(f"v{report.field_key}:")
        assert row["pnr"] != before[label]["pnr"]
        assert FIELD.decrypt(row["pnr"]) == pnr
        # the old key stays in the keyring: old ciphertexts still decrypt
        assert fields.key_version_of(before[label]["pnr"]) == old_field
        assert FIELD.decrypt(before[label]["pnr"]) == pnr
        assert row["pnr_index"] == FIELD.index(pnr) == fields.blind_index(normalise(pnr))
        assert row["pnr_index"].startswith(f"{report.index_key}:")
        assert row["pnr_index"] != before[label]["pnr_index"]
        found = await SecretThing.select(SecretThing.label).where(
            SecretThing.pnr_index.is_in(FIELD.lookups(pnr.replace("-", "")))
        )
        assert found == [{"label": label}]
    assert after["nobody"]["pnr"] is None

    (rotated,) = await audit_entries("keys.rotate", seq_before)
    assert rotated["actor"] == "test-rotator"
    assert rotated["details"]["field_key"] == report.field_key
    assert rotated["details"]["index_key"] == report.index_key
    (reencrypted,) = await audit_entries("keys.reencrypt", seq_before)
    counts = reencrypted["details"]["fields"][f"{SecretThing._meta.tablename}.pnr"]
    assert counts["rewritten"] == 3
    text = json.dumps([rotated, reencrypted])
    for pnr in PEOPLE.values():
        assert normalise(pnr) not in text and pnr not in text

    # run again without a new key: nothing left to do, rows untouched
    again = await rotate_keys("test-rotator", resume=True)
    mine = next(r for r in again.results if r.name == f"{SecretThing._meta.tablename}.pnr")
    assert (mine.rewritten, mine.skipped) == (0, 4)
    assert await rows_by_label() == after


async def test_rows_left_under_an_old_index_are_still_found(secret_table) -> None:
    pnr = "19991231-9999"
    async with db.transaction():
        await SecretThing.insert(
            SecretThing(label="old", pnr=FIELD.encrypt(pnr), pnr_index=FIELD.index(pnr))
        )
        audit.record("test", "secret_thing.create", "secret_thing", "old")
    stored_index = (await SecretThing.select().where(SecretThing.label == "old").first())[
        "pnr_index"
    ]
    fields.new_index_key()  # e.g. another process rotated, this row not re-indexed yet
    assert stored_index not in [FIELD.index(pnr)]
    assert stored_index in FIELD.lookups(pnr)
    found = await SecretThing.select(SecretThing.label).where(
        SecretThing.pnr_index.is_in(FIELD.lookups(pnr))
    )
    assert found == [{"label": "old"}]
    report = await rotate_keys("test-rotator", resume=True)
    mine = next(r for r in report.results if r.name == f"{SecretThing._meta.tablename}.pnr")
    assert mine.rewritten == 1
    row = await SecretThing.select().where(SecretThing.label == "old").first()
    assert row["pnr_index"] == FIELD.index(pnr)
