"""Disposal and the content-addressed store at their edges: content a disposed document
shares with a kept document or with a draft not yet registered stays; a registered draft of a
disposed document keeps no pointer to removed content (nor its text); a disposal that fails
before its commit removes nothing; the store's collection removes what nothing references
(rows, stray files, spool leftovers) once it is old enough, audited with its counts."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from core import db
from core.db import raw
from plugins.diarium.archive import collect, disposal
from tests.plugins.diarium.archive import conftest as data
from tests.plugins.diarium.conftest import BASE
from tests.plugins.diarium.drafts import make_draft

pytestmark = pytest.mark.timeout(120)
BOARD = "Gallringsprovet (test)"
SERIES = {"code": "GAL", "name": "Gallringsprovets diarium", "board": BOARD,
          "pattern": "{code} {year}/{seq}"}  # fmt: skip
DAY = 24 * 3600


def details(entry: dict[str, Any]) -> dict[str, Any]:
    value = entry["details"]
    return json.loads(value) if isinstance(value, str) else value


def stored(sha256: str) -> bool:
    return disposal.blob_path(sha256).is_file()


async def has_row(sha256: str) -> bool:
    return bool(await raw.fetchrow("SELECT 1 AS one FROM diarium_blob WHERE sha256 = ?", sha256))


async def _unique_blob(label: str) -> str:
    from plugins.diarium.registry import files

    return await files.store(f"{label} {time.time_ns()}\n".encode(), "text/plain")


@pytest.fixture(scope="module")
async def board(diarium) -> dict[str, Any]:
    """A board of its own (so that its runs list only this module's documents) whose plan
    disposes of working material at once and keeps decisions."""
    from plugins.diarium.registry import retention, series

    try:
        await series.get_by_code(SERIES["code"])
    except Exception:
        await series.create("test", **SERIES)
    plan = (("Arbetsmaterial", "dispose", 0), ("Beslut", "keep", None))
    for document_type, action, years in plan:
        await retention.create(
            "test", board=BOARD, document_type=document_type, action=action,
            period_years=years, decision_ref="IHP GAL 1",
        )  # fmt: skip
    return {"series": SERIES["code"]}


async def _closed_case(title: str) -> dict[str, Any]:
    from plugins.diarium.registry import casefiles

    return await casefiles.open_case_file(
        "test", series_code=SERIES["code"], title_public=title, classification_code="1.2.1"
    )


async def _close(case_id: int) -> None:
    from plugins.diarium.registry import casefiles

    await casefiles.close("test", case_id, decision="Avslutat")
    async with db.transaction():  # closed a day ago: due under the plan's 0 years
        await raw.fetch(
            "UPDATE diarium_case_file SET closed_at = ? WHERE id = ?",
            int(time.time()) - DAY,
            case_id,
        )


async def _dispose_all() -> dict[str, Any]:
    run = await disposal.propose("test-proposer", board=BOARD)
    await disposal.decide("test-approver", run["id"], approve=True, decision_ref="GAL § 1")
    return await disposal.execute("test-proposer", run["id"])


async def _new_draft(sha256: str, text: str = "Brev om arbetsmaterial") -> int:
    files = [{"filename": "brev.txt", "sha256": sha256, "role": "original"}]
    draft = await make_draft(text, filename="brev.txt", mime="text/plain", files=files)
    return int(draft["id"])


async def test_shared_content_stays_with_the_kept_document_and_the_new_draft(board):
    kept_share = await _unique_blob("in two documents")
    draft_share = await _unique_blob("in a document and in a new draft")
    only = await _unique_blob("only in the disposed document")
    case = await _closed_case("Delat innehåll")
    material = await data._document(
        case["id"], "Arbetsmaterial", "drawn_up", "Anteckningar",
        files=[("a.txt", kept_share, "original"), ("b.txt", draft_share, "original"),
               ("c.txt", only, "original")],
    )  # fmt: skip
    decision = await data._document(
        case["id"], "Beslut", "out", "Beslut", files=[("a.txt", kept_share, "original")]
    )
    await _close(case["id"])
    # The same attachment arrives again by mail: a new draft, not yet registered.
    draft_id = await _new_draft(draft_share)

    done = await _dispose_all()
    items = {d["document_number"]: d["status"] for d in done["documents"]}
    assert items == {material["number"]: "disposed"}
    assert not await has_row(only) and not stored(only)
    # Same SHA-256 as a kept document's file: kept, with its row.
    assert await has_row(kept_share) and stored(kept_share)
    # Same SHA-256 as a new draft's file: kept, and the draft still opens and registers.
    assert await has_row(draft_share) and stored(draft_share)
    from plugins.diarium.registry import files

    assert files.verify(draft_share)
    assert [f["sha256"] for f in await files.of_document(decision["id"])] == [kept_share]
    from plugins.diarium.intake import drafts

    assert [f["sha256"] for f in (await drafts.get(draft_id))["files"]] == [draft_share]


async def test_a_registered_draft_of_a_disposed_document_points_at_nothing_removed(
    client, auth_headers, board
):
    scan = await _unique_blob("scanned letter")
    case = await _closed_case("Inskannat arbetsmaterial")
    draft_id = await _new_draft(
        scan, text="Ärende: Synpunkter på bygget\n\nVi har sett att zqxv pågår."
    )
    headers = await auth_headers("registrator")
    registered = await client.post(
        f"{BASE}/drafts/{draft_id}/register",
        json={"series_code": SERIES["code"], "case_file_id": case["id"],
              "document_type": "Arbetsmaterial", "public_text": "Brev",
              "counterpart_public": "Anna A"},
        headers=headers,
    )  # fmt: skip
    assert registered.status_code in (200, 201), registered.text
    await _close(case["id"])
    found = await client.get(f"{BASE}/drafts", params={"status": "registered", "q": "zqxv"},
                             headers=headers)  # fmt: skip
    assert [d["id"] for d in found.json()["items"]] == [draft_id]

    done = await _dispose_all()
    assert done["disposed"] == 1
    assert not await has_row(scan) and not stored(scan)
    view = await client.get(f"{BASE}/drafts/{draft_id}", headers=headers)
    assert view.status_code == 200, view.text
    draft = view.json()
    # No pointer to content the disposal removed, and its text (the OCR) is gone with it.
    assert draft["files"] == [] and draft["text"] == ""
    assert draft["status"] == "registered" and draft["registration"]["number"]
    gone = await client.get(f"{BASE}/drafts", params={"status": "registered", "q": "zqxv"},
                            headers=headers)  # fmt: skip
    assert gone.json()["items"] == []
    row = await raw.fetchrow(
        "SELECT original_sha256, pdfa_sha256 FROM diarium_draft WHERE id = ?", draft_id
    )
    assert row == {"original_sha256": "", "pdfa_sha256": ""}
    entry = await raw.fetchrow(
        "SELECT action, details FROM audit_entry WHERE action = 'diarium.disposal_executed' "
        "AND object_id = ?",
        str(done["id"]),
    )
    assert entry is not None and details(entry)["drafts_cleared"] == 1


async def test_a_disposal_that_fails_before_its_commit_removes_nothing(board):
    only = await _unique_blob("disposed, but the transaction fails")
    case = await _closed_case("Avbruten gallring")
    material = await data._document(
        case["id"], "Arbetsmaterial", "drawn_up", "Anteckningar",
        files=[("a.txt", only, "original")],
    )  # fmt: skip
    await _close(case["id"])
    run = await disposal.propose("test-proposer", board=BOARD)
    await disposal.decide("test-approver", run["id"], approve=True, decision_ref="GAL § 2")
    with pytest.raises(RuntimeError, match="crash"):
        async with db.transaction():  # the run joins this transaction, which then fails
            await disposal.execute("test-proposer", run["id"])
            raise RuntimeError("crash before the commit")
    assert await has_row(only) and stored(only)
    assert (await disposal.get(run["id"]))["status"] == "approved"
    files_left = await raw.fetchrow(
        "SELECT COUNT(*) AS n FROM diarium_document_file WHERE document_id = ?", material["id"]
    )
    assert files_left["n"] == 1
    # Run again, it disposes of the document and removes the content after its commit.
    done = await disposal.execute("test-proposer", run["id"])
    assert done["disposed"] == 1 and not await has_row(only) and not stored(only)


async def test_the_collection_removes_what_nothing_references(board):
    from plugins.diarium.registry import files

    old = int(time.time()) - 2 * DAY
    orphan = await _unique_blob("a package whose export row was never written")
    young = await _unique_blob("stored a minute ago, its draft not yet written")
    in_draft = await _unique_blob("only in a draft not yet registered")
    await _new_draft(in_draft)
    # The masked copy of one document a request names (the public side's own row).
    masked = await _unique_blob("a masked copy for a request")
    async with db.transaction():
        await raw.fetch(
            "INSERT INTO diarium_requested_document (request_id, position, document_ref, "
            "masked_copy_sha256) VALUES (?, ?, ?, ?)",
            987654,
            0,
            "GAL 2026/1-1",
            masked,
        )
    restored_body = f"an old orphan a new mail brings again {time.time_ns()}".encode()
    restored = await files.store(restored_body, "text/plain")
    async with db.transaction():
        for sha in (orphan, in_draft, restored, masked):
            await raw.fetch("UPDATE diarium_blob SET created_at = ? WHERE sha256 = ?", old, sha)
    # Stored again now (its draft is about to be written): the collection must leave it.
    assert await files.store(restored_body, "text/plain") == restored
    # A file without a row (a crash inside files.store), a temporary file and a spool folder
    # a crash left, all old; and a young file without a row.
    stray = await _unique_blob("written, its row never")
    young_stray = await _unique_blob("being written now")
    async with db.transaction():
        for sha in (stray, young_stray):
            await raw.fetch("DELETE FROM diarium_blob WHERE sha256 = ?", sha)
    temp = disposal.blob_path(stray).with_name(".tmp-crashed")
    temp.write_bytes(b"half")
    spool = files.spool_root() / "fgs-crashed"
    spool.mkdir()
    (spool / "METS.xml").write_bytes(b"<mets/>")
    for path in (disposal.blob_path(stray), temp, spool):
        os.utime(path, (old, old))

    counts = await collect.collect("test")
    assert counts["rows"] >= 1 and counts["stray_files"] >= 2 and counts["spool"] >= 1
    assert not await has_row(orphan) and not stored(orphan)
    assert not stored(stray) and not temp.exists() and not spool.exists()
    assert await has_row(young) and stored(young)
    assert stored(young_stray)
    assert await has_row(in_draft) and stored(in_draft)
    assert await has_row(restored) and stored(restored)
    assert await has_row(masked) and stored(masked)
    entry = await raw.fetchrow(
        "SELECT actor, details FROM audit_entry WHERE action = 'diarium.store_collected' "
        "ORDER BY seq DESC LIMIT 1"
    )
    assert entry is not None and entry["actor"] == "test"
    assert details(entry)["stray_files"] >= 2 and details(entry)["rows"] >= 1
    # Nothing left to collect: a second run finds nothing (the young ones are not yet old).
    again = await collect.collect("test")
    assert again["rows"] == 0 and again["stray_files"] == 0 and again["spool"] == 0
