"""Scanned post with real OCR (Tesseract's Swedish model through ocrmypdf) and real barcode
reading (zbar): a Swedish letter rendered as a 300 dpi A4 scan goes through the watched
folder and through the upload, becomes a draft with its text, suggestions, masked
personnummer and the cover sheet's QR code, and is registered into a case file with a
secrecy marking. Bad input changes nothing. Each OCR run costs seconds: two in this file."""

from __future__ import annotations

import asyncio
import io
import json
import shutil

from core.db import raw
from core.secrets import fields
from plugins.diarium.intake import scans
from plugins.diarium.intake.models import PERSONNUMMER_CONTEXT
from tests.plugins.diarium.conftest import BASE
from tests.plugins.diarium.intake.conftest import as_pdf, as_tiff, scan_image

SWEDISH_WORDS = ("Ansökan", "förråd", "önskar", "återkoppling", "hälsning", "Åkesson")


async def draft_count() -> int:
    row = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_draft")
    return int(row["n"])


async def test_a_letter_in_the_watched_folder_becomes_a_draft_and_is_registered(
    client, auth_headers, intake
):
    registrator = await auth_headers("registrator")
    case_file = intake["case_file"]
    data = as_tiff(scan_image(qr=f"DIARIUM:{case_file['number']}"))
    (intake["dir"] / "brev-0001.tif").write_bytes(data)
    before = await draft_count()

    # two runs at once (two workers): the file is claimed by one of them only
    first, second = await asyncio.gather(scans.poll_folder(), scans.poll_folder())
    made = first["drafts"] + second["drafts"]
    assert len(made) == 1 and await draft_count() == before + 1
    assert not first["failed"] and not second["failed"]
    assert not (intake["dir"] / "brev-0001.tif").exists()
    assert list((intake["dir"] / "done").glob("*/brev-0001.tif"))

    response = await client.get(f"{BASE}/drafts/{made[0]}", headers=registrator)
    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["source"] == "scan" and draft["status"] == "new" and draft["pages"] == 1
    for word in SWEDISH_WORDS:
        assert word in draft["text"], (word, draft["text"])
    assert draft["suggestions"]["sender"] == "Anna Åkesson"
    assert draft["suggestions"]["subject"] == "Ansökan om bygglov för förråd"
    assert draft["suggestions"]["letter_date"] == "2026-11-28"
    assert draft["received_date"]
    assert draft["barcodes"] == [{"type": "QRCODE", "data": f"DIARIUM:{case_file['number']}"}]
    assert draft["suggestions"]["case_number"] == case_file["number"]
    # the personnummer: flagged, shown masked, stored only encrypted
    assert draft["personnummer"] == {"found": True, "masked": ["19811218-****"]}
    assert "9876" not in draft["text"] and "19811218-****" in draft["text"]
    stored = await raw.fetchrow(
        "SELECT content_text, personnummer_encrypted FROM diarium_draft WHERE id = ?", made[0]
    )
    assert "9876" not in stored["content_text"]
    assert "9876" not in stored["personnummer_encrypted"]
    assert json.loads(fields.decrypt(stored["personnummer_encrypted"], PERSONNUMMER_CONTEXT)) == [
        "198112189876"
    ]
    # the files: the scan as it came, a searchable PDF/A, the text
    roles = {f["role"]: f for f in draft["files"]}
    assert set(roles) == {"original", "pdfa", "ocr_text"}
    pdf = await client.get(f"{BASE}/drafts/{made[0]}/pdf", headers=registrator)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    import pikepdf
    from pdfminer.high_level import extract_text

    with pikepdf.open(io.BytesIO(pdf.content)) as document:
        assert document.open_metadata().pdfa_status.startswith("2")  # PDF/A-2
    assert "förråd" in extract_text(io.BytesIO(pdf.content))
    read = await raw.fetchrow(
        "SELECT actor FROM audit_entry WHERE action = 'read' AND object_type = 'diarium_draft' "
        "AND object_id = ?",
        str(made[0]),
    )
    assert read is not None and read["actor"] == intake["registrator"]  # it shows the number

    # searchable among the drafts
    found = await client.get(f"{BASE}/drafts", params={"q": "FÖRRÅD på min"}, headers=registrator)
    assert [item["id"] for item in found.json()["items"]] == [made[0]]

    # the same scan dropped again: no second draft, no second OCR run
    (intake["dir"] / "brev-0001-igen.tif").write_bytes(data)
    again = await scans.poll_folder()
    assert again["drafts"] == [] and again["duplicates"] == 1
    assert await draft_count() == before + 1

    # a worker died after the commit, before the move: its claim is taken again, finds the
    # committed draft and only moves the file
    claimed = intake["dir"] / ".claimed" / "1700000000-0badc0de-brev-0001.tif"
    claimed.write_bytes(data)
    import plugins.diarium.runtime as runtime

    runtime.CONFIG["claim_stale_seconds"] = 0
    try:
        retried = await scans.poll_folder()
    finally:
        runtime.CONFIG["claim_stale_seconds"] = 900
    assert retried["duplicates"] == 1 and retried["drafts"] == [] and not claimed.exists()
    assert await draft_count() == before + 1

    # registered into the case file with a secrecy marking
    response = await client.post(
        f"{BASE}/drafts/{made[0]}/register",
        json={
            "case_file_id": case_file["id"],
            "series_code": intake["series"]["code"],
            "protected_text": "Ansökan från Anna Åkesson, 19811218-9876",
            "secrecy": {
                "provision": "OSL 26 kap. 1 §",
                "authority": "Kommunstyrelsen",
                "reason": "Uppgift om enskilds personliga förhållanden",
            },
        },
        headers=registrator,
    )
    assert response.status_code == 201, response.text
    registered = response.json()
    number = registered["document"]["number"]
    assert number.startswith(case_file["number"])
    assert registered["draft"]["status"] == "registered"
    assert registered["draft"]["registration"]["number"] == number
    document = await raw.fetchrow(
        "SELECT draft_id, counterpart_public, public_text FROM diarium_document WHERE number = ?",
        number,
    )
    assert document["draft_id"] == made[0]
    assert document["counterpart_public"] == "Anna Åkesson"
    assert document["public_text"] == "Ansökan om bygglov för förråd"
    marked = await raw.fetchrow(
        "SELECT provision FROM diarium_secrecy WHERE document_id = ?",
        registered["document"]["id"],
    )
    assert marked is not None and "26 kap. 1" in marked["provision"]
    files = await raw.fetch(
        "SELECT role, sha256 FROM diarium_document_file WHERE document_id = ?",
        registered["document"]["id"],
    )
    assert {f["sha256"] for f in files} == {f["sha256"] for f in draft["files"]}

    # registering twice is refused, and changes nothing
    again = await client.post(
        f"{BASE}/drafts/{made[0]}/register",
        json={"series_code": intake["series"]["code"], "case_file_id": case_file["id"]},
        headers=registrator,
    )
    assert again.status_code == 409, again.text
    count = await raw.fetchrow(
        "SELECT COUNT(*) AS n FROM diarium_document WHERE draft_id = ?", made[0]
    )
    assert count["n"] == 1


