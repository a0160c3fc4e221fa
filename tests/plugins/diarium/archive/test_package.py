"""The FGS 2.0 package builder on its own (no database): a case file given as data becomes a
package that eark-validator takes for an E-ARK CSIP/SIP and whose ERMS file the CITS ERMS
schema and Schematron rules accept, as a zip and as a tar; the validators do catch a broken
package and a broken ERMS file (so passing them means something)."""

from __future__ import annotations

import dataclasses
import hashlib
import tarfile
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from plugins.diarium.archive import fgs
from tests.plugins.diarium.archive import validators

pytestmark = pytest.mark.timeout(120)
NOW = 1_780_000_000
ERMS = {"e": fgs.ERMS_NS}
METS = {"mets": fgs.METS_NS, "xlink": fgs.XLINK_NS}


def case_file(tmp: Path) -> fgs.CaseFile:
    content = b"%PDF-1.4 brev\n"
    path = tmp / "blob"
    path.write_bytes(content)
    letter = fgs.FileItem(
        "Brev från Åsa.pdf",
        "original",
        "application/pdf",
        path,
        hashlib.sha256(content).hexdigest(),
        len(content),
        NOW - 500,
    )
    received = fgs.Document(
        number="KS 2026/12-1",
        doc_seq=1,
        direction="in",
        document_date="2026-03-01",
        registered_at=NOW - 400,
        registered_by="registrator",
        counterpart_public="Privatperson",
        counterpart_protected="Åsa Ek 19121212-1212",
        public_text="Ansökan om bygglov",
        protected_text="Skyddad adress",
        document_type="Ansökan",
        markings=(fgs.Marking("OSL 21 kap. 3 §", NOW - 300, "Kommunstyrelsen", "Skyddad"),),
        files=(letter,),
    )
    sent = fgs.Document(
        number="KS 2026/12-2",
        doc_seq=2,
        direction="out",
        document_date="2026-03-05",
        registered_at=NOW - 200,
        registered_by="handlaggare",
        counterpart_public="Privatperson",
        counterpart_protected="",
        public_text="Beslut om bygglov",
        protected_text="",
        document_type="Beslut",
        disposed_at=NOW - 100,
        disposal_ref="KS 2030/4 § 12",
    )
    return fgs.CaseFile(
        id=7,
        number="KS 2026/12",
        title_public="Bygglov Storgatan 1",
        title_protected="Bygglov för Åsa Ek",
        classification_code="1.2.1",
        classification_title="Hantera allmänna handlingar",
        series_code="KS",
        series_name="Kommunstyrelsens diarium",
        board="Kommunstyrelsen",
        department="KANSLI",
        officer="handlaggare",
        opened_at=NOW - 1000,
        closed_at=NOW - 50,
        closed_by="handlaggare",
        decision="Bygglov beviljas",
        created_by="registrator",
        documents=(received, sent),
    )


SUBMITTER = fgs.Submitter("Exempelkommunen", "212000-0000", fgs.SOFTWARE, "1")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> fgs.Built:
    tmp = tmp_path_factory.mktemp("fgs")
    return fgs.build(case_file(tmp), SUBMITTER, tmp, NOW)


def known_contradiction(message, mets: Path) -> bool:
    """eark-validator 1.1.3's SIP rule SIP14 asks every CREATOR agent's note for an
    unqualified ``NOTETYPE="IDENTIFICATIONCODE"``, while CSIP12–16 (same validator) require
    the CREATOR agent to be the software with exactly one note, ``csip:NOTETYPE="SOFTWARE
    VERSION"``, and the METS schema allows no unqualified attribute there: no package can
    pass both. Only that one failure is tolerated, and only when the package really has
    just the one CREATOR agent, the software, with its one version note."""
    if message.rule_id != "SIP14":
        return False
    root = etree.parse(str(mets)).getroot()
    creators = root.findall("mets:metsHdr/mets:agent[@ROLE='CREATOR']", METS)
    if len(creators) != 1 or creators[0].get("OTHERTYPE") != "SOFTWARE":
        return False
    notes = creators[0].findall("mets:note", METS)
    return [n.get(f"{{{fgs.CSIP_NS}}}NOTETYPE") for n in notes] == ["SOFTWARE VERSION"]


