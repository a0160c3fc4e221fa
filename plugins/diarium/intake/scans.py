"""Scanned post to drafts: an upload through the API, or the mail-room scanner's watched
folder (setting ``intake_dir``), polled by the worker's periodic task and on demand.

The watched folder: the scanner drops PDFs or TIFFs in ``intake_dir``. A run claims a file by
renaming it into ``intake_dir/.claimed/`` under a unique name — a rename is atomic, so of two
workers (or two runs) only one gets it. The claimed file is read, OCR'd and its draft
committed; only then is it moved to ``done/<date>/``. A file that cannot become a draft goes
to ``failed/<date>/`` with a ``.problem.txt`` saying why (Swedish and English), and nothing
else changes. When the OCR itself is missing on the machine the file goes back where it was,
for a later run. A claim left behind by a crashed worker is taken again after
``claim_stale_seconds``; the draft's unique source key (the file's SHA-256) makes that retry
find the draft the crashed run had committed instead of making a second one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from core.errors import Conflict, DomainError
from core.i18n import gettext
from plugins.diarium import runtime
from plugins.diarium.intake import drafts, ocr

log = logging.getLogger(__name__)

CLAIMED = ".claimed"
CLAIM_PREFIX = re.compile(r"^(?:\d+-[0-9a-f]{8}-)+")
DONE = "done"
FAILED = "failed"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def _store(data: bytes, mime: str) -> str:
    from plugins.diarium.registry import files

    return await files.store(data, mime)


async def make_draft(
    data: bytes, filename: str, source: str, received_at: int, actor: str
) -> tuple[dict[str, Any], bool]:
    """OCR one scan and commit its draft: (draft, created). An already known file (same
    SHA-256 from the same source) gives (its draft, False) without a new OCR run."""
    key = f"{source}:{sha256(data)}"
    known = await drafts.find_by_key(key)
    if known is not None:
        return known, False
    result = await ocr.run_ocr(data, "", filename)
    stem = Path(filename).stem or "skanning"
    text = result.text
    from plugins.diarium.intake import suggest

    stored_text = suggest.masked_text(text).encode()
    original = await _store(data, result.mime)
    pdfa = await _store(result.pdfa, ocr.PDF)
    text_sha = await _store(stored_text, "text/plain; charset=utf-8")
    files = [
        {
            "filename": filename,
            "sha256": original,
            "mime": result.mime,
            "size": len(data),
            "role": "original",
        },
        {
            "filename": f"{stem}.pdf",
            "sha256": pdfa,
            "mime": ocr.PDF,
            "size": len(result.pdfa),
            "role": "pdfa",
        },
        {
            "filename": f"{stem}.txt",
            "sha256": text_sha,
            "mime": "text/plain; charset=utf-8",
            "size": len(stored_text),
            "role": "ocr_text",
        },
    ]
    return await drafts.create(
        drafts.NewDraft(
            source=source,
            source_key=key,
            received_at=received_at,
            filename=filename,
            mime=result.mime,
            text=text,
            pages=result.pages,
            ocr_ms=int(result.seconds * 1000),
            files=files,
            barcodes=result.barcodes,
        ),
        actor,
    )


async def upload(data: bytes, filename: str, actor: str) -> dict[str, Any]:
    """A scan uploaded through the API becomes a draft (409 when the same file already is
    one)."""
    name = clean_filename(filename) or "skanning"
    draft, created = await make_draft(data, name, "upload", int(time.time()), actor)
    if not created:
        raise Conflict(
            "This file is already draft {id}", id=draft["id"], problem_type="duplicate-draft"
        )
    return draft


def clean_filename(name: str) -> str:
    """A file name without folders or control characters (at most 200 characters)."""
    base = os.path.basename(name.replace("\\", "/"))
    return "".join(ch for ch in base if ch.isprintable() and ch not in "\x00/")[:200].strip()


# -- the watched folder --------------------------------------------------------------------
def folder() -> Path | None:
    """The watched folder (None when the setting is empty)."""
    value = str(runtime.setting("intake_dir", "") or "").strip()
    return Path(value) if value else None


def _claim(path: Path, claimed_dir: Path) -> Path | None:
    """Rename ``path`` into the claim folder (atomic); None when another run was first."""
    target = claimed_dir / f"{int(time.time())}-{secrets.token_hex(4)}-{path.name}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


def _original_name(claimed: Path) -> str:
    """The scanner's file name (without the claim prefixes, one per claim)."""
    return CLAIM_PREFIX.sub("", claimed.name) or claimed.name


