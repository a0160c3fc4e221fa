"""Disposal (gallring) only by a decision.

A run goes proposed → approved → executed (or proposed → rejected):

- **propose**: lists what the informationshanteringsplan (``diarium_retention_rule``) allows
  to dispose now: registered documents of a closed case file whose rule for the board and
  document type says ``dispose`` and whose period has passed since the case file closed. The
  most specific rule wins (one naming the case file's process over one for any process); at
  the same level ``keep`` wins. A document already in a run not yet executed is not listed
  twice. Nothing due: 409, no run.
- **decide**: another holder of ``diarium.archive`` than the proposer approves (with the
  decision's reference, e.g. the board's minute) or rejects it.
- **execute**: only an approved run. Each listed document is checked again against the plan
  as it is now (no longer due: skipped, with the reason). A disposed document loses its files;
  its registry entry stays untouched, and its item records when and by which decision it was
  disposed of (:func:`disposals` tells it for any documents). Stored content
  no document references any more leaves the store, and so do stored export packages of the
  case files concerned (they hold the same content). One transaction, audited; the content
  is removed from disk after the commit (:func:`finish_removals` finishes what a crash left).

A run that is not approved changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import audit, db, paging
from core.db import raw
from core.errors import Conflict, Forbidden, InvalidInput, NotFound

log = logging.getLogger(__name__)

RUNS_SCOPE = "diarium-disposal-runs"
CHUNK = 500  # ids per IN (…) list
PROPOSAL_LOCK = 0x0D1A_0A7C  # the advisory lock key of disposal proposals (PostgreSQL)
RUN_SQL = (
    "SELECT id, status, board, as_of, note, proposed_by, proposed_at, decided_by, decided_at, "
    "decision_ref, decision_note, executed_by, executed_at, items, disposed, skipped, "
    "files_removed, bytes_removed FROM diarium_disposal_run"
)
ITEM_SQL = (
    "SELECT id, run_id, document_id, document_number, case_file_id, case_number, "
    "document_type, rule_id, rule_ref, period_years, due_at, files, bytes, status, "
    "skipped_reason, disposed_at, decision_ref FROM diarium_disposal_item"
)
#: Documents some ``dispose`` rule of their board and type may let go by now: a coarse filter
#: in SQL (``period_years`` × 365 days is never more than the calendar years), the exact
#: decision — the governing rule, calendar years — in :func:`candidates`.
CANDIDATE_SQL = (
    "SELECT DISTINCT d.id, d.number, d.document_type, d.case_file_id, c.number AS case_number, "
    "c.board, c.classification_code, c.closed_at "
    "FROM diarium_document d JOIN diarium_case_file c ON c.id = d.case_file_id "
    "JOIN diarium_retention_rule r ON r.board = c.board AND r.document_type = d.document_type "
    "AND r.action = 'dispose' AND r.period_years IS NOT NULL "
    "WHERE c.status = 'closed' AND c.closed_at IS NOT NULL "
    "AND c.closed_at <= CAST(? AS BIGINT) - CAST(r.period_years AS BIGINT) * 31536000 "
    "AND d.status = 'registered' AND NOT EXISTS (SELECT 1 FROM diarium_disposal_item x "
    "WHERE x.document_id = d.id AND x.status = 'disposed')"
)


def add_years(epoch: int, years: int) -> int:
    """``epoch`` plus whole calendar years (29 February → 28 February)."""
    moment = datetime.fromtimestamp(int(epoch), UTC)
    try:
        later = moment.replace(year=moment.year + years)
    except ValueError:
        later = moment.replace(year=moment.year + years, day=28)
    return int(later.timestamp())


def _covers(rule_code: str | None, classification: str) -> int:
    """How specifically a rule's process code covers a classification (-1: it does not)."""
    if not rule_code:
        return 0
    if classification == rule_code or classification.startswith(rule_code + "."):
        return 1 + rule_code.count(".")
    return -1


