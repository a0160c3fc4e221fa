"""The two independent checks every FGS 2.0 package of the tests passes.

- The package structure (E-ARK CSIP/SIP 2.1, FGS Paketstruktur 2.0): the ``eark-validator``
  package from PyPI (``PackageValidator``: folder structure, METS schema, the CSIP and SIP
  Schematron profiles). On import it reads four controlled vocabularies from their web
  addresses; this machine has no network, so :func:`eark` installs them from the copies the
  package ships in ``eark_validator/ipxml/resources/vocabs`` (the same files) while it loads.
- The case file (FGS Ärendehantering 2.0 = CITS ERMS 2.1): the schema ``ERMS.xsd`` (lxml's
  XMLSchema) and the Schematron rules ``erms.sch`` (lxml's ISO Schematron). Both files are the
  standard's own, from ``../shared/standards/cits-erms/`` (DILCISBoard/CITS-ERMS,
  ``schema/``), copied unchanged to ``standards/`` beside this file.

``erms.sch`` declares ``queryBinding="xslt2"``, which lxml's XSLT 1.0 Schematron refuses
outright, and pyschematron on PyPI for Python 3.11 is an empty 0.1.0. Every context and test in
the file is plain XPath 1.0 (attribute comparisons and ``normalize-space``), so
:func:`erms_schematron` first compiles each of them as XPath 1.0 (an error if any is not —
the rules would then need an XPath 2 engine) and only then runs them with the binding set to
``xslt`` in memory.
"""

from __future__ import annotations

import functools
import io
import urllib.request
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree, isoschematron

STANDARDS = Path(__file__).resolve().parent / "standards"
SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "standards" / "cits-erms"
SCH_NS = {"sch": "http://purl.oclc.org/dsdl/schematron"}
VOCAB_HOST = "https://earkcsip.dilcis.eu/schema/"


def standard_file(name: str) -> Path:
    """A standard file: the shared copy when it is there, else the copy beside the tests (the
    two are the same bytes, checked by the tests)."""
    shared = SHARED / name
    return shared if shared.exists() else STANDARDS / name


@functools.cache
def eark() -> Any:
    """``eark_validator.packages`` imported with its vocabularies read from the package."""
    vocabs = resources.files("eark_validator.ipxml.resources.vocabs")
    original = urllib.request.urlopen

    def local_urlopen(url: Any, *args: Any, **kwargs: Any) -> Any:
        text = url if isinstance(url, str) else url.full_url
        if text.startswith(VOCAB_HOST):
            return io.BytesIO(vocabs.joinpath(text.removeprefix(VOCAB_HOST)).read_bytes())
        raise OSError(f"no network in the tests: {text}")

    urllib.request.urlopen = local_urlopen
    try:
        import eark_validator.ipxml.schematron as sch

        sch.urlopen = local_urlopen
        from eark_validator import packages
    finally:
        urllib.request.urlopen = original
    return packages


def validate_package(path: Path, unpack_root: Path) -> Any:
    """The eark-validator report of a package (a zip, a tar or a folder)."""
    packages = eark()
    from eark_validator import structure
    from eark_validator.infopacks.package_handler import PackageHandler

    handler = PackageHandler(unpack_root)
    packages.PackageValidator._package_handler = handler
    structure.StructureParser._package_handler = handler
    return packages.PackageValidator(path).validation_report


def report_problems(report: Any) -> list[str]:
    """Every error and warning of an eark-validator report, as text."""
    found: list[str] = []
    if report.structure is not None:
        found += [f"structure {m.rule_id}: {m.message}" for m in report.structure.messages]
    if report.metadata is not None:
        for kind in ("schema_results", "schematron_results"):
            for message in getattr(report.metadata, kind).messages:
                if message.severity.value in ("Error", "Warn"):
                    found.append(
                        f"{kind} {message.rule_id} {message.severity.value}: "
                        f"{message.message} @ {message.location}"
                    )
    return found


@functools.cache
def erms_schema() -> etree.XMLSchema:
    """The CITS ERMS schema."""
    return etree.XMLSchema(etree.parse(str(standard_file("ERMS.xsd"))))


@functools.cache
def erms_schematron() -> isoschematron.Schematron:
    """The CITS ERMS Schematron rules, run by lxml's ISO Schematron (see the module doc)."""
    tree = etree.parse(str(standard_file("erms.sch")))
    namespaces = {
        ns.get("prefix"): ns.get("uri") for ns in tree.getroot().findall("sch:ns", SCH_NS)
    }
    for node in tree.getroot().iterfind(".//sch:rule", SCH_NS):
        etree.XPath("//" + node.get("context"), namespaces=namespaces)
        for check in node.iterfind("sch:assert", SCH_NS):
            etree.XPath(check.get("test"), namespaces=namespaces)
        for check in node.iterfind("sch:report", SCH_NS):
            etree.XPath(check.get("test"), namespaces=namespaces)
    tree.getroot().set("queryBinding", "xslt")
    return isoschematron.Schematron(tree, store_report=True)


def erms_problems(xml: bytes) -> list[str]:
    """What the ERMS schema and Schematron rules find wrong in ``xml`` (empty: valid)."""
    document = etree.fromstring(xml)
    problems: list[str] = []
    schema = erms_schema()
    if not schema.validate(document):
        problems += [f"xsd line {e.line}: {e.message}" for e in schema.error_log]
    schematron = erms_schematron()
    if not schematron.validate(document):
        svrl = schematron.validation_report
        for failed in svrl.iter("{http://purl.oclc.org/dsdl/svrl}failed-assert"):
            text = " ".join("".join(failed.itertext()).split())
            problems.append(f"schematron {failed.get('location')}: {text}")
    return problems