def eark_errors(package: Path, unpack: Path, mets: Path) -> list[str]:
    """The eark-validator errors and warnings of a package but the one contradiction above."""
    report = validators.validate_package(package, unpack)
    assert report.structure is not None
    errors = [
        f"structure {m.rule_id}: {m.message}"
        for m in report.structure.messages
        if m.severity.value in ("Error", "Warn")
    ]
    assert report.structure.status.name == "WELLFORMED", errors
    assert report.metadata is not None
    errors += [
        f"schema {m.rule_id}: {m.message}"
        for m in report.metadata.schema_results.messages
        if m.severity.value in ("Error", "Warn")
    ]
    errors += [
        f"{m.rule_id}: {m.message} @ {m.location}"
        for m in report.metadata.schematron_results.messages
        if m.severity.value in ("Error", "Warn") and not known_contradiction(m, mets)
    ]
    return errors


def test_standard_copies_are_the_shared_files():
    for name in ("ERMS.xsd", "erms.sch"):
        shared = validators.SHARED / name
        if shared.exists():
            assert (validators.STANDARDS / name).read_bytes() == shared.read_bytes()
    assert (validators.STANDARDS / "ERMS.xsd").read_bytes() == fgs.SCHEMA_FILE.read_bytes()


def test_layout(built: fgs.Built):
    assert built.objid.startswith("urn:uuid:")
    assert set(built.files) == {
        "METS.xml",
        "documentation/LASMIG.txt",
        "metadata/descriptive/erms.xml",
        "metadata/preservation/premis.xml",
        "schemas/ERMS.xsd",
        "representations/rep1/METS.xml",
        "representations/rep1/metadata/preservation/premis.xml",
        "representations/rep1/data/diarieblad.txt",
        "representations/rep1/data/KS_2026_12-1/Brev_fran_Asa.pdf",
    }
    sheet = (built.root / "representations/rep1/data/diarieblad.txt").read_text()
    assert "KS 2026/12-2" in sheet and "Gallrad" in sheet and "OSL 21 kap. 3 §" in sheet
    mets = etree.parse(str(built.root / "representations/rep1/METS.xml")).getroot()
    data = mets.find("mets:fileSec/mets:fileGrp[@USE='Data']/mets:file[@ID='file-1']", METS)
    assert data.get("CHECKSUM") == hashlib.sha256(b"%PDF-1.4 brev\n").hexdigest()
    assert data.get("CHECKSUMTYPE") == "SHA-256"
    # Every file the root METS lists is there with its size and checksum.
    root = etree.parse(str(built.root / "METS.xml")).getroot()
    for ref in root.iterfind(".//mets:mdRef", METS):
        target = built.root / ref.get(f"{{{fgs.XLINK_NS}}}href")
        assert int(ref.get("SIZE")) == target.stat().st_size
        assert ref.get("CHECKSUM") == hashlib.sha256(target.read_bytes()).hexdigest()


def test_erms_passes_schema_and_schematron(built: fgs.Built):
    xml = (built.root / "metadata/descriptive/erms.xml").read_bytes()
    assert validators.erms_problems(xml) == []
    doc = etree.fromstring(xml)
    aggregation = doc.find("e:aggregations/e:aggregation", ERMS)
    assert aggregation.get("aggregationType") == "caseFile"
    assert aggregation.findtext("e:objectId", namespaces=ERMS) == "KS 2026/12"
    assert aggregation.find("e:status", ERMS).get("value") == "closed"
    records = aggregation.findall("e:record", ERMS)
    assert [r.findtext("e:objectId", namespaces=ERMS) for r in records] == [
        "KS 2026/12-1",
        "KS 2026/12-2",
    ]
    restriction = records[0].find("e:restriction", ERMS)
    assert restriction.get("restrictionType") == "confidential"
    assert restriction.findtext("e:regulation", namespaces=ERMS) == "OSL 21 kap. 3 §"
    assert records[0].find("e:direction", ERMS).get("directionDefinition") == "incoming"
    appendix = records[0].find("e:additionalInformation/e:appendix", ERMS)
    assert appendix.get("path") == "../../representations/rep1/data/KS_2026_12-1/Brev_fran_Asa.pdf"
    assert (built.root / "metadata/descriptive" / appendix.get("path")).resolve().is_file()
    disposal = records[1].find("e:disposal", ERMS)
    assert disposal.findtext("e:disposalMandate", namespaces=ERMS) == "KS 2030/4 § 12"