def governing_rule(rules: list[dict[str, Any]], document: dict[str, Any]) -> dict | None:
    """The plan's rule for a document: same board and document type, the most specific
    process code; ``keep`` before ``dispose`` at the same level. None: the plan is silent."""
    best: tuple[int, int] | None = None
    chosen = None
    for rule in rules:
        if rule["board"] != document["board"] or rule["document_type"] != document["document_type"]:
            continue
        level = _covers(rule["process_code"], document["classification_code"])
        if level < 0:
            continue
        key = (level, 1 if rule["action"] == "keep" else 0)
        if best is None or key > best:
            best, chosen = key, rule
    return chosen


def due_at(rule: dict[str, Any], document: dict[str, Any]) -> int | None:
    """When the document may be disposed of under ``rule`` (None: never, the plan keeps it)."""
    if rule["action"] != "dispose" or rule["period_years"] is None:
        return None
    return add_years(int(document["closed_at"]), int(rule["period_years"]))


async def _rules() -> list[dict[str, Any]]:
    return await raw.fetch(
        "SELECT id, board, document_type, process_code, action, period_years, decision_ref "
        "FROM diarium_retention_rule"
    )


async def _file_totals(document_ids: list[int]) -> dict[int, tuple[int, int]]:
    totals: dict[int, tuple[int, int]] = {}
    for start in range(0, len(document_ids), 500):
        chunk = document_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = await raw.fetch(
            "SELECT f.document_id, COUNT(*) AS files, COALESCE(SUM(b.size), 0) AS bytes "
            "FROM diarium_document_file f LEFT JOIN diarium_blob b ON b.sha256 = f.sha256 "
            f"WHERE f.document_id IN ({marks}) GROUP BY f.document_id",
            *chunk,
        )
        totals.update({r["document_id"]: (int(r["files"]), int(r["bytes"])) for r in rows})
    return totals


async def candidates(board: str = "", now: int | None = None) -> list[dict[str, Any]]:
    """What the plan allows to dispose of at ``now``: documents with their rule and due time,
    leaving out those already listed in a run not yet executed."""
    now = int(now if now is not None else time.time())
    sql, args = CANDIDATE_SQL, [now]
    if board:
        sql += " AND c.board = ?"
        args.append(board)
    documents = await raw.fetch(sql + " ORDER BY c.closed_at, d.id", *args)
    if not documents:
        return []
    listed = {
        row["document_id"]
        for row in await raw.fetch(
            "SELECT i.document_id FROM diarium_disposal_item i JOIN diarium_disposal_run r "
            "ON r.id = i.run_id WHERE r.status IN ('proposed', 'approved')"
        )
    }
    rules = await _rules()
    found = []
    for document in documents:
        if document["id"] in listed:
            continue
        rule = governing_rule(rules, document)
        when = due_at(rule, document) if rule else None
        if when is None or when > now:
            continue
        found.append({**document, "rule": rule, "due_at": when})
    totals = await _file_totals([d["id"] for d in found])
    for item in found:
        item["files"], item["bytes"] = totals.get(item["id"], (0, 0))
    return found


async def _serialise_proposals() -> None:
    """One proposal at a time (in the caller's transaction), so that two drawn up at once
    cannot list the same document. SQLite's write transactions are serial already."""
    if db.get_engine().engine_type == "postgres":
        await raw.fetch("SELECT pg_advisory_xact_lock(?) AS locked", PROPOSAL_LOCK)


def _text(value: str, name: str, limit: int) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        raise InvalidInput("{name} is too long", location=("body", name), name=name)
    return text


