"""Disposal (gallring) only by a decision, over the HTTP API: the run lists what the
informationshanteringsplan allows, one holder of diarium.archive proposes and another
approves, and only then does execution dispose of the files; the registry entries stay,
marked with the decision; what the plan keeps, what is not yet due and open case files are
untouched; a run not approved changes nothing; all audited."""

from __future__ import annotations

import time

import pytest

from core import db
from core.db import raw
from plugins.diarium.archive import disposal
from tests.plugins.diarium.archive import conftest as data
from tests.plugins.diarium.conftest import BASE

pytestmark = pytest.mark.timeout(120)
RUNS = f"{BASE}/disposal/runs"
DECISION = "Arkivnämnden 2026-11-30 § 14"


async def counts(document_id: int) -> int:
    row = await raw.fetchrow(
        "SELECT COUNT(*) AS n FROM diarium_document_file WHERE document_id = ?", document_id
    )
    return int(row["n"])


def stored(sha256: str) -> bool:
    return disposal.blob_path(sha256).is_file()


async def has_row(sha256: str) -> bool:
    return bool(await raw.fetchrow("SELECT 1 AS one FROM diarium_blob WHERE sha256 = ?", sha256))


async def audited(action: str, object_id: str) -> list[str]:
    rows = await raw.fetch(
        "SELECT actor FROM audit_entry WHERE action = ? AND object_id = ? ORDER BY seq",
        action,
        object_id,
    )
    return [r["actor"] for r in rows]


