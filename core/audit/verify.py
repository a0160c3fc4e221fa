"""Proving the audit chain: every hash, link, sequence number, signature and checkpoint.

What it catches: a changed, deleted, inserted or reordered entry (the hashes and links break);
a rewritten chain whose hashes were all recomputed (the Ed25519 signatures on the last entry of
every transaction and on the checkpoints no longer match, and the key is not in the database);
entries appended outside the appliance (unsigned tail); the newest entries deleted when a
signed checkpoint covers them. What it cannot catch on its own: entries deleted from the end
of the chain *after* the newest checkpoint together with that checkpoint being rolled back;
keep exports or checkpoint copies elsewhere for that.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from core.audit import signing
from core.audit.chain import GENESIS, checkpoint_digest, row_hash
from core.audit.tables import AuditCheckpoint, AuditEntry

BATCH = 5000
# How many recent hashes to remember to tell an inserted entry from a changed one.
WINDOW = 10_000


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    checkpoints: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_seq: int = 0
    head_hash: str = ""
    last_checkpoint_seq: int | None = None
    last_checkpoint_at: str | None = None

    def line(self) -> str:
        """One human line, as printed by ``kontakt audit verify``."""
        if self.ok:
            text = (
                f"audit chain intact: {self.entries} entries, {self.checkpoints} signed checkpoints"
            )
            if self.last_checkpoint_seq is not None:
                text += f" (newest at entry {self.last_checkpoint_seq}, {self.last_checkpoint_at})"
            return text
        if self.first_bad_seq is None:
            return f"audit chain BROKEN: {self.problem}"
        return f"audit chain BROKEN at entry {self.first_bad_seq}: {self.problem}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message": self.line()}


class _Broken(Exception):
    def __init__(self, seq: int | None, problem: str) -> None:
        super().__init__(problem)
        self.seq, self.problem = seq, problem


def _span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first}-{last}"


class _Walker:
    """Checks entries one by one in sequence order (state carried across batches)."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev = GENESIS
        self.count = 0
        self.group_start = 1  # first entry not yet covered by a valid signature
        self.recent: dict[str, int] = {}  # hash -> seq of recent entries
        self.order: deque[str] = deque()
        self.hashes_at: dict[int, str] = {}

    def check(self, row: dict[str, Any], wanted: set[int]) -> None:
        seq = row["seq"]
        if seq is None or seq < self.expected_seq:
            raise _Broken(seq, f"entry {seq} is out of order (duplicate sequence number)")
        if seq > self.expected_seq:
            raise _Broken(
                self.expected_seq,
                f"{_span(self.expected_seq, seq - 1)} missing (deleted; next is {seq})",
            )
        if row["prev_hash"] != self.prev:
            raise _Broken(*self._link_problem(row))
        digest = row_hash(self.prev, row)
        if digest != row["hash"]:
            raise _Broken(seq, "content does not match its hash (changed)")
        if row["signature"] is not None or row["key_id"] is not None:
            self._check_signature(row)
        if seq in wanted:
            self.hashes_at[seq] = row["hash"]
        self._remember(row["hash"], seq)
        self.prev, self.expected_seq = row["hash"], seq + 1
        self.count += 1

    def _link_problem(self, row: dict[str, Any]) -> tuple[int, str]:
        seq = row["seq"]
        earlier = self.recent.get(row["prev_hash"])
        if earlier is not None and earlier < seq - 1:
            # The entry links to an older one: what lies between was put in afterwards.
            return earlier + 1, (
                f"{_span(earlier + 1, seq - 1)} inserted (entry {seq} links to entry {earlier})"
            )
        return seq, (
            f"entry {seq} does not link to entry {seq - 1} "
            "(changed, or entries before it deleted or reordered)"
        )

    def _check_signature(self, row: dict[str, Any]) -> None:
        seq, key_id = row["seq"], row["key_id"]
        where = _span(self.group_start, seq)
        if not signing.has_key(key_id):
            raise _Broken(
                self.group_start,
                f"entry {seq} is signed with key v{key_id}, which is not in the keyring "
                f"({where} cannot be proven)",
            )
        if not signing.check(row["hash"], row["signature"] or "", key_id):
            raise _Broken(
                self.group_start,
                f"signature of entry {seq} does not match ({where} changed "
                "and their hashes recomputed)",
            )
        self.group_start = seq + 1

    def _remember(self, digest: str, seq: int) -> None:
        self.recent[digest] = seq
        self.order.append(digest)
        if len(self.order) > WINDOW:
            self.recent.pop(self.order.popleft(), None)


async def verify_chain() -> VerifyResult:
    """Walk the whole chain in sequence order; report the first bad entry."""
    signing.current_key_id()  # no keyring, no proof: raise SecretMissing, not "tampered"
    checkpoints = await AuditCheckpoint.select().order_by(AuditCheckpoint.seq)
    wanted = {row["seq"] for row in checkpoints}
    walker = _Walker()
    result = VerifyResult(False, 0, len(checkpoints))
    if checkpoints:
        newest = max(checkpoints, key=lambda cp: (cp["seq"], cp["at"] or ""))
        result.last_checkpoint_seq, result.last_checkpoint_at = newest["seq"], newest["at"]
    try:
        await _walk(walker, wanted)
        result.entries = walker.count
        last_seq = walker.expected_seq - 1
        if walker.count and walker.group_start <= last_seq:
            raise _Broken(
                walker.group_start,
                f"{_span(walker.group_start, last_seq)} "
                f"{'has' if walker.group_start == last_seq else 'have'} no valid signature "
                "(appended outside the appliance)",
            )
        # Rows the walk cannot see (a duplicate seq at a batch edge, an empty seq); entries
        # appended by writers while we walked have higher seqs and do not count.
        total = await AuditEntry.count().where(
            (AuditEntry.seq <= last_seq) | AuditEntry.seq.is_null()
        )
        if total != walker.count:
            raise _Broken(
                await _duplicate_seq(),
                f"{total - walker.count} row(s) outside the chain "
                "(duplicate or empty sequence numbers)",
            )
        for cp in checkpoints:
            _check_checkpoint(cp, last_seq, walker.hashes_at)
    except _Broken as broken:
        result.entries = walker.count
        result.first_bad_seq, result.problem = broken.seq, broken.problem
        return result
    result.ok = True
    result.head_seq, result.head_hash = walker.expected_seq - 1, walker.prev
    return result


async def _walk(walker: _Walker, wanted: set[int]) -> None:
    after = -(2**62)
    while True:
        rows = await (
            AuditEntry.select().where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(BATCH)
        )
        if not rows:
            return
        for row in rows:
            walker.check(row, wanted)
        after = rows[-1]["seq"]


async def _duplicate_seq() -> int | None:
    rows = await AuditEntry.raw(
        "SELECT seq FROM audit_entry GROUP BY seq HAVING COUNT(*) > 1 ORDER BY seq LIMIT 1"
    )
    return rows[0]["seq"] if rows else None


def _check_checkpoint(cp: dict[str, Any], last_seq: int, hashes_at: dict[int, str]) -> None:
    seq = cp["seq"]
    digest = checkpoint_digest(seq, cp["hash"], cp["at"])
    if not signing.check(digest, cp["signature"] or "", cp["key_id"]):
        raise _Broken(seq, f"the checkpoint at entry {seq} has an invalid signature")
    if seq > last_seq:
        raise _Broken(
            last_seq + 1,
            f"{_span(last_seq + 1, seq)} deleted (a signed checkpoint covers entry {seq})",
        )
    if hashes_at.get(seq) != cp["hash"]:
        raise _Broken(seq, f"entry {seq} differs from the signed checkpoint")