async def propose(actor: str, *, board: str = "", note: str = "", now: int | None = None) -> dict:
    """Draw up a disposal run of what is due now (409 when nothing is), audited."""
    now = int(now if now is not None else time.time())
    board = _text(board, "board", 200)
    note = str(note or "").strip()
    async with db.transaction():
        await _serialise_proposals()
        found = await candidates(board, now)
        if not found:
            raise Conflict(
                "Nothing is due for disposal under the informationshanteringsplan",
                problem_type="nothing-to-dispose",
            )
        run_id = await raw.insert(
            "diarium_disposal_run",
            {
                "status": "proposed",
                "board": board,
                "as_of": now,
                "note": note,
                "proposed_by": actor,
                "proposed_at": now,
                "items": len(found),
            },
        )
        await raw.executemany(
            "INSERT INTO diarium_disposal_item (run_id, document_id, document_number, "
            "case_file_id, case_number, document_type, rule_id, rule_ref, period_years, "
            "due_at, files, bytes, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'listed')",
            [
                (
                    run_id,
                    d["id"],
                    d["number"],
                    d["case_file_id"],
                    d["case_number"],
                    d["document_type"],
                    d["rule"]["id"],
                    d["rule"]["decision_ref"] or "",
                    int(d["rule"]["period_years"]),
                    d["due_at"],
                    d["files"],
                    d["bytes"],
                )
                for d in found
            ],
        )
        audit.record(
            actor,
            "diarium.disposal_proposed",
            "diarium_disposal_run",
            run_id,
            {"items": len(found), "board": board},
        )
    return await get(run_id)


