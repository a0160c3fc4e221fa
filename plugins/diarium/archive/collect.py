"""The store's collection: content of the registry's content-addressed store that nothing
points at any more leaves it, audited with counts.

A disposal run releases the content of what it disposes of itself. What remains for this
periodic step are leftovers of interrupted work, each older than a grace period (so that
work in progress is never taken):

- a ``diarium_blob`` row that no document, stored export, unregistered draft or public
  request references (e.g. a package stored whose export row was never written, the files
  of an intake that failed before its draft) — the row is deleted and the content queued in
  ``diarium_disposal_blob`` (``run_id`` 0) and removed after the commit, like a disposal's;
- a file under the store without a row (a crash inside ``files.store`` between writing the
  content and its row), a temporary ``.tmp-`` or ``.gone-`` file a crash left;
- a folder or file in the spool (``<data_dir>/diarium/spool``) an interrupted export left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from core import audit, db
from core.db import raw
from plugins.diarium.archive import disposal

log = logging.getLogger(__name__)

GRACE = 24 * 3600  # seconds: younger content may belong to work in progress
COLLECTION_RUN = 0  # the run id of the collection's queued removals
CHUNK = 500  # file names asked about at once
UNREFERENCED_SQL = (
    "SELECT b.sha256 FROM diarium_blob b WHERE b.created_at <= ? AND b.seen_at <= ? "
    "AND NOT EXISTS (SELECT 1 FROM diarium_document_file f WHERE f.sha256 = b.sha256) "
    "AND NOT EXISTS (SELECT 1 FROM diarium_export e WHERE e.sha256 = b.sha256 "
    "AND e.status = 'stored') ORDER BY b.sha256"
)


def _old(path: Path, cutoff: float) -> bool:
    try:
        return path.lstat().st_mtime <= cutoff
    except FileNotFoundError:
        return False


async def _rows(cutoff: int) -> tuple[int, int]:
    """Delete the rows of old content nothing references; queue its removal."""
    candidates = {r["sha256"] for r in await raw.fetch(UNREFERENCED_SQL, cutoff, cutoff)}
    async with db.transaction():
        return await disposal.release_blobs(COLLECTION_RUN, candidates, cutoff)


def _old_files(root: Path, cutoff: float) -> tuple[list[Path], list[Path]]:
    """Old files under the store: (named after a content, crash leftovers)."""
    named: list[Path] = []
    leftovers: list[Path] = []
    if not root.is_dir():
        return named, leftovers
    for path in root.glob("??/*"):
        if not path.is_file() or not _old(path, cutoff):
            continue
        if path.name.startswith((".tmp-", ".gone-")):
            leftovers.append(path)
        elif len(path.name) == 64 and path.parent.name == path.name[:2]:
            named.append(path)
    return named, leftovers


def _unlink(paths: list[Path]) -> tuple[int, int]:
    removed = size = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            bytes_ = path.stat().st_size
            path.unlink()
            removed += 1
            size += bytes_
    return removed, size


async def _stray_files(root: Path, cutoff: float) -> tuple[int, int]:
    """Remove old files under the store that have no row (and crash leftovers)."""
    named, leftovers = await asyncio.to_thread(_old_files, root, cutoff)
    for start in range(0, len(named), CHUNK):
        chunk = named[start : start + CHUNK]
        marks = ", ".join("?" for _ in chunk)
        rows = await raw.fetch(
            f"SELECT sha256 FROM diarium_blob WHERE sha256 IN ({marks})",
            *(path.name for path in chunk),
        )
        known = {row["sha256"] for row in rows}
        leftovers.extend(path for path in chunk if path.name not in known)
    return await asyncio.to_thread(_unlink, leftovers)


def _spool(spool: Path, cutoff: float) -> int:
    removed = 0
    if not spool.is_dir():
        return 0
    for path in spool.iterdir():
        if not _old(path, cutoff):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed


async def collect(
    actor: str = "system", *, grace: int = GRACE, now: int | None = None
) -> dict[str, Any]:
    """Collect what nothing references and is older than ``grace`` seconds; returns the
    counts (also in the audit entry ``diarium.store_collected`` when anything was found)."""
    from plugins.diarium.registry import files

    now = int(now if now is not None else time.time())
    cutoff = now - grace
    rows, row_bytes = await _rows(cutoff)
    await disposal.finish_removals()
    strays, stray_bytes = await _stray_files(files.blob_root(), cutoff)
    spooled = await asyncio.to_thread(_spool, files.spool_root(), cutoff)
    counts = {
        "rows": rows,
        "row_bytes": row_bytes,
        "stray_files": strays,
        "stray_bytes": stray_bytes,
        "spool": spooled,
    }
    if rows or strays or spooled:
        async with db.transaction():
            audit.record(actor, "diarium.store_collected", "diarium_blob", "store", counts)
        log.info("diarium store collected: %s", counts)
    return counts


def run_collect() -> None:
    """The worker's periodic task."""
    from core import jobs

    jobs.run_async(collect())