@pytest.mark.parametrize("fmt", fgs.FORMATS)
def test_package_passes_eark_validator(built: fgs.Built, fmt: str, tmp_path: Path):
    package = tmp_path / f"package.{fmt}"
    fgs.archive(built, fmt, package)
    if fmt == "zip":
        with zipfile.ZipFile(package) as opened:
            names = opened.namelist()
    else:
        with tarfile.open(package) as opened:
            names = opened.getnames()
    assert {name.split("/")[0] for name in names} == {built.root.name}
    assert eark_errors(package, tmp_path / "unpacked", built.root / "METS.xml") == []


def test_a_case_file_without_files_is_a_valid_package(tmp_path: Path):
    case = dataclasses.replace(
        case_file(tmp_path),
        documents=tuple(dataclasses.replace(d, files=()) for d in case_file(tmp_path).documents),
    )
    built = fgs.build(case, SUBMITTER, tmp_path, NOW)
    assert [n for n in built.files if "/data/" in n] == ["representations/rep1/data/diarieblad.txt"]
    package = tmp_path / "package.zip"
    fgs.archive(built, "zip", package)
    assert eark_errors(package, tmp_path / "unpacked", built.root / "METS.xml") == []
    erms = (built.root / "metadata/descriptive/erms.xml").read_bytes()
    assert validators.erms_problems(erms) == []


def test_eark_validator_catches_a_broken_package(built: fgs.Built, tmp_path: Path):
    import shutil

    # No METS.xml at the root and no representations: structure faults.
    broken = tmp_path / "a" / built.root.name
    shutil.copytree(built.root, broken)
    (broken / "METS.xml").unlink()
    shutil.rmtree(broken / "representations")
    report = validators.validate_package(broken, tmp_path / "unpacked")
    found = {(m.rule_id, m.severity.value) for m in report.structure.messages}
    assert ("CSIPSTR4", "Error") in found
    assert ("CSIPSTR9", "Warn") in found
    assert report.structure.status.name == "NOTWELLFORMED"
    # No software agent in the METS header: the CSIP rules object.
    broken = tmp_path / "b" / built.root.name
    shutil.copytree(built.root, broken)
    tree = etree.parse(str(broken / "METS.xml"))
    agent = tree.getroot().find("mets:metsHdr/mets:agent[@ROLE='CREATOR']", METS)
    agent.getparent().remove(agent)
    tree.write(str(broken / "METS.xml"), xml_declaration=True, encoding="UTF-8")
    errors = eark_errors(broken, tmp_path / "unpacked", broken / "METS.xml")
    assert any(e.startswith("CSIP11:") for e in errors), errors


def test_erms_validators_catch_faults(built: fgs.Built):
    xml = (built.root / "metadata/descriptive/erms.xml").read_bytes()
    doc = etree.fromstring(xml)
    # A Schematron co-occurrence rule: "other" needs its otherDirectionDefinition.
    direction = doc.find(".//e:record/e:direction", ERMS)
    direction.set("directionDefinition", "other")
    problems = validators.erms_problems(etree.tostring(doc))
    assert any("otherDirectionDefinition" in p for p in problems), problems
    assert not any(p.startswith("xsd") for p in problems)
    # A schema fault: a case file without its objectId.
    doc = etree.fromstring(xml)
    aggregation = doc.find("e:aggregations/e:aggregation", ERMS)
    aggregation.remove(aggregation.find("e:objectId", ERMS))
    assert any(p.startswith("xsd") for p in validators.erms_problems(etree.tostring(doc)))


def test_a_changed_file_is_refused(tmp_path: Path):
    case = case_file(tmp_path)
    (tmp_path / "blob").write_bytes(b"something else")
    with pytest.raises(ValueError, match="does not match"):
        fgs.build(case, SUBMITTER, tmp_path, NOW)


def test_names_are_safe_and_unique(tmp_path: Path):
    case = case_file(tmp_path)
    first = case.documents[0]
    twin = dataclasses.replace(first.files[0], filename="Brev från Åsa.pdf ")
    case = dataclasses.replace(
        case, documents=(dataclasses.replace(first, files=(first.files[0], twin)),)
    )
    built = fgs.build(case, SUBMITTER, tmp_path, NOW)
    data = [name for name in built.files if "/data/KS_" in name]
    assert len(data) == 2 and len(set(data)) == 2
    assert all(".." not in name and " " not in name for name in built.files)
