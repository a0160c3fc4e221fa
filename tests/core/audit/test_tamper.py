"""``kontakt audit verify`` against a database somebody tampered with directly."""

from __future__ import annotations

import base64
import json

import pytest

from core.audit.chain import entry_hash, row_hash
from tests.core.audit.support import Installation

HEAD = 16


def assert_broken(inst: Installation, seq: int, *words: str) -> str:
    """verify exits non-zero and names entry ``seq`` as the first bad one."""
    proc = inst.verify()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"audit chain BROKEN at entry {seq}:" in proc.stdout, proc.stdout
    for word in words:
        assert word in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stderr
    return proc.stdout


def rehash(inst: Installation, start: int) -> None:
    """Recompute prev_hash and hash of every entry from ``start`` on (no key needed)."""
    prev = inst.entry(start - 1)["hash"] if start > 1 else "0" * 64
    for row in inst.entries():
        if row["seq"] < start:
            continue
        digest = row_hash(prev, row)
        inst.sql(
            "UPDATE audit_entry SET prev_hash = ?, hash = ? WHERE seq = ?", prev, digest, row["seq"]
        )
        prev = digest


def forged_row(inst: Installation, seq: int, prev: str, **extra) -> None:
    values = {
        "seq": seq,
        "at": "2026-01-01T00:00:00.000000Z",
        "actor": "mallory",
        "action": "user.create",
        "object_type": "user",
        "object_id": "backdoor",
        "details": "{}",
    }
    digest = entry_hash(prev, *values.values())
    row = {**values, "prev_hash": prev, "hash": digest, "signature": None, "key_id": None}
    row.update(extra)
    names = ", ".join(row)
    inst.sql(
        f"INSERT INTO audit_entry ({names}) VALUES ({', '.join('?' * len(row))})", *row.values()
    )


def shift(inst: Installation, start: int, by: int) -> None:
    """Renumber entries from ``start`` on (via a detour, seq is unique)."""
    inst.sql("UPDATE audit_entry SET seq = seq + 100000 WHERE seq >= ?", start)
    inst.sql("UPDATE audit_entry SET seq = seq - 100000 + ? WHERE seq >= 100000", by)


def test_intact_chain_verifies(inst: Installation) -> None:
    proc = inst.verify()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"audit chain intact: {HEAD} entries, 1 signed checkpoints" in proc.stdout
    proc = inst.kontakt("audit", "verify", "--json")
    result = json.loads(proc.stdout)
    assert result["ok"] is True and result["head_seq"] == HEAD
    assert result["last_checkpoint_seq"] == 12


@pytest.mark.parametrize(
    ("seq", "column", "value"),
    [
        (6, "details", '{"i":9}'),  # inside a multi-entry transaction, unsigned
        (3, "actor", "someone-else"),
        (14, "at", "2020-01-01T00:00:00.000000Z"),  # after the checkpoint
        (HEAD, "object_id", "other"),  # the newest, signed entry
    ],
)
def test_changed_row(inst: Installation, seq: int, column: str, value: str) -> None:
    inst.sql(f"UPDATE audit_entry SET {column} = ? WHERE seq = ?", value, seq)
    assert_broken(inst, seq, "changed")


def test_deleted_row(inst: Installation) -> None:
    inst.sql("DELETE FROM audit_entry WHERE seq = 9")
    assert_broken(inst, 9, "entry 9 missing")


def test_deleted_row_with_renumbering(inst: Installation) -> None:
    inst.sql("DELETE FROM audit_entry WHERE seq = 9")
    shift(inst, 10, -1)
    assert_broken(inst, 9, "does not link")


def test_inserted_row_in_the_middle(inst: Installation) -> None:
    shift(inst, 9, 1)
    forged_row(inst, 9, inst.entry(8)["hash"])
    assert_broken(inst, 9, "entry 9 inserted", "links to entry 8")


def test_inserted_row_at_the_end(inst: Installation) -> None:
    forged_row(inst, HEAD + 1, inst.entry(HEAD)["hash"])
    assert_broken(inst, HEAD + 1, f"entry {HEAD + 1} has no valid signature")


def test_inserted_row_at_the_end_with_a_copied_signature(inst: Installation) -> None:
    head = inst.entry(HEAD)
    forged_row(inst, HEAD + 1, head["hash"], signature=head["signature"], key_id=head["key_id"])
    assert_broken(inst, HEAD + 1, f"signature of entry {HEAD + 1} does not match")


def test_inserted_row_at_the_end_with_a_made_up_key(inst: Installation) -> None:
    fake = base64.b64encode(b"\x01" * 64).decode()
    forged_row(inst, HEAD + 1, inst.entry(HEAD)["hash"], signature=fake, key_id=7)
    assert_broken(inst, HEAD + 1, "key v7, which is not in the keyring")


def test_reordered_rows(inst: Installation) -> None:
    inst.sql("UPDATE audit_entry SET seq = -1 WHERE seq = 10")
    inst.sql("UPDATE audit_entry SET seq = 10 WHERE seq = 11")
    inst.sql("UPDATE audit_entry SET seq = 11 WHERE seq = -1")
    assert_broken(inst, 10, "does not link")


def test_recomputed_hashes_after_a_change_are_caught_by_the_signature(
    inst: Installation,
) -> None:
    inst.sql("UPDATE audit_entry SET details = ? WHERE seq = 8", '{"forged":true}')
    rehash(inst, 8)
    assert_broken(inst, 8, "signature of entry 8 does not match", "recomputed")


def test_recomputed_hashes_name_the_whole_transaction(inst: Installation) -> None:
    """Entry 6 is inside the transaction [5 6 7]: only entry 7 carries the signature."""
    inst.sql("UPDATE audit_entry SET actor = ? WHERE seq = 6", "mallory")
    rehash(inst, 6)
    assert_broken(inst, 5, "entries 5-7 changed")


def test_recomputed_hashes_and_removed_signatures(inst: Installation) -> None:
    inst.sql("UPDATE audit_entry SET details = ? WHERE seq = 8", '{"forged":true}')
    rehash(inst, 8)
    inst.sql("UPDATE audit_entry SET signature = NULL, key_id = NULL WHERE seq >= 8")
    assert_broken(inst, 8, f"entries 8-{HEAD} have no valid signature")


def test_recomputed_hashes_after_inserting_in_the_middle(inst: Installation) -> None:
    shift(inst, 11, 1)
    forged_row(inst, 11, inst.entry(10)["hash"])
    rehash(inst, 11)
    assert_broken(inst, 11, "signature of entry 12 does not match", "entries 11-12")


def test_newest_entries_deleted_after_a_checkpoint(inst: Installation) -> None:
    """The checkpoint signed entry 12; deleting 11 onwards leaves a valid-looking prefix."""
    inst.sql("DELETE FROM audit_entry WHERE seq >= 11")
    assert_broken(inst, 11, "entries 11-12 deleted", "signed checkpoint covers entry 12")


def test_checkpoint_moved_to_cover_a_rewritten_tail(inst: Installation) -> None:
    inst.sql("UPDATE audit_entry SET details = ? WHERE seq = 14", '{"forged":true}')
    rehash(inst, 14)
    head = inst.entry(HEAD)
    inst.sql("UPDATE audit_checkpoint SET seq = ?, hash = ?", HEAD, head["hash"])
    assert_broken(inst, 14, "signature of entry 14 does not match")


def test_checkpoint_alone_changed(inst: Installation) -> None:
    inst.sql("UPDATE audit_checkpoint SET seq = ?, hash = ?", 11, inst.entry(11)["hash"])
    assert_broken(inst, 11, "checkpoint at entry 11 has an invalid signature")
