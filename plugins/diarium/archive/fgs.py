"""FGS 2.0 packages of closed case files: an E-ARK CSIP/SIP (FGS Paketstruktur 2.0) whose
descriptive metadata is the case file in FGS Ärendehantering 2.0 (CITS ERMS 2.1).

Pure building, no database: :func:`build` takes a :class:`CaseFile` (with its documents and
their files, each file's content read from a path) and writes the package folder::

    <objid>/METS.xml
    <objid>/metadata/descriptive/erms.xml           the case file (CITS ERMS)
    <objid>/metadata/preservation/premis.xml        objects, fixity, the package's creation
    <objid>/schemas/ERMS.xsd                        the schema the ERMS file follows
    <objid>/representations/rep1/METS.xml
    <objid>/representations/rep1/data/<document number>/<file name>
    <objid>/representations/rep1/metadata/preservation/premis.xml

:func:`archive` packs such a folder as a zip or a tar (one root folder, as the E-ARK tools
expect), and :func:`erms_xml` alone gives the ERMS document. Every file is listed in its METS
with size, MIME type and SHA-256; secrecy markings become ERMS ``restriction`` elements
naming the OSL provision.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import tarfile
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

ERMS_NS = "https://DILCIS.eu/XML/ERMS"
METS_NS = "http://www.loc.gov/METS/"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PREMIS_NS = "http://www.loc.gov/premis/v3"
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "ERMS.xsd"
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
CONTENT_TYPE = "citserms_v2_1"
OTHER_CONTENT_TYPE = "FGS Ärendehantering 2.0 (CITS ERMS 2.1)"
SOFTWARE = "Kontaktcenter diarium"
REPRESENTATION = "rep1"
SHEET = "diarieblad.txt"
FORMATS = ("zip", "tar")

#: The diarium's direction of a document as ERMS says it.
DIRECTIONS = {"in": "incoming", "out": "outgoing", "drawn_up": "internal_memo_for_follow-up"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_LETTERS = str.maketrans("åäöÅÄÖéèüÜæøÆØ", "aaoAAOeeuUaoAO")


@dataclass(frozen=True)
class Marking:
    """A secrecy marking in force (sekretessmarkering)."""

    provision: str
    marked_at: int
    authority: str = ""
    reason: str = ""


@dataclass(frozen=True)
class FileItem:
    """One file of a document: its content is read from ``path``."""

    filename: str
    role: str
    mime: str
    path: Path
    sha256: str
    size: int
    created_at: int


@dataclass(frozen=True)
class Document:
    """A registered document (handling) of the case file."""

    number: str
    doc_seq: int
    direction: str
    document_date: str
    registered_at: int
    registered_by: str
    counterpart_public: str
    counterpart_protected: str
    public_text: str
    protected_text: str
    document_type: str
    status: str = "registered"
    markings: tuple[Marking, ...] = ()
    files: tuple[FileItem, ...] = ()
    disposed_at: int | None = None
    disposal_ref: str = ""
    personnummer: bool = False


@dataclass(frozen=True)
class CaseFile:
    """A closed case file (akt) with what the e-archive receives of it."""

    id: int
    number: str
    title_public: str
    title_protected: str
    classification_code: str
    classification_title: str
    series_code: str
    series_name: str
    board: str
    department: str
    officer: str
    opened_at: int
    closed_at: int
    closed_by: str
    decision: str
    created_by: str
    status: str = "closed"
    markings: tuple[Marking, ...] = ()
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Submitter:
    """Who delivers: the archive creator (arkivbildare) and the system."""

    organisation: str
    organisation_id: str = ""
    system: str = SOFTWARE
    version: str = "1"


@dataclass
class Built:
    """A package folder built by :func:`build`."""

    objid: str
    root: Path
    files: list[str] = field(default_factory=list)
    size: int = 0


def iso(epoch: int) -> str:
    """An epoch (seconds, UTC) as an xs:dateTime with its zone."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_time(day: str) -> str:
    """A YYYY-MM-DD date as an xs:dateTime (midnight UTC)."""
    return f"{day[:10]}T00:00:00Z"


def safe_name(name: str) -> str:
    """A file or folder name safe in a package path (no separators, no spaces)."""
    cleaned = _SAFE_NAME.sub("_", name.strip().translate(_LETTERS)).strip("._")
    return cleaned[:120] or "file"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _e(tag: str) -> str:
    return f"{{{ERMS_NS}}}{tag}"


