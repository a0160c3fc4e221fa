"""Export of a closed case file to the e-archive over the HTTP API: the FGS 2.0 package built
from the registry's own rows and stored files passes eark-validator and the CITS ERMS schema
and Schematron rules, is kept in the registry's store and downloads as a zip or a tar; an open
case file is a 409 (Swedish and English) and writes nothing; everything audited."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from core.db import raw
from plugins.diarium.archive import fgs
from tests.plugins.diarium.archive import conftest as data
from tests.plugins.diarium.archive.test_package import eark_errors
from tests.plugins.diarium.conftest import BASE

pytestmark = pytest.mark.timeout(120)
ERMS = {"e": fgs.ERMS_NS}


async def export(client, headers, case_file_id: int, fmt: str = "zip"):
    return await client.post(
        f"{BASE}/exports", json={"case_file_id": case_file_id, "format": fmt}, headers=headers
    )


async def test_export_of_a_closed_case_file_passes_both_validators(
    client, auth_headers, archive_data, tmp_path: Path
):
    headers = await auth_headers("supervisor")
    closed = archive_data["closed"]
    for fmt in fgs.FORMATS:
        response = await export(client, headers, closed["id"], fmt)
        assert response.status_code == 201, response.text
        made = response.json()
        assert made["case_number"] == closed["number"]
        assert made["format"] == fmt and made["status"] == "stored"
        assert made["documents"] == 4

        download = await client.get(f"{BASE}/exports/{made['id']}/package", headers=headers)
        assert download.status_code == 200, download.text
        assert download.headers["content-type"].startswith(fgs.mime_of_format(fmt))
        assert hashlib.sha256(download.content).hexdigest() == made["sha256"]
        package = tmp_path / f"package.{fmt}"
        package.write_bytes(download.content)

        unpacked = tmp_path / f"unpacked-{fmt}"
        root = unpacked / "check"
        import shutil

        shutil.unpack_archive(package, root, format="zip" if fmt == "zip" else "tar")
        (folder,) = list(root.iterdir())
        assert eark_errors(package, unpacked / "eark", folder / "METS.xml") == []
        from tests.plugins.diarium.archive import validators

        erms = (folder / "metadata" / "descriptive" / "erms.xml").read_bytes()
        assert validators.erms_problems(erms) == []

    # What the e-archive receives: every document, the protected texts whole (personnummer
    # put back), the secrecy marking as a restriction, the files with their checksums.
    doc = etree.fromstring(erms)
    aggregation = doc.find("e:aggregations/e:aggregation", ERMS)
    assert aggregation.findtext("e:objectId", namespaces=ERMS) == closed["number"]
    assert aggregation.findtext("e:description", namespaces=ERMS) == "Bygglov beviljas"
    assert aggregation.find("e:classification", ERMS).get("classificationCode") == "1.2.1"
    records = {
        r.findtext("e:objectId", namespaces=ERMS): r for r in aggregation.findall("e:record", ERMS)
    }
    application = records[archive_data["application"]["number"]]
    assert data.PERSONNUMMER in application.findtext("e:otherTitle", namespaces=ERMS)
    assert application.find("e:restriction/e:regulation", ERMS).text == "OSL 21 kap. 3 §"
    assert len(application.findall("e:additionalInformation/e:appendix", ERMS)) == 2
    stored = (folder / "representations" / "rep1" / "data").rglob("*")
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in stored if p.is_file()}
    assert set(archive_data["blobs"].values()) <= digests

    # Kept in the store, audited (the export and the read of the secret-marked document).
    rows = await raw.fetch(
        "SELECT action, object_id FROM audit_entry WHERE actor = 'supervisor-user' AND "
        "(action = 'diarium.exported' OR (action = 'read' AND object_type = 'diarium_document'"
        " AND object_id = ?))",
        archive_data["application"]["number"],
    )
    actions = [r["action"] for r in rows]
    assert actions.count("diarium.exported") >= 2 and "read" in actions
    listed = await client.get(
        f"{BASE}/exports", params={"case_file_id": closed["id"]}, headers=headers
    )
    assert listed.status_code == 200
    assert listed.json()["total"] >= 2
    assert {e["format"] for e in listed.json()["items"]} >= set(fgs.FORMATS)


async def test_open_case_file_is_refused_and_nothing_is_written(client, auth_headers, archive_data):
    headers = await auth_headers("supervisor")
    before = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_export")
    number = archive_data["open"]["number"]
    response = await export(
        client, {**headers, "Accept-Language": "sv"}, archive_data["open"]["id"]
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "avslutad" in response.json()["detail"] and number in response.json()["detail"]
    english = await export(client, {**headers, "Accept-Language": "en"}, archive_data["open"]["id"])
    assert english.status_code == 409
    assert "only a closed case file" in english.json()["detail"]
    after = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_export")
    assert after["n"] == before["n"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"case_file_id": 987654321}, 404),
        ({"case_file_id": 1, "format": "rar"}, 400),
        ({"case_file_id": 0}, 400),
        ({"case_file_id": 1, "extra": 1}, 400),
    ],
)
async def test_bad_export_requests(client, auth_headers, archive_data, body, status):
    headers = await auth_headers("supervisor")
    response = await client.post(f"{BASE}/exports", json=body, headers=headers)
    assert response.status_code == status, response.text


async def test_only_the_archive_permission_exports(client, auth_headers, archive_data):
    for role in ("registrator", "case_officer", "agent"):
        headers = await auth_headers(role)
        response = await export(client, headers, archive_data["closed"]["id"])
        assert response.status_code == 403, (role, response.text)
        listed = await client.get(f"{BASE}/exports", headers=headers)
        assert listed.status_code == 403


async def test_export_paging(client, auth_headers, archive_data):
    headers = await auth_headers("head_registrator")
    for _ in range(2):
        made = await export(client, headers, archive_data["fresh"]["id"])
        assert made.status_code == 201, made.text
    first = await client.get(f"{BASE}/exports", params={"limit": 1}, headers=headers)
    page = first.json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    second = await client.get(
        f"{BASE}/exports", params={"limit": 1, "cursor": page["next_cursor"]}, headers=headers
    )
    assert second.json()["items"][0]["id"] < page["items"][0]["id"]
    bad = await client.get(f"{BASE}/exports", params={"cursor": "nonsense"}, headers=headers)
    assert bad.status_code == 400
    # The fresh case file's package holds its one document.
    download = await client.get(f"{BASE}/exports/{page['items'][0]['id']}/package", headers=headers)
    with zipfile.ZipFile(io.BytesIO(download.content)) as package:
        erms = next(n for n in package.namelist() if n.endswith("descriptive/erms.xml"))
        records = etree.fromstring(package.read(erms)).findall(".//e:record", ERMS)
    assert [r.findtext("e:objectId", namespaces=ERMS) for r in records] == [
        archive_data["fresh_material"]["number"]
    ]


async def test_a_large_case_file_is_exported_without_holding_it_in_memory(archive_data):
    """The package is packed into a file and linked into the store: the export's heap peak
    stays far below the package's size; the package's files keep their SHA-256 and nothing is
    left in the spool."""
    import random
    import tracemalloc

    from plugins.diarium.archive import exports
    from plugins.diarium.registry import casefiles, files

    case = await data._case_file("Stor akt med inskannad post", "")
    digests = set()
    for n in range(8):
        body = b"%PDF-1.4\n" + random.Random(n).randbytes(2_000_000) + b"\n%%EOF\n"
        sha = await files.store(body, "application/pdf")
        digests.add(sha)
        await data._document(
            case["id"],
            "Beslut",
            "in",
            f"Skannad handling {n}",
            files=[(f"s{n}.pdf", sha, "original")],
        )
        del body
    await casefiles.close("test", case["id"], decision="Avslutat")

    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        made = await exports.export("test", case["id"], "zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert made["size"] > 16_000_000
    assert peak - before < made["size"] / 4, (peak - before, made["size"])

    assert files.verify(made["sha256"])
    assert (await files.blob(made["sha256"]))["size"] == made["size"]
    assert list(files.spool_root().iterdir()) == []
    path, _name, _mime = await exports.download("test", made["id"])
    with zipfile.ZipFile(path) as package:
        inside = {
            hashlib.sha256(package.read(info)).hexdigest()
            for info in package.infolist()
            if info.filename.endswith(".pdf")
        }
        kinds = {
            info.compress_type for info in package.infolist() if info.filename.endswith(".pdf")
        }
    assert inside == digests
    assert kinds == {zipfile.ZIP_STORED}  # scans are not deflated again
