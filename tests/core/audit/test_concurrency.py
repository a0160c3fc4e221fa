"""Two OS processes appending to the session's chain at the same time."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path

from core.audit.tables import AuditEntry
from core.audit.verify import verify_chain
from tests.support import services

TRANSACTIONS = 100  # of two entries each: 200 entries per process


def run_writers(tags: list[str], tmp_path: Path) -> None:
    """Start one writer process per tag, release them together, wait for both."""
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.core.audit.writer",
                "--tag",
                tag,
                "--sizes",
                "2",
                "--repeat",
                str(TRANSACTIONS),
                "--pause-ms",
                "3",
                "--ready",
                str(tmp_path / tag),
                "--go",
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=services.kontakt_env(),
            cwd=services.ROOT,
        )
        for tag in tags
    ]
    try:
        deadline = time.monotonic() + 60
        while not all((tmp_path / tag).exists() for tag in tags):
            assert time.monotonic() < deadline, "writers did not get ready"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.02)
        go.write_text("go")
        outputs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == f"wrote {2 * TRANSACTIONS}"


async def test_two_processes_append_to_one_valid_chain(runtime, tmp_path: Path) -> None:
    before = await AuditEntry.count()
    tags = [f"writer-{uuid.uuid4().hex[:6]}-{n}" for n in (1, 2)]
    writers = asyncio.ensure_future(asyncio.to_thread(run_writers, tags, tmp_path))
    checks = []
    while not writers.done():  # verify stays right while others append
        checks.append(await verify_chain())
        await asyncio.sleep(0.05)
    await writers
    assert checks and all(c.ok for c in checks), [c.line() for c in checks if not c.ok]

    assert await AuditEntry.count() == before + 4 * TRANSACTIONS
    seqs = [r["seq"] for r in await AuditEntry.select(AuditEntry.seq).order_by(AuditEntry.seq)]
    assert seqs == list(range(1, len(seqs) + 1))  # contiguous, no gaps, no duplicates
    mine = await (
        AuditEntry.select(AuditEntry.seq, AuditEntry.actor, AuditEntry.signature)
        .where(AuditEntry.actor.is_in(tags))
        .order_by(AuditEntry.seq)
    )
    assert len(mine) == 4 * TRANSACTIONS
    # Each transaction's two entries are adjacent and signed once, at the second.
    for first, second in zip(mine[::2], mine[1::2], strict=True):
        assert (first["actor"], second["seq"]) == (second["actor"], first["seq"] + 1)
        assert first["signature"] is None and second["signature"]
    # The writers really ran at the same time: their transactions interleave. (SQLite's busy
    # handler lets a writer that never pauses starve the other, hence the writers' pauses.)
    first_of = {tag: min(r["seq"] for r in mine if r["actor"] == tag) for tag in tags}
    last_of = {tag: max(r["seq"] for r in mine if r["actor"] == tag) for tag in tags}
    assert max(first_of.values()) < min(last_of.values())
    result = await verify_chain()
    assert result.ok, result.line()
    assert result.entries == before + 4 * TRANSACTIONS
