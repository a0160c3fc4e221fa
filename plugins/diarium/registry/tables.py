"""The registry's tables: series and their yearly counters, case files (akter), documents,
secrecy markings, content-addressed blobs and document files, the classification plan and the
informationshanteringsplan.

The schema is created by the hand-written migration ``diarium_registry_…`` (unique keys,
trigram indexes on PostgreSQL, FTS5 on SQLite); these classes mirror it for Piccolo queries.
Times are epoch seconds (UTC); dates are ``YYYY-MM-DD`` strings.
"""

from piccolo.columns import BigInt, Boolean, Integer, Text, Varchar
from piccolo.table import Table

from core.secrets import fields


class DiariumSeries(Table, tablename="diarium_series"):
    """A diary series of one nämnd: its number pattern (``{code} {year}/{seq}``, always with
    ``{seq}``) and the pattern of document numbers within a case file (``{case}-{doc}``)."""

    code = Varchar(length=20, unique=True)
    name = Varchar(length=200)
    board = Varchar(length=200, default="")
    pattern = Varchar(length=80)
    doc_pattern = Varchar(length=80, default="{case}-{doc}")
    active = Boolean(default=True)
    created_at = BigInt(default=0)
    created_by = Varchar(length=150, default="")
    updated_at = BigInt(default=0)


class DiariumCounter(Table, tablename="diarium_counter"):
    """The last number taken in a series and year (UNIQUE series_id + year); taken under the
    row's write lock in the transaction that inserts the numbered row."""

    series_id = Integer()
    year = Integer()
    last_value = Integer(default=0)


class DiariumCaseFile(Table, tablename="diarium_case_file"):
    """A case file (akt). ``status``: open | closed | cancelled; ``kc_case_id`` a linked core
    case; ``last_doc_seq`` the last document number taken within it."""

    series_id = Integer()
    year = Integer()
    seq = Integer()
    number = Varchar(length=40, unique=True)
    title_public = Varchar(length=500, default="")
    title_protected = Varchar(length=500, default="")
    classification_code = Varchar(length=40)
    board = Varchar(length=200, default="")
    department = Varchar(length=40, default="")
    officer = Varchar(length=150, default="")
    status = Varchar(length=10, default="open")
    opened_at = BigInt(default=0)
    closed_at = BigInt(null=True, default=None)
    closed_by = Varchar(length=150, default="")
    decision = Text(default="")
    kc_case_id = Integer(null=True, default=None)
    last_doc_seq = Integer(default=0)
    created_by = Varchar(length=150, default="")
    updated_at = BigInt(default=0)
    cancelled_reason = Varchar(length=500, default="")
    kc_case_number = Varchar(length=40, default="")
    personnummer_encrypted = Text(default="")


class DiariumDocument(Table, tablename="diarium_document"):
    """A registered document. ``direction``: in | drawn_up | out; ``status``: registered |
    cancelled. A document in a case file has ``doc_seq`` ≥ 1 and ``seq`` NULL; a document
    standing alone in the series took ``seq`` from the series counter (``doc_seq`` 0).
    Personnummer found are kept only in ``personnummer_encrypted`` (AES-GCM)."""

    case_file_id = Integer(null=True, default=None)
    series_id = Integer()
    year = Integer()
    seq = Integer(null=True, default=None)
    doc_seq = Integer(default=0)
    number = Varchar(length=50, unique=True)
    direction = Varchar(length=10)
    document_date = Varchar(length=10)
    registered_at = BigInt(default=0)
    registered_by = Varchar(length=150, default="")
    counterpart_public = Varchar(length=300, default="")
    counterpart_protected = Varchar(length=300, default="")
    public_text = Text(default="")
    protected_text = Text(default="")
    document_type = Varchar(length=120, default="")
    status = Varchar(length=10, default="registered")
    cancelled_reason = Varchar(length=500, default="")
    cancelled_at = BigInt(null=True, default=None)
    cancelled_by = Varchar(length=150, default="")
    draft_id = Integer(null=True, default=None)
    personnummer_encrypted = Text(default="")
    has_personnummer = Boolean(default=False)
    secret = Boolean(default=False)


class DiariumSecrecy(Table, tablename="diarium_secrecy"):
    """A secrecy marking (sekretessmarkering) of a document or a case file: the OSL provision,
    the date, the authority that marked it; in force while ``lifted_at`` is NULL."""

    document_id = Integer(null=True, default=None)
    case_file_id = Integer(null=True, default=None)
    provision = Varchar(length=120)
    marked_at = BigInt(default=0)
    marked_by = Varchar(length=150, default="")
    authority = Varchar(length=200, default="")
    reason = Varchar(length=500, default="")
    marked_date = Varchar(length=10, default="")
    lifted_at = BigInt(null=True, default=None)
    lifted_by = Varchar(length=150, default="")


class DiariumBlob(Table, tablename="diarium_blob"):
    """A stored file's content, by its SHA-256 (on disk under ``<data_dir>/diarium/blobs``)."""

    sha256 = Varchar(length=64, unique=True)
    size = BigInt(default=0)
    mime = Varchar(length=120, default="application/octet-stream")
    created_at = BigInt(default=0)
    seen_at = BigInt(default=0)  # last stored again (0: stored once)


class DiariumDocumentFile(Table, tablename="diarium_document_file"):
    """A file of a document. ``role``: original | pdfa | ocr_text | masked_copy | decision."""

    document_id = Integer()
    sha256 = Varchar(length=64)
    filename = Varchar(length=255, default="")
    role = Varchar(length=20, default="original")
    created_at = BigInt(default=0)
    created_by = Varchar(length=150, default="")


class DiariumClass(Table, tablename="diarium_class"):
    """A class of the classification plan (KLASSA): ``level`` verksamhetsomrade |
    processgrupp | process, a dot ``code`` and its parent's code."""

    plan_version = Varchar(length=40, default="1")
    code = Varchar(length=40)
    level = Varchar(length=20)
    title = Varchar(length=300)
    description = Text(default="")
    parent_code = Varchar(length=40, default="")


class DiariumRetentionRule(Table, tablename="diarium_retention_rule"):
    """A row of a nämnd's informationshanteringsplan: a document type (optionally within a
    process) kept or disposed of after ``period_years``."""

    board = Varchar(length=200)
    document_type = Varchar(length=120)
    process_code = Varchar(length=40, null=True, default=None)
    action = Varchar(length=10)
    period_years = Integer(null=True, default=None)
    decision_ref = Varchar(length=200, default="")
    note = Text(default="")
    updated_at = BigInt(default=0)
    updated_by = Varchar(length=150, default="")


TABLES = [
    DiariumSeries,
    DiariumCounter,
    DiariumCaseFile,
    DiariumDocument,
    DiariumSecrecy,
    DiariumBlob,
    DiariumDocumentFile,
    DiariumClass,
    DiariumRetentionRule,
]

# ``kontakt keys rotate`` re-encrypts the personnummer kept by the registry (see pnr.py).
PERSONNUMMER_CONTEXT = "diarium.personnummer"
fields.register(
    fields.EncryptedField(DiariumDocument, "personnummer_encrypted", None, PERSONNUMMER_CONTEXT)
)
fields.register(
    fields.EncryptedField(DiariumCaseFile, "personnummer_encrypted", None, PERSONNUMMER_CONTEXT)
)