def _m(tag: str) -> str:
    return f"{{{METS_NS}}}{tag}"


def _restrictions(parent: etree._Element, markings: tuple[Marking, ...]) -> None:
    for marking in markings:
        restriction = _el(parent, _e("restriction"), restrictionType="confidential")
        explanation = "; ".join(p for p in (marking.authority, marking.reason) if p)
        if explanation:
            _el(restriction, _e("explanatoryText"), explanation)
        _el(restriction, _e("regulation"), marking.provision)
        dates = _el(restriction, _e("dates"))
        _el(dates, _e("date"), iso(marking.marked_at), dateType="confidentiality_assessed")


def _agent(parent: etree._Element, agent_type: str, name: str, **extra: str) -> None:
    agent = _el(parent, _e("agent"), agentType=agent_type)
    _el(agent, _e("name"), name)
    if extra.get("organisation"):
        _el(agent, _e("organisation"), extra["organisation"])
    if extra.get("unit"):
        _el(agent, _e("unitName"), extra["unit"])
    if extra.get("role"):
        _el(agent, _e("role"), extra["role"])


def erms_xml(case: CaseFile, submitter: Submitter, created_at: int, file_paths: dict) -> bytes:
    """The case file as a CITS ERMS 2.1 document (FGS Ärendehantering 2.0).

    ``file_paths`` maps (document number, index of the file) to the file's path in the package,
    relative to the ERMS file, for each document's ``appendix``."""
    root = etree.Element(_e("erms"), nsmap={None: ERMS_NS})
    control = _el(root, _e("control"))
    _el(control, _e("identification"), submitter.organisation, identificationType="archivalCreator")
    if submitter.organisation_id:
        _el(control, _e("identification"), submitter.organisation_id, identificationType="ORG")
    _el(control, _e("identification"), case.series_code, identificationType="series")
    schema = _el(control, _e("classificationSchema"))
    description = _el(schema, _e("textualDescriptionOfClassificationSchema"))
    _el(description, _e("p"), "KLASSA (SKR): verksamhetsområde, processgrupp, process")
    maintenance = _el(control, _e("maintenanceInformation"))
    _el(maintenance, _e("maintenanceStatus"), value="new")
    agency = _el(maintenance, _e("maintenanceAgency"))
    _el(agency, _e("agencyName"), submitter.organisation)
    history = _el(maintenance, _e("maintenanceHistory"))
    event = _el(history, _e("maintenanceEvent"))
    _el(event, _e("eventType"), value="created")
    _el(event, _e("eventDateTime"), iso(created_at))
    _agent(event, "creator", submitter.system)

    aggregations = _el(root, _e("aggregations"))
    aggregation = _el(
        aggregations, _e("aggregation"), systemIdentifier=str(case.id), aggregationType="caseFile"
    )
    _el(aggregation, _e("objectId"), case.number)
    _el(aggregation, _e("extraId"), case.series_name, extraIdType="series")
    _el(
        aggregation,
        _e("classification"),
        case.classification_title or case.classification_code,
        classificationCode=case.classification_code,
        fullyQualifiedClassificationCode=case.classification_code,
    )
    _el(aggregation, _e("title"), case.title_public)
    if case.title_protected and case.title_protected != case.title_public:
        _el(aggregation, _e("otherTitle"), case.title_protected, titleType="protected")
    _el(aggregation, _e("status"), value="closed" if case.status == "closed" else "open")
    _restrictions(aggregation, case.markings)
    agents = _el(aggregation, _e("agents"))
    _agent(agents, "creator", case.created_by or submitter.system, organisation=case.board)
    if case.officer:
        _agent(
            agents,
            "responsible_person",
            case.officer,
            organisation=case.board,
            unit=case.department,
            role="handläggare",
        )
    if case.closed_by:
        _agent(agents, "authorising_person", case.closed_by, organisation=case.board)
    if case.decision:
        _el(aggregation, _e("description"), case.decision)
    dates = _el(aggregation, _e("dates"))
    _el(dates, _e("date"), iso(case.opened_at), dateType="opened")
    if case.closed_at:
        _el(dates, _e("date"), iso(case.closed_at), dateType="closed")

    for document in case.documents:
        _record(aggregation, case, document, file_paths)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _record(parent: etree._Element, case: CaseFile, document: Document, file_paths: dict) -> None:
    record = _el(
        parent,
        _e("record"),
        systemIdentifier=document.number,
        recordType=document.document_type or "handling",
        recordPhysicalOrDigital="digitial" if document.files else "does_not_apply",
    )
    _el(record, _e("objectId"), document.number)
    _el(record, _e("classification"), classificationCode=case.classification_code)
    _el(record, _e("title"), document.public_text or document.document_type or document.number)
    if document.protected_text:
        _el(record, _e("otherTitle"), document.protected_text, titleType="protected")
    _el(record, _e("status"), value="closed" if document.status == "registered" else "obliterated")
    _el(record, _e("runningNumber"), str(document.doc_seq))
    _restrictions(record, document.markings)
    if document.disposed_at:
        # Gallrad: the files were disposed of by decision; the registry entry remains.
        disposal = _el(record, _e("disposal"), disposable="true")
        _el(disposal, _e("disposalAction"), "gallrad")
        if document.disposal_ref:
            _el(disposal, _e("disposalMandate"), document.disposal_ref)
        dates = _el(disposal, _e("dates"))
        _el(dates, _e("disposalDate"), iso(document.disposed_at), dateType="applied")
    _el(
        record,
        _e("direction"),
        directionDefinition=DIRECTIONS.get(document.direction, "other"),
        otherDirectionDefinition=None if document.direction in DIRECTIONS else document.direction,
    )
    counterpart = document.counterpart_protected or document.counterpart_public
    agents = _el(record, _e("agents"))
    _agent(agents, "creator", document.registered_by or "system", role="registrator")
    if counterpart:
        kind = "sender" if document.direction == "in" else "recipient"
        _agent(agents, kind, counterpart)
    dates = _el(record, _e("dates"))
    date_type = "received" if document.direction == "in" else "created"
    _el(dates, _e("date"), day_time(document.document_date), dateType=date_type)
    _el(dates, _e("date"), iso(document.registered_at), dateType="captured")
    if document.files:
        extra = _el(record, _e("additionalInformation"))
        for index, item in enumerate(document.files):
            _el(
                extra,
                _e("appendix"),
                name=item.filename,
                path=file_paths[(document.number, index)],
                fileFormat=item.mime,
                description=item.role,
            )


