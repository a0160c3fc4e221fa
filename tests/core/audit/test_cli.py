"""``kontakt audit checkpoint|export`` and the periodic checkpoint task, on a throwaway copy."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from core.audit.chain import row_hash
from core.audit.export import FIELDS
from tests.core.audit.support import Installation
from tests.support import services

HEAD = 16
PERIODIC = """
import json
from core.maintenance import write_audit_checkpoint
from core.runtime import configure_storage
from core.settings import load_settings

configure_storage(load_settings())
print(json.dumps([write_audit_checkpoint(), write_audit_checkpoint()]))
"""


def assert_hashes(rows: list[dict]) -> None:
    """An export is the stored chain: every hash can be recomputed from it."""
    prev = "0" * 64
    for expected_seq, row in enumerate(rows, start=1):
        assert int(row["seq"]) == expected_seq
        assert row["prev_hash"] == prev
        digest = row_hash(prev, row)
        assert digest == row["hash"]
        prev = digest


def test_checkpoint_command_signs_the_head(inst: Installation) -> None:
    proc = inst.kontakt("audit", "checkpoint")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"checkpoint at entry {HEAD}"
    newest = inst.sql("SELECT * FROM audit_checkpoint ORDER BY id DESC")[0]
    assert newest["seq"] == HEAD and newest["hash"] == inst.entry(HEAD)["hash"]
    assert newest["signature"] and newest["key_id"] == 1
    proc = inst.verify()
    assert proc.returncode == 0 and "2 signed checkpoints" in proc.stdout, proc.stdout
    # The new checkpoint now covers 13-16, which were unprotected against deletion before.
    inst.sql("DELETE FROM audit_entry WHERE seq >= 15")
    proc = inst.verify()
    assert proc.returncode == 1 and "BROKEN at entry 15:" in proc.stdout, proc.stdout


def test_checkpoint_time_is_signed_too(inst: Installation) -> None:
    inst.sql("UPDATE audit_checkpoint SET at = ?", "2030-01-01T00:00:00.000000Z")
    proc = inst.verify()
    assert proc.returncode == 1
    assert "BROKEN at entry 12: the checkpoint at entry 12 has an invalid signature" in proc.stdout


def test_periodic_task_writes_a_signed_checkpoint(inst: Installation) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PERIODIC],
        capture_output=True,
        text=True,
        env=services.kontakt_env(inst.env),
        cwd=services.ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    first, second = json.loads(proc.stdout.strip().splitlines()[-1])
    head = inst.entry(HEAD)
    assert first["seq"] == HEAD and first["hash"] == head["hash"]
    assert second is None  # nothing appended since: no duplicate checkpoint
    stored = inst.sql("SELECT * FROM audit_checkpoint WHERE seq = ?", HEAD)
    assert len(stored) == 1 and stored[0]["signature"] == first["signature"]
    proc = inst.verify()
    assert proc.returncode == 0 and "2 signed checkpoints" in proc.stdout, proc.stdout
    assert f"newest at entry {HEAD}" in proc.stdout


def test_export_csv(inst: Installation) -> None:
    proc = inst.kontakt("audit", "export", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert list(rows[0].keys()) == FIELDS
    assert [int(r["seq"]) for r in rows] == list(range(1, HEAD + 1))
    assert_hashes(rows)
    assert rows[-1]["signature"] and rows[4]["signature"] == ""  # entry 5 is not signed
    # The export itself is audited, after the entries it contains.
    entry = inst.entry(HEAD + 1)
    assert entry["action"] == "audit.export" and entry["actor"].startswith("cli")
    assert json.loads(entry["details"]) == {
        "format": "csv",
        "since_seq": 0,
        "through_seq": HEAD,
        "via": "cli",
    }
    assert inst.verify().returncode == 0


def test_export_jsonl_since(inst: Installation) -> None:
    proc = inst.kontakt("audit", "export", "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == HEAD and list(rows[0]) == FIELDS
    assert_hashes(rows)
    assert rows[0]["action"] == "user.create" and isinstance(rows[0]["seq"], int)
    proc = inst.kontakt("audit", "export", "--since-seq", "14")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    # 15, 16 and the first export's own entry 17; not this export's entry 18.
    assert [r["seq"] for r in rows] == [15, 16, 17]
    assert rows[-1]["action"] == "audit.export"
    assert inst.entry(18)["action"] == "audit.export"


def test_export_bad_input(inst: Installation) -> None:
    proc = inst.kontakt("audit", "export", "--format", "xml")
    assert proc.returncode == 2 and "'xml' is not one of" in proc.stderr
    proc = inst.kontakt("audit", "export", "--since-seq", "-3")
    assert proc.returncode == 2 and "--since-seq" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(inst.entries()) == HEAD  # refused exports are not recorded


async def test_checkpoint_task_is_scheduled(runtime) -> None:
    from core import jobs

    assert "core.audit_checkpoint" in jobs.periodic_task_names()
