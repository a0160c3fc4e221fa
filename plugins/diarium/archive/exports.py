"""Export of a closed case file to the e-archive as an FGS 2.0 package (:mod:`.fgs`).

The package is built from the registry's rows and stored files in a folder of the store's
spool (:func:`files.spool_root`), its ERMS file checked against the schema it ships with,
packed as a zip or a tar into a file there and linked into the registry's content-addressed
store (never held in memory: a case file of hundreds of scans is as cheap as a small one) and
recorded in ``diarium_export`` — the package, the export row and
the audit entry in one step (an audited read for each secret-marked document it carries).
An open or cancelled case file is refused with a 409 and nothing is written. Downloads are
audited reads.
"""

from __future__ import annotations

import asyncio
import functools
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from lxml import etree

from core import audit, db, paging
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from plugins.diarium import runtime
from plugins.diarium.archive import disposal, fgs

SCOPE = "diarium-exports"
EXPORT_SQL = (
    "SELECT id, case_file_id, case_number, objid, format, sha256, size, documents, files, "
    "status, created_by, created_at, purged_at FROM diarium_export"
)
CASE_SQL = (
    "SELECT c.id, c.number, c.title_public, c.title_protected, c.classification_code, c.board, "
    "c.department, c.officer, c.status, c.opened_at, c.closed_at, c.closed_by, c.decision, "
    "c.created_by, c.personnummer_encrypted, s.code AS series_code, s.name AS series_name "
    "FROM diarium_case_file c JOIN diarium_series s ON s.id = c.series_id WHERE c.id = ?"
)
DOCUMENT_SQL = (
    "SELECT id, number, doc_seq, direction, document_date, registered_at, registered_by, "
    "counterpart_public, counterpart_protected, public_text, protected_text, document_type, "
    "status, personnummer_encrypted FROM diarium_document "
    "WHERE case_file_id = ? ORDER BY doc_seq, id"
)


def submitter() -> fgs.Submitter:
    """Who delivers, from the plugin's settings."""
    return fgs.Submitter(
        organisation=str(runtime.setting("archive_creator", "Kommunen")),
        organisation_id=str(runtime.setting("archive_creator_id", "")),
        system=fgs.SOFTWARE,
        version=str(runtime.setting("archive_system_version", "1")),
    )


@functools.cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(fgs.SCHEMA_FILE)))


def check_erms(xml: bytes) -> None:
    """Refuse (RuntimeError) an ERMS document the shipped CITS ERMS schema does not accept."""
    schema = _schema()
    if not schema.validate(etree.fromstring(xml)):
        raise RuntimeError(f"ERMS document invalid: {schema.error_log.last_error}")


def _markings(rows: list[dict[str, Any]]) -> tuple[fgs.Marking, ...]:
    return tuple(
        fgs.Marking(
            provision=r["provision"],
            marked_at=int(r["marked_at"] or 0),
            authority=r["authority"] or "",
            reason=r["reason"] or "",
        )
        for r in rows
    )


async def _class_title(code: str) -> str:
    row = await raw.fetchrow(
        "SELECT title FROM diarium_class WHERE code = ? ORDER BY id DESC LIMIT 1", code
    )
    return row["title"] if row else ""


async def case_file_for_export(case_file_id: int) -> fgs.CaseFile:
    """The closed case file as the package describes it (404 unknown, 409 not closed)."""
    from plugins.diarium.registry import files, pnr

    case = await raw.fetchrow(CASE_SQL, case_file_id)
    if case is None:
        raise NotFound("No case file {id}", problem_type="case-file-not-found", id=case_file_id)
    if case["status"] != "closed" or not case["closed_at"]:
        raise Conflict(
            "Case file {number} is {status}: only a closed case file can be exported to the "
            "e-archive",
            problem_type="case-file-not-closed",
            number=case["number"],
            status=case["status"],
        )
    secrecy = await raw.fetch(
        "SELECT document_id, case_file_id, provision, marked_at, authority, reason "
        "FROM diarium_secrecy WHERE lifted_at IS NULL AND (case_file_id = ? OR document_id IN "
        "(SELECT id FROM diarium_document WHERE case_file_id = ?)) ORDER BY id",
        case_file_id,
        case_file_id,
    )
    documents = []
    rows = await raw.fetch(DOCUMENT_SQL, case_file_id)
    disposed = await disposal.disposals([row["id"] for row in rows])
    for row in rows:
        # The e-archive receives the protected texts whole: personnummer put back.
        row = pnr.unseal(row, row["personnummer_encrypted"] or "")
        stored = await raw.fetch(
            "SELECT f.filename, f.role, f.sha256, f.created_at, b.mime, b.size "
            "FROM diarium_document_file f JOIN diarium_blob b ON b.sha256 = f.sha256 "
            "WHERE f.document_id = ? ORDER BY f.id",
            row["id"],
        )
        items = tuple(
            fgs.FileItem(
                filename=f["filename"] or f["sha256"][:12],
                role=f["role"],
                mime=f["mime"],
                path=files.open_blob(f["sha256"]),
                sha256=f["sha256"],
                size=int(f["size"]),
                created_at=int(f["created_at"] or 0),
            )
            for f in stored
        )
        documents.append(
            fgs.Document(
                number=row["number"],
                doc_seq=int(row["doc_seq"] or 0),
                direction=row["direction"],
                document_date=row["document_date"],
                registered_at=int(row["registered_at"] or 0),
                registered_by=row["registered_by"] or "",
                counterpart_public=row["counterpart_public"] or "",
                counterpart_protected=row["counterpart_protected"] or "",
                public_text=row["public_text"] or "",
                protected_text=row["protected_text"] or "",
                document_type=row["document_type"] or "",
                status=row["status"],
                markings=_markings([s for s in secrecy if s["document_id"] == row["id"]]),
                files=items,
                disposed_at=disposed.get(row["id"], {}).get("disposed_at"),
                disposal_ref=disposed.get(row["id"], {}).get("decision_ref") or "",
                personnummer=bool(row["personnummer_encrypted"]),
            )
        )
    case = pnr.unseal(case, case["personnummer_encrypted"] or "")
    return fgs.CaseFile(
        id=case["id"],
        number=case["number"],
        title_public=case["title_public"] or "",
        title_protected=case["title_protected"] or "",
        classification_code=case["classification_code"],
        classification_title=await _class_title(case["classification_code"]),
        series_code=case["series_code"],
        series_name=case["series_name"],
        board=case["board"] or "",
        department=case["department"] or "",
        officer=case["officer"] or "",
        opened_at=int(case["opened_at"] or 0),
        closed_at=int(case["closed_at"]),
        closed_by=case["closed_by"] or "",
        decision=case["decision"] or "",
        created_by=case["created_by"] or "",
        status=case["status"],
        markings=_markings([s for s in secrecy if s["case_file_id"] == case_file_id]),
        documents=tuple(documents),
    )


