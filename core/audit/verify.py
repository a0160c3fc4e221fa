"""Proving the audit chain: every hash, link, sequence number, signature and checkpoint."""

from __future__ import annotations

from dataclasses import dataclass

from core.audit import signing
from core.audit.chain import GENESIS, entry_hash
from core.audit.tables import AuditCheckpoint, AuditEntry

BATCH = 5000


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    checkpoints: int
    first_bad_seq: int | None = None
    problem: str = ""

    def line(self) -> str:
        if self.ok:
            return (
                f"audit chain intact: {self.entries} entries, {self.checkpoints} signed checkpoints"
            )
        return f"audit chain BROKEN at entry {self.first_bad_seq}: {self.problem}"


async def verify_chain() -> VerifyResult:
    """Walk the whole chain in sequence order; stop at the first bad entry."""
    expected_seq, prev, count, group_start = 1, GENESIS, 0, 1
    hashes_at: dict[int, str] = {}
    checkpoints = await AuditCheckpoint.select().order_by(AuditCheckpoint.seq)
    wanted = {row["seq"] for row in checkpoints}
    last_seq, after = 0, -(2**62)
    while True:
        rows = await (
            AuditEntry.select().where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(BATCH)
        )
        if not rows:
            break
        for row in rows:
            seq = row["seq"]
            bad = _check_row(row, expected_seq, prev)
            if bad:
                return VerifyResult(False, count, len(checkpoints), bad[0], bad[1])
            if row["signature"]:
                if not signing.check(row["hash"], row["signature"], row["key_id"] or 0):
                    first = group_start
                    where = f"entries {first}-{seq}" if first != seq else f"entry {seq}"
                    return VerifyResult(
                        False,
                        count,
                        len(checkpoints),
                        first,
                        f"signature does not match ({where} were changed "
                        "and their hashes recomputed)",
                    )
                group_start = seq + 1
            if seq in wanted:
                hashes_at[seq] = row["hash"]
            prev, expected_seq, last_seq, after = row["hash"], seq + 1, seq, seq
            count += 1
    if count and group_start <= last_seq:
        return VerifyResult(
            False,
            count,
            len(checkpoints),
            group_start,
            "the last entries carry no signature (appended outside the chain)",
        )
    for cp in checkpoints:
        if not signing.check(cp["hash"], cp["signature"], cp["key_id"]):
            return VerifyResult(
                False,
                count,
                len(checkpoints),
                cp["seq"],
                f"checkpoint at entry {cp['seq']} has an invalid signature",
            )
        if cp["seq"] > last_seq:
            return VerifyResult(
                False,
                count,
                len(checkpoints),
                last_seq + 1,
                f"entries {last_seq + 1}-{cp['seq']} were deleted "
                "(a signed checkpoint covers them)",
            )
        if hashes_at.get(cp["seq"]) != cp["hash"]:
            return VerifyResult(
                False,
                count,
                len(checkpoints),
                cp["seq"],
                f"entry {cp['seq']} differs from the signed checkpoint",
            )
    return VerifyResult(True, count, len(checkpoints))


def _check_row(row: dict, expected_seq: int, prev: str) -> tuple[int, str] | None:
    seq = row["seq"]
    if seq != expected_seq:
        if seq > expected_seq:
            return expected_seq, f"entry {expected_seq} is missing (next is {seq})"
        return seq, f"entry {seq} is out of order"
    if row["prev_hash"] != prev:
        return seq, "does not link to the previous entry (inserted, deleted or reordered)"
    digest = entry_hash(
        prev,
        seq,
        row["at"],
        row["actor"],
        row["action"],
        row["object_type"],
        row["object_id"],
        row["details"],
    )
    if digest != row["hash"]:
        return seq, "content does not match its hash (changed)"
    return None