async def test_an_uploaded_pdf_scan_becomes_a_draft(client, auth_headers, intake):
    registrator = await auth_headers("registrator")
    lines = (
        "Byggnadsnämnden",
        "",
        "Angående: Synpunkter på detaljplan för Åkerby",
        "",
        "Vi är oroliga för trafiken på Östra vägen när skolan byggs ut.",
        "",
        "Vänliga hälsningar",
        "Föreningen Åkerbys vänner",
    )
    data = as_pdf(scan_image(lines))
    response = await client.post(
        f"{BASE}/drafts/upload",
        params={"filename": "synpunkter.pdf"},
        content=data,
        headers={**registrator, "Content-Type": "application/pdf"},
    )
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["source"] == "upload" and draft["mime"] == "application/pdf"
    for word in ("Synpunkter", "Åkerby", "oroliga", "Östra", "vänner"):
        assert word in draft["text"], (word, draft["text"])
    assert draft["suggestions"]["subject"] == "Synpunkter på detaljplan för Åkerby"
    assert draft["suggestions"]["sender"] == "Föreningen Åkerbys vänner"
    assert draft["personnummer"] == {"found": False, "masked": []}
    # the same file again: 409, no second draft
    before = await draft_count()
    again = await client.post(
        f"{BASE}/drafts/upload",
        params={"filename": "synpunkter.pdf"},
        content=data,
        headers={**registrator, "Content-Type": "application/pdf"},
    )
    assert again.status_code == 409 and str(draft["id"]) in again.json()["detail"]
    assert await draft_count() == before


