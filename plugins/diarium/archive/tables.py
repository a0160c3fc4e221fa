"""The archive's tables: disposal runs (gallring by decision), the documents a run lists, the
stored files a run is to remove, and the FGS 2.0 packages exported to the e-archive.

The schema is created by the hand-written migration ``diarium_archive_…``; these classes
mirror it for Piccolo queries. Times are epoch seconds (UTC).
"""

from piccolo.columns import BigInt, Integer, Text, Varchar
from piccolo.table import Table


class DiariumDisposalRun(Table, tablename="diarium_disposal_run"):
    """A disposal run. ``status``: proposed | approved | executed | rejected. Proposed by one
    holder of ``diarium.archive``, decided (approved or rejected, with the decision's
    reference) by another, then executed; ``as_of`` the time its list was drawn up."""

    status = Varchar(length=10, default="proposed")
    board = Varchar(length=200, default="")
    as_of = BigInt(default=0)
    note = Text(default="")
    proposed_by = Varchar(length=150, default="")
    proposed_at = BigInt(default=0)
    decided_by = Varchar(length=150, default="")
    decided_at = BigInt(null=True, default=None)
    decision_ref = Varchar(length=200, default="")
    decision_note = Text(default="")
    executed_by = Varchar(length=150, default="")
    executed_at = BigInt(null=True, default=None)
    items = Integer(default=0)
    disposed = Integer(default=0)
    skipped = Integer(default=0)
    files_removed = Integer(default=0)
    bytes_removed = BigInt(default=0)


class DiariumDisposalItem(Table, tablename="diarium_disposal_item"):
    """A document a run lists, with the rule of the informationshanteringsplan that allows its
    disposal. ``status``: listed | disposed | skipped (no longer due at execution). A disposed
    one carries the time and the decision (at most one disposed item per document): the
    registry entry itself stays untouched."""

    run_id = Integer()
    document_id = Integer()
    document_number = Varchar(length=50)
    case_file_id = Integer()
    case_number = Varchar(length=40)
    document_type = Varchar(length=120, default="")
    rule_id = Integer()
    rule_ref = Varchar(length=200, default="")
    period_years = Integer(default=0)
    due_at = BigInt(default=0)
    files = Integer(default=0)
    bytes = BigInt(default=0)
    status = Varchar(length=10, default="listed")
    skipped_reason = Varchar(length=200, default="")
    disposed_at = BigInt(null=True, default=None)
    decision_ref = Varchar(length=200, default="")


class DiariumDisposalBlob(Table, tablename="diarium_disposal_blob"):
    """A stored file an executed run no longer references; ``removed_at`` once its content
    is gone from the store (removed after the commit; a pending one is finished later)."""

    run_id = Integer()
    sha256 = Varchar(length=64)
    size = BigInt(default=0)
    removed_at = BigInt(null=True, default=None)


class DiariumExport(Table, tablename="diarium_export"):
    """An FGS 2.0 package of a closed case file, kept in the registry's store (``sha256``).
    ``status``: stored | purged (its content removed, e.g. by a later disposal)."""

    case_file_id = Integer()
    case_number = Varchar(length=40)
    objid = Varchar(length=80, unique=True)
    format = Varchar(length=4)
    sha256 = Varchar(length=64, default="")
    size = BigInt(default=0)
    documents = Integer(default=0)
    files = Integer(default=0)
    status = Varchar(length=10, default="stored")
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)
    purged_at = BigInt(null=True, default=None)


TABLES = [DiariumDisposalRun, DiariumDisposalItem, DiariumDisposalBlob, DiariumExport]
