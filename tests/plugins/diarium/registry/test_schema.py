"""The registry's migration: every table of the shared schema exists with its columns."""

from __future__ import annotations

from core.db import raw

COLUMNS = {
    "diarium_series": {"id", "code", "name", "board", "pattern", "doc_pattern", "active"},
    "diarium_counter": {"series_id", "year", "last_value"},
    "diarium_case_file": {
        "number", "title_public", "title_protected", "classification_code", "officer",
        "status", "opened_at", "closed_at", "closed_by", "decision", "kc_case_id",
        "last_doc_seq", "created_by",
    },
    "diarium_document": {
        "case_file_id", "doc_seq", "number", "direction", "document_date", "registered_at",
        "registered_by", "counterpart_public", "counterpart_protected", "public_text",
        "protected_text", "document_type", "status", "cancelled_reason", "draft_id",
    },
    "diarium_secrecy": {
        "document_id", "case_file_id", "provision", "marked_at", "marked_by", "authority",
        "reason", "lifted_at", "lifted_by",
    },
    "diarium_blob": {"sha256", "size", "mime", "created_at", "seen_at"},
    "diarium_document_file": {"document_id", "sha256", "filename", "role", "created_by"},
    "diarium_class": {"plan_version", "code", "level", "title", "description", "parent_code"},
    "diarium_retention_rule": {
        "board", "document_type", "process_code", "action", "period_years", "decision_ref",
        "note",
    },
}  # fmt: skip


async def test_every_table_has_its_columns(diarium_plugin) -> None:
    for table, wanted in COLUMNS.items():
        rows = await raw.fetch(f"SELECT * FROM {table} WHERE 1 = 0")
        assert rows == []
        columns = {c["name"] for c in await _columns(table)}
        assert wanted <= columns, (table, wanted - columns)


async def _columns(table: str) -> list[dict]:
    from core import db

    if db.get_engine().engine_type == "postgres":
        return await raw.fetch(
            "SELECT column_name AS name FROM information_schema.columns WHERE table_name = ?",
            table,
        )
    return await raw.fetch(f"SELECT name FROM pragma_table_info('{table}')")