def package_file(
    case: fgs.CaseFile, who: fgs.Submitter, fmt: str, now: int, spool: Path
) -> tuple[str, Path, int]:
    """Build, check and pack the package into a new file under ``spool``; returns (objid,
    the archive's path, file count). The caller removes the file; on failure it is gone."""
    with tempfile.TemporaryDirectory(prefix="fgs-", dir=spool) as folder:
        built = fgs.build(case, who, Path(folder), now)
        check_erms((built.root / "metadata" / "descriptive" / "erms.xml").read_bytes())
        fd, name = tempfile.mkstemp(prefix="package-", suffix=f".{fmt}", dir=spool)
        os.close(fd)
        try:
            fgs.archive(built, fmt, Path(name))
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return built.objid, Path(name), len(built.files)


async def export(actor: str, case_file_id: int, fmt: str = "zip") -> dict[str, Any]:
    """Export a closed case file as an FGS 2.0 package kept in the store, audited."""
    from plugins.diarium.registry import files

    if fmt not in fgs.FORMATS:
        raise InvalidInput(
            "Unknown package format {format}: zip or tar", location=("body", "format"), format=fmt
        )
    case = await case_file_for_export(case_file_id)
    now = int(time.time())
    objid, package, count = await asyncio.to_thread(
        package_file, case, submitter(), fmt, now, files.spool_root()
    )
    try:
        sha, size = await files.store_file(package, fgs.mime_of_format(fmt))
    finally:
        package.unlink(missing_ok=True)
    secret = [d.number for d in case.documents if d.markings or d.personnummer]
    async with db.transaction():
        export_id = await raw.insert(
            "diarium_export",
            {
                "case_file_id": case.id,
                "case_number": case.number,
                "objid": objid,
                "format": fmt,
                "sha256": sha,
                "size": size,
                "documents": len(case.documents),
                "files": count,
                "status": "stored",
                "created_by": actor,
                "created_at": now,
            },
        )
        audit.record(
            actor,
            "diarium.exported",
            "diarium_case_file",
            case.number,
            {"export": export_id, "objid": objid, "format": fmt, "sha256": sha},
        )
        for number in secret:
            audit.record_read(actor, "diarium_document", number, {"in": "fgs export"})
        if case.markings:
            audit.record_read(actor, "diarium_case_file", case.number, {"in": "fgs export"})
    return await get(export_id)


async def get(export_id: int) -> dict[str, Any]:
    """One export."""
    row = await raw.fetchrow(EXPORT_SQL + " WHERE id = ?", export_id)
    if row is None:
        raise NotFound("No export {id}", problem_type="export-not-found", id=export_id)
    return row


async def exports(
    case_file_id: int | None = None, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """Exports, newest first, in pages (``{items, next_cursor, total}``)."""
    where, args = [], []
    if case_file_id is not None:
        where.append("case_file_id = ?")
        args.append(case_file_id)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = (await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_export" + clause, *args))["n"]
    after = paging.decode_cursor(SCOPE, cursor, (int,))
    if after:
        where.append(paging.keyset_clause(("id",)))
        args.extend(after)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    rows = await raw.fetch(EXPORT_SQL + clause + " ORDER BY id DESC LIMIT ?", *args, limit + 1)
    items, next_cursor = paging.cut(rows, limit, SCOPE, lambda r: (int(r["id"]),))
    return paging.page(items, next_cursor, int(total))


def filename(row: dict[str, Any]) -> str:
    """The download's file name: the case file number and the package id."""
    return f"FGS-{fgs.safe_name(row['case_number'])}-{row['objid'][-12:]}.{row['format']}"


async def download(actor: str, export_id: int) -> tuple[Path, str, str]:
    """The stored package's path, file name and MIME type (409 once purged), audited."""
    from plugins.diarium.registry import files

    row = await get(export_id)
    if row["status"] != "stored":
        raise Conflict(
            "Export {id} was purged by a disposal decision",
            problem_type="export-purged",
            id=export_id,
        )
    path = files.open_blob(row["sha256"])
    async with db.transaction():
        audit.record_read(actor, "diarium_export", export_id, {"case_file": row["case_number"]})
    return path, filename(row), fgs.mime_of_format(row["format"])