async def _run(run_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(RUN_SQL + " WHERE id = ?", run_id)
    if row is None:
        raise NotFound("No disposal run {id}", problem_type="disposal-run-not-found", id=run_id)
    return row


async def get(run_id: int) -> dict[str, Any]:
    """A run with the documents it lists."""
    run = await _run(run_id)
    items = await raw.fetch(ITEM_SQL + " WHERE run_id = ? ORDER BY id", run_id)
    return {**run, "documents": items}


async def runs(status: str = "", cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
    """Runs, newest first, in pages (``{items, next_cursor, total}``)."""
    where, args = [], []
    if status:
        where.append("status = ?")
        args.append(status)
    count_sql = "SELECT COUNT(*) AS n FROM diarium_disposal_run"
    if where:
        count_sql += " WHERE " + " AND ".join(where)
    total = (await raw.fetchrow(count_sql, *args))["n"]
    after = paging.decode_cursor(RUNS_SCOPE, cursor, (int,))
    if after:
        where.append(paging.keyset_clause(("id",)))
        args.extend(after)
    sql = RUN_SQL + (" WHERE " + " AND ".join(where) if where else "")
    rows = await raw.fetch(sql + " ORDER BY id DESC LIMIT ?", *args, limit + 1)
    items, next_cursor = paging.cut(rows, limit, RUNS_SCOPE, lambda r: (int(r["id"]),))
    return paging.page(items, next_cursor, int(total))


async def decide(
    actor: str, run_id: int, *, approve: bool, decision_ref: str = "", note: str = ""
) -> dict[str, Any]:
    """Approve (with the decision's reference) or reject a proposed run; only someone other
    than its proposer may, audited."""
    decision_ref = _text(decision_ref, "decision_ref", 200)
    if approve and not decision_ref:
        raise InvalidInput(
            "Give the reference of the disposal decision (e.g. the board's minute)",
            location=("body", "decision_ref"),
        )
    now = int(time.time())
    async with db.transaction():
        run = await _run(run_id)
        if run["status"] != "proposed":
            raise Conflict(
                "Disposal run {id} is {status}: only a proposed run can be decided",
                problem_type="disposal-run-state",
                id=run_id,
                status=run["status"],
            )
        if run["proposed_by"] == actor:
            raise Forbidden(
                "A disposal run must be decided by someone other than its proposer",
                problem_type="disposal-four-eyes",
            )
        status = "approved" if approve else "rejected"
        updated = await raw.fetch(
            "UPDATE diarium_disposal_run SET status = ?, decided_by = ?, decided_at = ?, "
            "decision_ref = ?, decision_note = ? WHERE id = ? AND status = 'proposed' "
            "RETURNING id",
            status,
            actor,
            now,
            decision_ref,
            str(note or "").strip(),
            run_id,
        )
        if not updated:
            raise Conflict(
                "Disposal run {id} was decided meanwhile",
                problem_type="disposal-run-state",
                id=run_id,
            )
        audit.record(
            actor,
            f"diarium.disposal_{status}",
            "diarium_disposal_run",
            run_id,
            {"decision_ref": decision_ref},
        )
    return await get(run_id)


def _why_not(document: dict[str, Any] | None, rules: list[dict], now: int) -> str:
    """Why a listed document may no longer be disposed of ('' when it still may)."""
    if document is None:
        return "document gone"
    if document["disposed"]:
        return "already disposed"
    if document["case_status"] != "closed" or document["closed_at"] is None:
        return "case file reopened"
    rule = governing_rule(rules, document)
    when = due_at(rule, document) if rule else None
    if when is None:
        return "the plan now keeps it"
    if when > now:
        return "not yet due under the plan"
    return ""


def _chunks(values: list[Any], size: int = CHUNK) -> list[list[Any]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def _marks(values: list[Any]) -> str:
    return ", ".join("?" for _ in values)


async def _documents_now(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The listed documents as they are now, with their case files."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        rows = await raw.fetch(
            "SELECT d.id, d.document_type, d.status, c.board, c.status AS case_status, "
            "c.classification_code, c.closed_at, EXISTS (SELECT 1 FROM diarium_disposal_item x "
            "WHERE x.document_id = d.id AND x.status = 'disposed') AS disposed "
            "FROM diarium_document d "
            f"JOIN diarium_case_file c ON c.id = d.case_file_id WHERE d.id IN ({_marks(chunk)})",
            *chunk,
        )
        found.update({row["id"]: row for row in rows})
    return found


async def execute(actor: str, run_id: int) -> dict[str, Any]:
    """Carry out an approved run (409 for any other; nothing changes then), audited."""
    now = int(time.time())
    async with db.transaction():
        run = await _run(run_id)
        if run["status"] != "approved":
            raise Conflict(
                "Disposal run {id} is {status}: only an approved run can be executed",
                problem_type="disposal-not-approved",
                id=run_id,
                status=run["status"],
            )
        claimed = await raw.fetch(
            "UPDATE diarium_disposal_run SET status = 'executed', executed_by = ?, "
            "executed_at = ? WHERE id = ? AND status = 'approved' RETURNING id",
            actor,
            now,
            run_id,
        )
        if not claimed:
            raise Conflict(
                "Disposal run {id} was executed meanwhile",
                problem_type="disposal-not-approved",
                id=run_id,
                status="executed",
            )
        rules = await _rules()
        items = await raw.fetch(ITEM_SQL + " WHERE run_id = ? ORDER BY id", run_id)
        current = await _documents_now([item["document_id"] for item in items])
        skips: list[tuple[str, int]] = []
        chosen: list[dict[str, Any]] = []
        for item in items:
            reason = _why_not(current.get(item["document_id"]), rules, now)
            if reason:
                skips.append((reason, item["id"]))
            else:
                chosen.append(item)
        if skips:
            await raw.executemany(
                "UPDATE diarium_disposal_item SET status = 'skipped', skipped_reason = ? "
                "WHERE id = ?",
                skips,
            )
        shas: set[str] = set()
        per_document: dict[int, int] = {}
        for chunk in _chunks([item["document_id"] for item in chosen]):
            files = await raw.fetch(
                "SELECT document_id, sha256 FROM diarium_document_file "
                f"WHERE document_id IN ({_marks(chunk)})",
                *chunk,
            )
            for row in files:
                shas.add(row["sha256"])
                per_document[row["document_id"]] = per_document.get(row["document_id"], 0) + 1
            await raw.fetch(
                f"DELETE FROM diarium_document_file WHERE document_id IN ({_marks(chunk)})", *chunk
            )
        if chosen:
            await raw.executemany(
                "UPDATE diarium_disposal_item SET status = 'disposed', disposed_at = ?, "
                "decision_ref = ? WHERE id = ?",
                [(now, run["decision_ref"], item["id"]) for item in chosen],
            )
        for item in chosen:
            audit.record(
                actor,
                "diarium.document_disposed",
                "diarium_document",
                item["document_number"],
                {
                    "run": run_id,
                    "decision_ref": run["decision_ref"],
                    "files": per_document.get(item["document_id"], 0),
                },
            )
        drafts = await _forget_in_drafts([item["document_id"] for item in chosen], now)
        cases = {item["case_file_id"] for item in chosen}
        disposed, skipped = len(chosen), len(skips)
        shas.update(await _purge_exports(cases, now))
        removed, size = await release_blobs(run_id, shas, now)
        await raw.fetch(
            "UPDATE diarium_disposal_run SET disposed = ?, skipped = ?, files_removed = ?, "
            "bytes_removed = ? WHERE id = ?",
            disposed,
            skipped,
            removed,
            size,
            run_id,
        )
        audit.record(
            actor,
            "diarium.disposal_executed",
            "diarium_disposal_run",
            run_id,
            {
                "decision_ref": run["decision_ref"],
                "disposed": disposed,
                "skipped": skipped,
                "files_removed": removed,
                "drafts_cleared": drafts,
            },
        )
        db.on_commit(finish_removals)
    return await get(run_id)


async def _purge_exports(case_ids: set[int], now: int) -> set[str]:
    """Stored export packages of these case files: marked purged; their content to remove."""
    shas: set[str] = set()
    for chunk in _chunks(sorted(case_ids)):
        rows = await raw.fetch(
            "UPDATE diarium_export SET status = 'purged', purged_at = ? "
            f"WHERE case_file_id IN ({_marks(chunk)}) AND status = 'stored' RETURNING sha256",
            now,
            *chunk,
        )
        shas.update(r["sha256"] for r in rows if r["sha256"])
    return shas


#: Whatever may point at a stored content: a document's file link, a stored export package,
#: a public request's masked copy or decision, the masked copy of one document a request
#: names (one statement per chunk of hashes) — and a draft not yet registered (new or
#: discarded: a registered draft's files are its document's), read in :func:`referenced`.
#: Content leaves the store only when none points at it.
REFERENCE_SQL = (
    "SELECT sha256 FROM diarium_document_file WHERE sha256 IN ({marks}) UNION "
    "SELECT sha256 FROM diarium_export WHERE status = 'stored' AND sha256 IN ({marks}) UNION "
    "SELECT masked_copy_sha256 FROM diarium_request WHERE masked_copy_sha256 IN ({marks}) "
    "UNION SELECT decision_sha256 FROM diarium_request WHERE decision_sha256 IN ({marks}) "
    "UNION SELECT masked_copy_sha256 FROM diarium_requested_document "
    "WHERE masked_copy_sha256 IN ({marks})"
)
REFERENCE_TABLES = 5  # how often REFERENCE_SQL names the chunk


async def _draft_references() -> set[str]:
    """Every hash a draft not yet registered points at."""
    found: set[str] = set()
    rows = await raw.fetch(
        "SELECT original_sha256, pdfa_sha256, files FROM diarium_draft "
        "WHERE status IN ('new', 'discarded')"
    )
    for row in rows:
        found.update(h for h in (row["original_sha256"], row["pdfa_sha256"]) if h)
        items = raw.json_column(row["files"], [])
        found.update(str(item.get("sha256", "")) for item in items or [] if item.get("sha256"))
    return found


async def referenced(shas: set[str] | list[str]) -> set[str]:
    """Those of ``shas`` that something in the diarium still points at."""
    wanted = sorted(set(shas))
    if not wanted:
        return set()
    found = await _draft_references() & set(wanted)
    for chunk in _chunks(wanted, 200):
        sql = REFERENCE_SQL.format(marks=_marks(chunk))
        rows = await raw.fetch(sql, *(chunk * REFERENCE_TABLES))
        found.update(next(iter(row.values())) for row in rows)
    return found


async def queue_removal(run_id: int, sha256: str, since: int) -> int:
    """Drop the store's row of ``sha256`` and queue its removal from disk (in the caller's
    transaction); returns its size, or -1 when the row is gone already or was stored again
    at ``since`` or later (a new reference may be on its way: it stays)."""
    rows = await raw.fetch(
        "DELETE FROM diarium_blob WHERE sha256 = ? AND seen_at < ? RETURNING size",
        sha256,
        since,
    )
    if not rows:
        return -1
    size = int(rows[0]["size"])
    await raw.fetch(
        "INSERT INTO diarium_disposal_blob (run_id, sha256, size) VALUES (?, ?, ?) "
        "ON CONFLICT (run_id, sha256) DO UPDATE SET size = excluded.size, removed_at = NULL",
        run_id,
        sha256,
        size,
    )
    return size


async def release_blobs(run_id: int, shas: set[str], since: int) -> tuple[int, int]:
    """Drop the store's rows of those of ``shas`` nothing references any more and queue their
    removal (in the caller's transaction); returns how many and their bytes."""
    removed = size = 0
    used = await referenced(shas)
    for sha in sorted(shas - used):
        blob_size = await queue_removal(run_id, sha, since)
        if blob_size >= 0:
            removed += 1
            size += blob_size
    return removed, size


async def _forget_in_drafts(document_ids: list[int], now: int) -> int:
    """Registered drafts of disposed documents lose their pointers to the disposed files and
    their copy of the content (the OCR text): nothing dangles, nothing disposed stays
    readable or searchable there. Their sender and subject stay, like the registry entry."""
    from plugins.diarium.intake.drafts import search_text

    cleared = 0
    for chunk in _chunks(document_ids):
        rows = await raw.fetch(
            "SELECT id, suggested_sender, suggested_subject FROM diarium_draft "
            f"WHERE status = 'registered' AND document_id IN ({_marks(chunk)})",
            *chunk,
        )
        if not rows:
            continue
        await raw.executemany(
            "UPDATE diarium_draft SET files = ?, original_sha256 = '', pdfa_sha256 = '', "
            "content_text = '', search_text = ?, updated_at = ? WHERE id = ?",
            [
                (
                    raw.sql_value([]),
                    search_text("", r["suggested_sender"], r["suggested_subject"]),
                    now,
                    r["id"],
                )
                for r in rows
            ],
        )
        cleared += len(rows)
    return cleared


async def disposals(document_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The disposal of each of these documents that was disposed of: ``{document_id:
    {"disposed_at", "decision_ref", "run_id"}}`` (for the registry's views and the export)."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(list(document_ids)):
        rows = await raw.fetch(
            "SELECT document_id, disposed_at, decision_ref, run_id FROM diarium_disposal_item "
            f"WHERE status = 'disposed' AND document_id IN ({_marks(chunk)})",
            *chunk,
        )
        found.update({r["document_id"]: r for r in rows})
    return found


def blob_path(sha256: str) -> Path:
    """Where the registry's store keeps this content (whether or not it is there)."""
    from plugins.diarium.registry import files

    return files.blob_root() / sha256[:2] / sha256


async def _stored(sha256: str) -> bool:
    return bool(await raw.fetchrow("SELECT 1 AS one FROM diarium_blob WHERE sha256 = ?", sha256))


async def _remove_unless_stored_again(sha256: str) -> None:
    """Move the content aside, then remove it unless its row came back meanwhile (then put
    it back): a ``files.store`` of the same content at that moment never loses its file.
    Each check is a read of its own (outside a transaction: it sees the latest commit)."""
    if await _stored(sha256):
        return
    path = blob_path(sha256)
    aside = path.with_name(f".gone-{sha256}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return
    if await _stored(sha256):
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
    aside.unlink()


async def finish_removals() -> int:
    """Remove from disk the content executed runs (and the store's collection) released
    (idempotent); returns how many. Content stored again since (a new row in the store) is
    left in place."""
    pending = await raw.fetch(
        "SELECT id, sha256 FROM diarium_disposal_blob WHERE removed_at IS NULL ORDER BY id"
    )
    for row in pending:
        await _remove_unless_stored_again(row["sha256"])
        async with db.transaction():
            await raw.fetch(
                "UPDATE diarium_disposal_blob SET removed_at = ? WHERE id = ?",
                int(time.time()),
                row["id"],
            )
    return len(pending)


def run_finish_removals() -> None:
    """The worker's periodic task: finish removals a crash interrupted."""
    from core import jobs

    jobs.run_async(finish_removals())