def _finish(claimed: Path, base: Path, outcome: str, problem: str = "") -> Path:
    day = time.strftime("%Y-%m-%d")
    target_dir = base / outcome / day
    target_dir.mkdir(parents=True, exist_ok=True)
    name = _original_name(claimed)
    target = target_dir / name
    if target.exists():
        target = target_dir / f"{Path(name).stem}-{secrets.token_hex(3)}{Path(name).suffix}"
    shutil.move(str(claimed), str(target))
    if problem:
        target.with_name(target.name + ".problem.txt").write_text(problem, encoding="utf-8")
    return target


def _problem_text(error: DomainError) -> str:
    return f"{error.render(lambda m: gettext(m, 'sv'))}\n{error.render(lambda m: m)}\n"


def _candidates(base: Path, claimed_dir: Path) -> list[Path]:
    """Files ready to take: new files that have settled, and stale claims."""
    settle = float(runtime.setting("settle_seconds", 5))
    stale = float(runtime.setting("claim_stale_seconds", 900))
    now = time.time()
    found = []
    for entry in sorted(base.iterdir()):
        ready = entry.is_file() and not entry.name.startswith(".")
        if ready and now - entry.stat().st_mtime >= settle:
            found.append(entry)
    for entry in sorted(claimed_dir.iterdir()):
        if entry.is_file() and now - entry.stat().st_ctime >= stale:
            found.append(entry)
    return found


async def poll_folder(actor: str = "system:diarium-intake", limit: int = 50) -> dict[str, Any]:
    """Take what is waiting in the watched folder: every file becomes a draft (or goes to
    ``failed/``). Returns the counts and the drafts made."""
    base = folder()
    if base is None:
        return {"configured": False, "drafts": [], "failed": [], "duplicates": 0}
    claimed_dir = base / CLAIMED
    claimed_dir.mkdir(parents=True, exist_ok=True)
    made: list[int] = []
    failed: list[dict[str, str]] = []
    duplicates = 0
    for path in _candidates(base, claimed_dir)[:limit]:
        claimed = _claim(path, claimed_dir)
        if claimed is None:
            continue
        name = _original_name(claimed)
        try:
            data = claimed.read_bytes()
            received_at = int(claimed.stat().st_mtime)
            draft, created = await make_draft(data, name, "scan", received_at, actor)
        except ocr.OcrUnavailable as error:  # not the file's fault: back it goes, for later
            os.rename(claimed, base / name)
            log.error("diarium intake: the watched folder waits: %s", error.render(lambda m: m))
            return {
                "configured": True,
                "drafts": made,
                "failed": failed,
                "duplicates": duplicates,
                "unavailable": error.render(lambda m: m),
            }
        except DomainError as error:
            text = _problem_text(error)
            _finish(claimed, base, FAILED, text)
            failed.append({"file": name, "problem": error.render(lambda m: m)})
            log.warning("diarium intake: %s not taken: %s", name, text.strip())
            continue
        _finish(claimed, base, DONE)
        if created:
            made.append(int(draft["id"]))
        else:
            duplicates += 1
    return {"configured": True, "drafts": made, "failed": failed, "duplicates": duplicates}


def run_poll_folder() -> None:
    """The worker's periodic task."""
    from core import jobs

    result = jobs.run_async(poll_folder())
    if result["drafts"] or result["failed"]:
        log.info("diarium intake folder: %s", result)