async def test_bad_scans_get_a_clear_problem_and_change_nothing(
    client, auth_headers, intake, intake_setting
):
    registrator = await auth_headers("registrator")
    before = await draft_count()
    blobs = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_blob")
    upload = f"{BASE}/drafts/upload"
    cases = {
        "brev.docx": b"PK\x03\x04 not a scan at all",
        "trasig.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> broken beyond repair",
        "trasig.tif": b"II*\x00\x08\x00\x00\x00garbage",
        "tom.pdf": b"",
    }
    for name, body in cases.items():
        for lang, words in (("sv", ("PDF", "TIFF")), ("en", ("PDF", "TIFF"))):
            response = await client.post(
                upload,
                params={"filename": name},
                content=body,
                headers={**registrator, "Accept-Language": lang},
            )
            assert response.status_code == 422, (name, response.text)
            problem = response.json()
            assert problem["type"].endswith("bad-scan") and name in problem["detail"]
            assert any(word in problem["detail"] for word in words) or "tom" in name
    sv = await client.post(
        upload,
        params={"filename": "brev.docx"},
        content=cases["brev.docx"],
        headers={**registrator, "Accept-Language": "sv"},
    )
    assert "varken en PDF eller en TIFF" in sv.json()["detail"], sv.text
    intake_setting(max_scan_bytes=1000)
    big = await client.post(
        upload, params={"filename": "stor.pdf"}, content=b"%PDF-1.7\n" + b"0" * 2000,
        headers=registrator,
    )  # fmt: skip
    assert big.status_code == 413 and big.json()["type"].endswith("too-large"), big.text
    # the watched folder: a bad file goes to failed/ with the problem beside it
    (intake["dir"] / "reklam.txt").write_bytes("Köp nu!".encode())
    result = await scans.poll_folder()
    assert result["drafts"] == [] and [f["file"] for f in result["failed"]] == ["reklam.txt"]
    [moved] = list((intake["dir"] / "failed").glob("*/reklam.txt"))
    problem = moved.with_name("reklam.txt.problem.txt").read_text(encoding="utf-8")
    assert "varken en PDF eller en TIFF" in problem and "neither a PDF nor a TIFF" in problem
    assert await draft_count() == before
    after = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_blob")
    assert after["n"] == blobs["n"]
    shutil.rmtree(intake["dir"] / "failed")
    # the OCR missing on the machine (here: a language model it does not have) is a 503, and
    # a scan in the folder stays there for a later run
    intake_setting(ocr_languages="xyz", max_scan_bytes=30_000_000)
    scan = as_tiff(scan_image(("Hej",)))
    missing = await client.post(
        upload, params={"filename": "brev.tif"}, content=scan, headers=registrator
    )
    assert missing.status_code == 503, missing.text
    assert missing.json()["type"].endswith("ocr-unavailable")
    (intake["dir"] / "väntar.tif").write_bytes(scan)
    waiting = await scans.poll_folder()
    assert waiting["drafts"] == [] and "OCR" in waiting["unavailable"]
    assert (intake["dir"] / "väntar.tif").read_bytes() == scan
    (intake["dir"] / "väntar.tif").unlink()
    # no permission, no upload
    agent = await auth_headers("agent")
    refused = await client.post(
        upload, params={"filename": "x.pdf"}, content=b"%PDF", headers=agent
    )
    assert refused.status_code == 403