async def test_a_run_goes_proposed_approved_executed(client, auth_headers, archive_data):
    proposer = await auth_headers("supervisor")
    approver = await auth_headers("head_registrator")
    material, application = archive_data["material"], archive_data["application"]
    blobs = archive_data["blobs"]

    listed = await client.get(
        f"{BASE}/disposal/candidates", params={"board": data.BOARD}, headers=proposer
    )
    assert listed.status_code == 200, listed.text
    numbers = {c["document_number"] for c in listed.json()["items"]}
    assert material["number"] in numbers
    kept = ("application", "decision", "copy", "fresh_material", "open_material")
    assert not numbers & {archive_data[k]["number"] for k in kept}

    proposed = await client.post(RUNS, json={"board": data.BOARD}, headers=proposer)
    assert proposed.status_code == 201, proposed.text
    run = proposed.json()
    assert run["status"] == "proposed" and run["proposed_by"] == "supervisor-user"
    item = next(d for d in run["documents"] if d["document_number"] == material["number"])
    assert item["rule_ref"] == "IHP ARK 1.3" and item["period_years"] == 2
    assert item["files"] == 2
    run_url = f"{RUNS}/{run['id']}"

    # An export of the case file kept in the store before the disposal.
    export = await client.post(
        f"{BASE}/exports", json={"case_file_id": archive_data["closed"]["id"]}, headers=proposer
    )
    assert export.status_code == 201, export.text
    export = export.json()

    # Not approved: execution is refused and nothing changes.
    refused = await client.post(f"{run_url}/execute", headers=approver)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("disposal-not-approved")
    assert await counts(material["id"]) == 2 and stored(blobs["notes"])
    # The proposer cannot approve their own run; an approval names its decision.
    own = await client.post(f"{run_url}/decision", json={"approve": True, "decision_ref": DECISION},
                            headers=proposer)  # fmt: skip
    assert own.status_code == 403, own.text
    unnamed = await client.post(f"{run_url}/decision", json={"approve": True}, headers=approver)
    assert unnamed.status_code == 400, unnamed.text
    assert (await client.get(run_url, headers=proposer)).json()["status"] == "proposed"

    approved = await client.post(
        f"{run_url}/decision", json={"approve": True, "decision_ref": DECISION}, headers=approver
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == "head-registrator-user"
    again = await client.post(
        f"{run_url}/decision", json={"approve": False, "decision_ref": "x"}, headers=approver
    )
    assert again.status_code == 409

    executed = await client.post(f"{run_url}/execute", headers=proposer)
    assert executed.status_code == 200, executed.text
    result = executed.json()
    assert result["status"] == "executed" and result["disposed"] >= 1
    item = next(d for d in result["documents"] if d["document_number"] == material["number"])
    assert item["status"] == "disposed"

    # The registry entry stays, marked with the decision; its files are gone.
    entry = await raw.fetchrow(
        "SELECT number, status, public_text FROM diarium_document WHERE id = ?", material["id"]
    )
    assert entry == {
        "number": material["number"],
        "status": "registered",
        "public_text": "Minnesanteckningar från platsbesök",
    }
    assert item["disposed_at"] and item["decision_ref"] == DECISION
    marked = await disposal.disposals([material["id"], application["id"]])
    assert set(marked) == {material["id"]} and marked[material["id"]]["decision_ref"] == DECISION
    assert await counts(material["id"]) == 0
    # Content nothing else references leaves the store; shared content and kept files stay.
    assert not await has_row(blobs["notes"]) and not stored(blobs["notes"])
    assert await has_row(blobs["shared"]) and stored(blobs["shared"])
    assert stored(blobs["pdf"]) and await counts(application["id"]) == 2
    # The stored package holding the disposed content is purged with it.
    purged = await client.get(f"{BASE}/exports/{export['id']}", headers=proposer)
    assert purged.json()["status"] == "purged"
    assert not stored(export["sha256"])
    gone = await client.get(f"{BASE}/exports/{export['id']}/package", headers=proposer)
    assert gone.status_code == 409

    assert await audited("diarium.disposal_proposed", str(run["id"])) == ["supervisor-user"]
    assert await audited("diarium.disposal_approved", str(run["id"])) == ["head-registrator-user"]
    assert await audited("diarium.disposal_executed", str(run["id"])) == ["supervisor-user"]
    assert await audited("diarium.document_disposed", material["number"]) == ["supervisor-user"]

    # Executed once only; the disposed document is not listed again.
    twice = await client.post(f"{run_url}/execute", headers=proposer)
    assert twice.status_code == 409
    listed = await client.get(
        f"{BASE}/disposal/candidates", params={"board": data.BOARD}, headers=proposer
    )
    assert material["number"] not in {c["document_number"] for c in listed.json()["items"]}

    # A later export of the case file still describes the disposed document, by its decision.
    later = await client.post(
        f"{BASE}/exports", json={"case_file_id": archive_data["closed"]["id"]}, headers=proposer
    )
    assert later.status_code == 201, later.text


async def test_a_rejected_run_changes_nothing(client, auth_headers, archive_data):
    proposer = await auth_headers("head_registrator")
    decider = await auth_headers("supervisor")
    fresh = archive_data["fresh"]
    async with db.transaction():  # as if closed three years ago: its working material is due
        await raw.fetch(
            "UPDATE diarium_case_file SET closed_at = ? WHERE id = ?",
            int(time.time()) - 3 * data.YEAR,
            fresh["id"],
        )
    proposed = await client.post(RUNS, json={"board": data.BOARD, "note": "test"}, headers=proposer)
    assert proposed.status_code == 201, proposed.text
    run = proposed.json()
    number = archive_data["fresh_material"]["number"]
    assert number in {d["document_number"] for d in run["documents"]}
    # While the run is open its documents are not listed in another.
    listed = await client.get(
        f"{BASE}/disposal/candidates", params={"board": data.BOARD}, headers=proposer
    )
    assert number not in {c["document_number"] for c in listed.json()["items"]}

    rejected = await client.post(
        f"{RUNS}/{run['id']}/decision", json={"approve": False, "note": "Vänta"}, headers=decider
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    refused = await client.post(f"{RUNS}/{run['id']}/execute", headers=decider)
    assert refused.status_code == 409
    assert await disposal.disposals([archive_data["fresh_material"]["id"]]) == {}
    assert await audited("diarium.disposal_rejected", str(run["id"])) == ["supervisor-user"]
    # Rejected: its documents may be proposed again.
    listed = await client.get(
        f"{BASE}/disposal/candidates", params={"board": data.BOARD}, headers=proposer
    )
    assert number in {c["document_number"] for c in listed.json()["items"]}
    page = await client.get(RUNS, params={"status": "rejected", "limit": 1}, headers=proposer)
    assert page.status_code == 200 and page.json()["items"][0]["status"] == "rejected"


async def test_a_document_no_longer_due_is_skipped(client, auth_headers, archive_data):
    """Between approval and execution the case file was reopened: its document is skipped."""
    proposer = await auth_headers("supervisor")
    approver = await auth_headers("head_registrator")
    async with db.transaction():  # closed three years ago: its working material is due
        await raw.fetch(
            "UPDATE diarium_case_file SET status = 'closed', closed_at = ? WHERE id = ?",
            int(time.time()) - 3 * data.YEAR,
            archive_data["fresh"]["id"],
        )
    proposed = await client.post(RUNS, json={"board": data.BOARD}, headers=proposer)
    assert proposed.status_code == 201, proposed.text
    run = proposed.json()
    number = archive_data["fresh_material"]["number"]
    assert number in {d["document_number"] for d in run["documents"]}
    approved = await client.post(
        f"{RUNS}/{run['id']}/decision",
        json={"approve": True, "decision_ref": DECISION},
        headers=approver,
    )
    assert approved.status_code == 200
    async with db.transaction():
        await raw.fetch(
            "UPDATE diarium_case_file SET status = 'open', closed_at = NULL WHERE id = ?",
            archive_data["fresh"]["id"],
        )
    executed = await client.post(f"{RUNS}/{run['id']}/execute", headers=approver)
    assert executed.status_code == 200, executed.text
    item = next(d for d in executed.json()["documents"] if d["document_number"] == number)
    assert item["status"] == "skipped" and item["skipped_reason"] == "case file reopened"
    assert await disposal.disposals([archive_data["fresh_material"]["id"]]) == {}


async def test_nothing_due_is_a_409_in_both_languages(client, auth_headers, archive_data):
    headers = await auth_headers("supervisor")
    before = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_disposal_run")
    sv = await client.post(
        RUNS, json={"board": "Ingen sådan nämnd"}, headers={**headers, "Accept-Language": "sv"}
    )
    assert sv.status_code == 409
    assert "gallring" in sv.json()["detail"]
    en = await client.post(
        RUNS, json={"board": "Ingen sådan nämnd"}, headers={**headers, "Accept-Language": "en"}
    )
    assert "Nothing is due for disposal" in en.json()["detail"]
    after = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_disposal_run")
    assert after["n"] == before["n"]
    assert (await client.get(f"{RUNS}/987654321", headers=headers)).status_code == 404
    bad = await client.post(RUNS, json={"board": data.BOARD, "unknown": 1}, headers=headers)
    assert bad.status_code == 400


async def test_only_the_archive_permission_disposes(client, auth_headers, archive_data):
    for role in ("registrator", "case_officer"):
        headers = await auth_headers(role)
        assert (await client.get(RUNS, headers=headers)).status_code == 403
        assert (await client.post(RUNS, json={}, headers=headers)).status_code == 403
        candidates = await client.get(f"{BASE}/disposal/candidates", headers=headers)
        assert candidates.status_code == 403


async def test_removals_a_crash_left_are_finished(archive_data):
    """Content released by an executed run is removed after the commit; a removal a crash
    interrupted is finished later, and content stored again meanwhile is left alone."""
    from plugins.diarium.registry import files

    orphan = await files.store(f"orphan {time.time_ns()}".encode(), "text/plain")
    again = await files.store(f"stored again {time.time_ns()}".encode(), "text/plain")
    async with db.transaction():
        await raw.fetch("DELETE FROM diarium_blob WHERE sha256 = ?", orphan)
        for sha in (orphan, again):
            await raw.insert("diarium_disposal_blob", {"run_id": 0, "sha256": sha, "size": 1})
    assert stored(orphan) and stored(again)
    assert await disposal.finish_removals() >= 2
    assert not stored(orphan)
    assert stored(again) and await has_row(again)
    pending = await raw.fetch(
        "SELECT sha256 FROM diarium_disposal_blob WHERE removed_at IS NULL AND run_id = 0"
    )
    assert pending == []


async def test_two_proposals_at_once_list_a_document_once(archive_data, role_users):
    import asyncio

    from core.errors import Conflict
    from plugins.diarium.registry import casefiles

    case = await data._case_file("Samtidiga förslag", role_users["case_officer"])
    document = await data._document(case["id"], "Arbetsmaterial", "drawn_up", "Utkast")
    await casefiles.close("test", case["id"], decision="Klart")
    async with db.transaction():
        await raw.fetch(
            "UPDATE diarium_case_file SET closed_at = ? WHERE id = ?",
            int(time.time()) - 3 * data.YEAR,
            case["id"],
        )
    results = await asyncio.gather(
        disposal.propose("supervisor-user", board=data.BOARD),
        disposal.propose("head-registrator-user", board=data.BOARD),
        return_exceptions=True,
    )
    runs = [r for r in results if isinstance(r, dict)]
    assert all(isinstance(r, dict | Conflict) for r in results), results
    listing = [
        r["id"]
        for r in runs
        if document["number"] in {d["document_number"] for d in r["documents"]}
    ]
    assert len(listing) == 1, results
    rows = await raw.fetch(
        "SELECT run_id FROM diarium_disposal_item WHERE document_id = ?", document["id"]
    )
    assert [r["run_id"] for r in rows] == listing