def _premis(objects: list[tuple[str, str, int, str]], objid: str, created_at: int) -> bytes:
    """PREMIS 3: one object per file (path, sha256, size, mime) and the creation event."""
    premis = etree.Element(f"{{{PREMIS_NS}}}premis", nsmap={None: PREMIS_NS, "xsi": XSI_NS})
    premis.set("version", "3.0")

    def p(tag: str) -> str:
        return f"{{{PREMIS_NS}}}{tag}"

    for number, (path, digest, size, mime) in enumerate(objects, 1):
        obj = _el(premis, p("object"))
        obj.set(f"{{{XSI_NS}}}type", "file")
        ident = _el(obj, p("objectIdentifier"))
        _el(ident, p("objectIdentifierType"), "local")
        _el(ident, p("objectIdentifierValue"), f"{objid}/obj-{number}")
        chars = _el(obj, p("objectCharacteristics"))
        fixity = _el(chars, p("fixity"))
        _el(fixity, p("messageDigestAlgorithm"), "SHA-256")
        _el(fixity, p("messageDigest"), digest)
        _el(chars, p("size"), str(size))
        fmt = _el(chars, p("format"))
        designation = _el(fmt, p("formatDesignation"))
        _el(designation, p("formatName"), mime)
        _el(obj, p("originalName"), path)
    event = _el(premis, p("event"))
    ident = _el(event, p("eventIdentifier"))
    _el(ident, p("eventIdentifierType"), "local")
    _el(ident, p("eventIdentifierValue"), f"{objid}/creation")
    _el(event, p("eventType"), "creation")
    _el(event, p("eventDateTime"), iso(created_at))
    _el(event, p("eventDetailInformation")).append(_detail(p, "FGS 2.0 package built"))
    return etree.tostring(premis, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _detail(p, text: str) -> etree._Element:
    detail = etree.Element(p("eventDetail"))
    detail.text = text
    return detail


class _Mets:
    """One METS document being written (the root one or a representation's)."""

    def __init__(self, objid: str, label: str, created: str, submitter: Submitter) -> None:
        self.created = created
        self.root = etree.Element(
            _m("mets"),
            nsmap={
                "mets": METS_NS,
                "csip": CSIP_NS,
                "sip": SIP_NS,
                "xlink": XLINK_NS,
                "xsi": XSI_NS,
            },
        )
        self.root.set("OBJID", objid)
        self.root.set("LABEL", label)
        self.root.set("TYPE", "Mixed")
        self.root.set(f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE", CONTENT_TYPE)
        self.root.set("PROFILE", SIP_PROFILE)
        self.root.set(
            f"{{{XSI_NS}}}schemaLocation",
            "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd "
            "http://www.w3.org/1999/xlink http://www.loc.gov/standards/xlink/xlink.xsd "
            "https://DILCIS.eu/XML/METS/CSIPExtensionMETS "
            "https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd "
            "https://DILCIS.eu/XML/METS/SIPExtensionMETS "
            "https://earksip.dilcis.eu/schema/DILCISExtensionSIPMETS.xsd",
        )
        header = _el(
            self.root, _m("metsHdr"), CREATEDATE=created, LASTMODDATE=created, RECORDSTATUS="NEW"
        )
        header.set(f"{{{CSIP_NS}}}OAISPACKAGETYPE", "SIP")
        software = _el(header, _m("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
        _el(software, _m("name"), submitter.system)
        note = _el(software, _m("note"), submitter.version)
        note.set(f"{{{CSIP_NS}}}NOTETYPE", "SOFTWARE VERSION")
        # The archive creator (arkivbildare). Not a second CREATOR: the CSIP rules take every
        # CREATOR agent for the software.
        creator = _el(header, _m("agent"), ROLE="ARCHIVIST", TYPE="ORGANIZATION")
        _el(creator, _m("name"), submitter.organisation)
        if submitter.organisation_id:
            ident = _el(creator, _m("note"), submitter.organisation_id)
            ident.set(f"{{{CSIP_NS}}}NOTETYPE", "IDENTIFICATIONCODE")
        self.dmd: list[str] = []
        self.amd: etree._Element | None = None
        self.digiprov: list[str] = []
        self.groups: list[tuple[str, str, etree._Element, list[str]]] = []
        self.mptrs: list[tuple[str, str, str]] = []

    def _ref_attrs(self, href: str, digest: str, size: int, mime: str) -> dict[str, str]:
        return {
            "LOCTYPE": "URL",
            f"{{{XLINK_NS}}}type": "simple",
            f"{{{XLINK_NS}}}href": href,
            "MIMETYPE": mime,
            "SIZE": str(size),
            "CREATED": self.created,
            "CHECKSUM": digest,
            "CHECKSUMTYPE": "SHA-256",
        }

    def descriptive(self, ident: str, href: str, digest: str, size: int, other: str) -> None:
        section = etree.Element(_m("dmdSec"), ID=ident, CREATED=self.created, STATUS="CURRENT")
        etree.SubElement(
            section,
            _m("mdRef"),
            {
                **self._ref_attrs(href, digest, size, "text/xml"),
                "MDTYPE": "OTHER",
                "OTHERMDTYPE": other,
            },
        )
        self.root.append(section)
        self.dmd.append(ident)

    def preservation(self, ident: str, href: str, digest: str, size: int) -> None:
        if self.amd is None:
            self.amd = etree.Element(_m("amdSec"))
        section = etree.SubElement(
            self.amd, _m("digiprovMD"), ID=ident, CREATED=self.created, STATUS="CURRENT"
        )
        etree.SubElement(
            section,
            _m("mdRef"),
            {**self._ref_attrs(href, digest, size, "text/xml"), "MDTYPE": "PREMIS"},
        )
        self.digiprov.append(ident)

    def group(self, ident: str, use: str) -> list:
        group = etree.Element(_m("fileGrp"), ID=ident, USE=use)
        # What the group holds is told by the package's own information type.
        group.set(f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE", "OTHER")
        group.set(f"{{{CSIP_NS}}}OTHERCONTENTINFORMATIONTYPE", OTHER_CONTENT_TYPE)
        ids: list[str] = []
        self.groups.append((ident, use, group, ids))
        return [group, ids]

    def file(self, group: list, ident: str, href: str, digest: str, size: int, mime: str) -> None:
        attrs = self._ref_attrs(href, digest, size, mime)
        element = etree.SubElement(
            group[0],
            _m("file"),
            ID=ident,
            MIMETYPE=mime,
            SIZE=str(size),
            CREATED=self.created,
            CHECKSUM=digest,
            CHECKSUMTYPE="SHA-256",
        )
        etree.SubElement(
            element,
            _m("FLocat"),
            {
                "LOCTYPE": "URL",
                f"{{{XLINK_NS}}}type": "simple",
                f"{{{XLINK_NS}}}href": attrs[f"{{{XLINK_NS}}}href"],
            },
        )
        group[1].append(ident)

    def representation(self, label: str, href: str, file_id: str) -> None:
        self.mptrs.append((label, href, file_id))

    def write(self, path: Path) -> tuple[str, int]:
        if self.amd is not None:
            self.root.append(self.amd)
        file_sec = _el(self.root, _m("fileSec"), ID="file-sec")
        for _ident, _use, group, _ids in self.groups:
            file_sec.append(group)
        struct = _el(self.root, _m("structMap"), ID="struct-map", TYPE="PHYSICAL", LABEL="CSIP")
        top = _el(struct, _m("div"), ID="struct-map-root", LABEL=self.root.get("OBJID"))
        if self.dmd or self.digiprov:
            attrs = {"ID": "struct-map-metadata", "LABEL": "Metadata"}
            if self.dmd:
                attrs["DMDID"] = " ".join(self.dmd)
            if self.digiprov:
                attrs["ADMID"] = " ".join(self.digiprov)
            _el(top, _m("div"), **attrs)
        for ident, use, _group, ids in self.groups:
            if use.startswith("Representations/"):
                continue
            div = _el(top, _m("div"), ID=f"struct-map-{ident}", LABEL=use)
            for file_id in ids:
                _el(div, _m("fptr"), FILEID=file_id)
        if self.mptrs:
            reps = _el(top, _m("div"), ID="struct-map-representations", LABEL="Representations")
            for _label, _href, file_id in self.mptrs:
                _el(reps, _m("fptr"), FILEID=file_id)
            for label, href, file_id in self.mptrs:
                div = _el(reps, _m("div"), ID=f"struct-map-{safe_name(label)}", LABEL=label)
                etree.SubElement(
                    div,
                    _m("mptr"),
                    {
                        "LOCTYPE": "URL",
                        f"{{{XLINK_NS}}}type": "simple",
                        f"{{{XLINK_NS}}}href": href,
                        f"{{{XLINK_NS}}}title": file_id,
                    },
                )
        data = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        _write(path, data)
        return hashlib.sha256(data).hexdigest(), len(data)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def documentation(case: CaseFile, submitter: Submitter, created_at: int) -> bytes:
    """The package's documentation: what it holds and how it is laid out (Swedish)."""
    lines = [
        f"Leveranspaket enligt FGS 2.0 (E-ARK CSIP/SIP) från {submitter.system}",
        f"Arkivbildare: {submitter.organisation} {submitter.organisation_id}".rstrip(),
        f"Akt: {case.number} {case.title_public}",
        f"Serie: {case.series_code} {case.series_name}",
        f"Klassificering (KLASSA): {case.classification_code} {case.classification_title}",
        f"Handlingar: {len(case.documents)}",
        f"Skapat: {iso(created_at)}",
        "",
        "metadata/descriptive/erms.xml  akten i FGS Ärendehantering 2.0 (CITS ERMS 2.1)",
        "metadata/preservation/premis.xml  bevarandemetadata (PREMIS 3)",
        "schemas/ERMS.xsd  schemat för erms.xml",
        f"representations/{REPRESENTATION}/data/<diarienummer>/  handlingarnas filer",
        "Sekretessmarkeringar anges som restriction (OSL-bestämmelse) i erms.xml.",
    ]
    return ("\n".join(lines) + "\n").encode()


DIRECTION_SV = {"in": "inkommande", "out": "utgående", "drawn_up": "upprättad"}


def registry_sheet(case: CaseFile) -> bytes:
    """The case file's registry entries as a readable sheet (diarieblad, Swedish, UTF-8):
    the representation's first file, so that it is never empty."""
    lines = [
        f"Diarieblad för akt {case.number}",
        f"Rubrik: {case.title_public}",
    ]
    if case.title_protected and case.title_protected != case.title_public:
        lines.append(f"Rubrik (skyddad uppgift): {case.title_protected}")
    lines += [
        f"Serie: {case.series_code} {case.series_name}",
        f"Nämnd: {case.board}  Enhet: {case.department}  Handläggare: {case.officer}",
        f"Klassificering: {case.classification_code} {case.classification_title}",
        f"Öppnad: {iso(case.opened_at)}  Avslutad: {iso(case.closed_at)} av {case.closed_by}",
        f"Beslut: {case.decision}",
    ]
    lines += [f"Sekretessmarkering: {m.provision} ({m.authority})" for m in case.markings]
    for document in case.documents:
        lines += [
            "",
            f"{document.number}  {document.document_date}  "
            f"{DIRECTION_SV.get(document.direction, document.direction)}  "
            f"{document.document_type}",
            f"  Avsändare/mottagare: {document.counterpart_public}",
        ]
        if document.counterpart_protected:
            lines.append(
                f"  Avsändare/mottagare (skyddad uppgift): {document.counterpart_protected}"
            )
        lines.append(f"  Innehåll: {document.public_text}")
        if document.protected_text:
            lines.append(f"  Innehåll (skyddad uppgift): {document.protected_text}")
        lines += [f"  Sekretessmarkering: {m.provision} ({m.authority})" for m in document.markings]
        lines += [
            f"  Fil: {item.filename} ({item.mime}, {item.size} byte)" for item in document.files
        ]
        if document.status != "registered":
            lines.append(f"  Status: {document.status}")
        if document.disposed_at:
            lines.append(f"  Gallrad {iso(document.disposed_at)} enligt {document.disposal_ref}")
    return ("\n".join(lines) + "\n").encode()


def new_objid() -> str:
    """A new package identifier (a random UUID URN: every package is a new delivery)."""
    return f"urn:uuid:{uuid.uuid4()}"


def build(
    case: CaseFile, submitter: Submitter, dest: Path, created_at: int, objid: str = ""
) -> Built:
    """Write the FGS 2.0 package of ``case`` into a new folder under ``dest``; returns it.

    Each file's content is copied from its ``path`` and checked against its SHA-256 (a
    ``ValueError`` names a file whose content no longer matches)."""
    objid = objid or new_objid()
    root = dest / safe_name(objid.removeprefix("urn:uuid:"))
    if root.exists():
        shutil.rmtree(root)
    created = iso(created_at)
    label = f"{case.number} {case.title_public}".strip()
    built = Built(objid=objid, root=root)

    # The representation: the documents' files.
    rep_dir = root / "representations" / REPRESENTATION
    rep = _Mets(f"{objid}/{REPRESENTATION}", label, created, submitter)
    data_group = rep.group("file-grp-data", "Data")
    rep_objects: list[tuple[str, str, int, str]] = []
    erms_paths: dict[tuple[str, str], str] = {}
    used: set[str] = {SHEET}
    sheet = registry_sheet(case)
    _write(rep_dir / "data" / SHEET, sheet)
    sheet_digest = hashlib.sha256(sheet).hexdigest()
    rep.file(data_group, "file-sheet", f"data/{SHEET}", sheet_digest, len(sheet), "text/plain")
    rep_objects.append((f"data/{SHEET}", sheet_digest, len(sheet), "text/plain"))
    number = 0
    for document in case.documents:
        folder = safe_name(document.number)
        for index, item in enumerate(document.files):
            name = safe_name(item.filename)
            while f"{folder}/{name}" in used:
                name = f"{item.sha256[:8]}-{name}"
            used.add(f"{folder}/{name}")
            relative = f"data/{folder}/{name}"
            target = rep_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item.path, target)
            digest = sha256_of(target)
            if digest != item.sha256:
                raise ValueError(f"file {item.filename} of {document.number} does not match")
            number += 1
            rep.file(data_group, f"file-{number}", relative, digest, item.size, item.mime)
            rep_objects.append((relative, digest, item.size, item.mime))
            erms_paths[(document.number, index)] = (
                f"../../representations/{REPRESENTATION}/{relative}"
            )
    rep_premis = _premis(rep_objects, f"{objid}/{REPRESENTATION}", created_at)
    _write(rep_dir / "metadata" / "preservation" / "premis.xml", rep_premis)
    rep.preservation(
        "rep-premis",
        "metadata/preservation/premis.xml",
        hashlib.sha256(rep_premis).hexdigest(),
        len(rep_premis),
    )
    rep_digest, rep_size = rep.write(rep_dir / "METS.xml")

    # The package: descriptive and preservation metadata, the schema, the representation.
    mets = _Mets(objid, label, created, submitter)
    erms = erms_xml(case, submitter, created_at, erms_paths)
    erms_digest = hashlib.sha256(erms).hexdigest()
    _write(root / "metadata" / "descriptive" / "erms.xml", erms)
    mets.descriptive(
        "dmd-erms",
        "metadata/descriptive/erms.xml",
        erms_digest,
        len(erms),
        "ERMS",
    )
    schema = SCHEMA_FILE.read_bytes()
    _write(root / "schemas" / "ERMS.xsd", schema)
    premis = _premis(
        [
            ("metadata/descriptive/erms.xml", erms_digest, len(erms), "text/xml"),
            ("schemas/ERMS.xsd", hashlib.sha256(schema).hexdigest(), len(schema), "text/xml"),
            (f"representations/{REPRESENTATION}/METS.xml", rep_digest, rep_size, "text/xml"),
        ],
        objid,
        created_at,
    )
    _write(root / "metadata" / "preservation" / "premis.xml", premis)
    mets.preservation(
        "premis",
        "metadata/preservation/premis.xml",
        hashlib.sha256(premis).hexdigest(),
        len(premis),
    )
    readme = documentation(case, submitter, created_at)
    _write(root / "documentation" / "LASMIG.txt", readme)
    docs = mets.group("file-grp-documentation", "Documentation")
    mets.file(
        docs,
        "file-documentation",
        "documentation/LASMIG.txt",
        hashlib.sha256(readme).hexdigest(),
        len(readme),
        "text/plain",
    )
    schemas = mets.group("file-grp-schemas", "Schemas")
    mets.file(
        schemas,
        "file-schema-erms",
        "schemas/ERMS.xsd",
        hashlib.sha256(schema).hexdigest(),
        len(schema),
        "text/xml",
    )
    rep_group = mets.group(f"file-grp-{REPRESENTATION}", f"Representations/{REPRESENTATION}")
    rep_href = f"representations/{REPRESENTATION}/METS.xml"
    mets.file(rep_group, f"file-{REPRESENTATION}-mets", rep_href, rep_digest, rep_size, "text/xml")
    mets.representation(
        f"Representations/{REPRESENTATION}", rep_href, f"file-{REPRESENTATION}-mets"
    )
    mets.write(root / "METS.xml")

    for path in sorted(root.rglob("*")):
        if path.is_file():
            built.files.append(path.relative_to(root).as_posix())
            built.size += path.stat().st_size
    return built


#: Files whose content is compressed already: stored in a zip as they are (deflating a
#: scanned PDF costs time and gains nothing).
COMPRESSED = frozenset(
    (".pdf", ".jpg", ".jpeg", ".png", ".gif", ".zip", ".gz", ".docx", ".xlsx", ".pptx", ".odt")
)


def _compression(path: Path) -> int:
    return zipfile.ZIP_STORED if path.suffix.lower() in COMPRESSED else zipfile.ZIP_DEFLATED


def archive(built: Built, fmt: str, out: io.BufferedIOBase | Path) -> None:
    """Pack the package folder as ``zip`` or ``tar`` (one root folder, fixed member order),
    streaming each file from disk into ``out`` (a path or a binary file)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown package format {fmt}")
    base = built.root.name
    members = [built.root / name for name in built.files]
    if fmt == "zip":
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
            for path in members:
                package.write(
                    path,
                    f"{base}/{path.relative_to(built.root).as_posix()}",
                    compress_type=_compression(path),
                )
        return
    target = out if isinstance(out, Path) else None
    with tarfile.open(
        name=str(target) if target else None,
        mode="w",
        fileobj=None if target else out,
        format=tarfile.PAX_FORMAT,
    ) as package:
        for path in members:
            package.add(path, f"{base}/{path.relative_to(built.root).as_posix()}", recursive=False)


def mime_of_format(fmt: str) -> str:
    """The MIME type of a package archive."""
    return "application/zip" if fmt == "zip" else "application/x-tar"
