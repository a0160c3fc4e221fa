"""The webbdiarium's search: public fields only, one keyset page at a time, newest first.

What the public sees of a diary entry is what OSL 5:2 lets stay public when the sender and
the content are kept apart: the number, the date, the direction, the public counterpart, the
public brief content, the document type, the case file's number and public title, and whether
a secrecy marking is in force (with its provision). Never the protected text, the protected
counterpart, personnummer or a protected title; a cancelled number shows as cancelled with no
text. Free text matches the public columns only:

- SQLite: this area's FTS5 table ``diarium_public_fts`` over the public columns alone (with
  prefix indexes; migration ``diarium_public_…t03_30_01``), so no term can reach the
  protected ones whatever was typed;
- PostgreSQL: the GIN index on ``diarium_document.public_tsv``, a stored ``tsvector`` of the
  public fields alone (migrations ``diarium_public_…``).

Every word typed is reduced to letters and digits, stemmed (Swedish, as the knowledge base
does) and matched as a prefix (``bygglov`` finds ``bygglovet``), all words required. A query
that is a diarienummer (of a document or of a case file) is looked up exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core import db, paging
from core.clock import iso_utc
from core.db import raw
from core.errors import InvalidInput
from core.knowledge import search as text_search

SCOPE = "diarium-public"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_TERMS = 8
MAX_QUERY_CHARS = 200
TOTAL_CAP = 500
#: The longest prefix with its own FTS5 prefix index; longer stems are matched on it.
MAX_PREFIX = 8
DIRECTIONS = ("in", "drawn_up", "out")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The stored ``tsvector`` of the public fields (PostgreSQL; migration ``…t03_30_02``).
#: How many of the newest ids a search for words or a period walks on PostgreSQL before it
#: asks the GIN or the date index.
WINDOW = 20_000
#: The columns of a document a public view is built from (never the protected ones).
COLUMNS = (
    "d.id, d.number, d.case_file_id, d.series_id, d.direction, d.document_date, "
    "d.registered_at, d.counterpart_public, d.public_text, d.document_type, d.status, d.secret"
)
_TERM = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Filters:
    """What a public search may narrow by (all optional)."""

    q: str = ""
    series: str = ""
    direction: str = ""
    date_from: str = ""
    date_to: str = ""


def _postgres() -> bool:
    return db.get_engine().engine_type == "postgres"


def terms(q: str) -> list[str]:
    """The searchable terms of ``q``: stemmed words without stop words, at most
    :data:`MAX_TERMS`, each only letters and digits (so never query syntax)."""
    stops = text_search.STOP_WORDS["sv"]
    found: list[str] = []
    for word in _TERM.findall(" ".join(text_search.words(q))):
        if word in stops:
            continue
        stem = text_search.stem(word, "sv")
        term = stem if len(stem) >= 3 else word
        if term not in found:
            found.append(term)
    return found[:MAX_TERMS]


def fts5_query(found: list[str]) -> str:
    """An FTS5 MATCH expression for ``found`` on ``diarium_public_fts``: every term a quoted
    prefix (cut to :data:`MAX_PREFIX` characters, which have a prefix index), all required;
    terms under three characters exact."""
    parts = [f'"{t[:MAX_PREFIX]}"*' if len(t) >= 3 else f'"{t}"' for t in found]
    return " AND ".join(parts)


def tsquery(found: list[str]) -> str:
    """A ``to_tsquery('simple', …)`` expression for ``found`` (prefix terms, all required)."""
    return " & ".join(f"'{t}':*" if len(t) >= 3 else f"'{t}'" for t in found)


def tsquery_sql(found: list[str]) -> str:
    """The tsquery of ``found`` as an SQL literal in the statement text, not a bound
    parameter: asyncpg prepares statements, and after five runs PostgreSQL keeps a generic
    plan that cannot see the words. It then walks the whole table backwards for a word that
    is rare or only in protected text (about a second over a million entries) instead of
    asking the GIN index. Terms are only letters and digits (:func:`terms`), so none can
    leave the literal; anything else is refused."""
    if not found or not all(_TERM.fullmatch(t) for t in found):
        raise ValueError(f"not search terms: {found!r}")
    return "to_tsquery('simple'::regconfig, '" + tsquery(found).replace("'", "''") + "')"


def check(filters: Filters) -> None:
    """Refuse (400) filters that cannot be right."""
    if len(filters.q) > MAX_QUERY_CHARS:
        raise InvalidInput(
            "The search text is too long (at most {count} characters)",
            count=MAX_QUERY_CHARS,
            location=("query", "q"),
        )
    if filters.direction and filters.direction not in DIRECTIONS:
        raise InvalidInput(
            "Unknown direction: {direction}; the directions are {valid}",
            direction=filters.direction,
            valid=", ".join(DIRECTIONS),
            location=("query", "direction"),
        )
    for name, value in (("from", filters.date_from), ("to", filters.date_to)):
        if value and not DATE_RE.match(value):
            raise InvalidInput(
                "A date is written YYYY-MM-DD: {value}", value=value, location=("query", name)
            )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput("The start date is after the end date", location=("query", "from"))


def normalised_number(q: str) -> str:
    return " ".join(q.split())


async def _series_id(code: str) -> int:
    row = await raw.fetchrow("SELECT id FROM diarium_series WHERE code = ?", code)
    if row is None:
        raise InvalidInput(
            "Unknown diary series: {code}", code=code[:20], location=("query", "series")
        )
    return int(row["id"])


async def search(
    filters: Filters, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    """One page of public diary entries matching ``filters``, newest registration first:
    ``{items, next_cursor, total}`` (``total`` up to :data:`TOTAL_CAP`, else null with
    ``total_at_least``)."""
    check(filters)
    after = paging.decode_cursor(SCOPE, cursor, (int,))
    where: list[str] = []
    args: list[Any] = []
    if filters.series:
        where.append("d.series_id = ?")
        args.append(await _series_id(filters.series))
    if filters.direction:
        where.append("d.direction = ?")
        args.append(filters.direction)
    if filters.date_from:
        where.append("d.document_date >= ?")
        args.append(filters.date_from)
    if filters.date_to:
        where.append("d.document_date <= ?")
        args.append(filters.date_to)
    q = normalised_number(filters.q)
    source = "diarium_document d"
    words = ""  # PostgreSQL: the tsvector condition of the words
    text_where: list[str] = []
    text_args: list[Any] = []
    order = "d.id"
    exact = await _number_match(q) if q else None
    if exact is not None:
        text_where.append(exact[0])
        text_args = list(exact[1])
    elif q:
        found = terms(q)
        if not found:
            return {"items": [], "next_cursor": None, "total": 0}
        if _postgres():
            words = f"public_tsv @@ {tsquery_sql(found)}"
        else:
            # CROSS JOIN keeps the index outermost (newest first, a page and stop) even with a
            # date or series filter the planner might prefer
            source = "diarium_public_fts f CROSS JOIN diarium_document d ON d.id = f.rowid"
            text_where.append("diarium_public_fts MATCH ?")
            text_args = [fts5_query(found)]
            order = "f.rowid"
        text_where.append("d.status = 'registered'")
    where = text_where + where
    base_args = [*text_args, *args]
    page_where = list(where)
    page_args = list(base_args)
    if after is not None:
        page_where.append(f"{order} < ?")
        page_args.append(after[0])
    known: int | None = None  # the count below the cursor, when the rows gave it
    if words or (_postgres() and not q and filters.date_to):
        where = [f"d.{words}", *where] if words else where
        rows, source, where, known = await _windowed_rows(where, base_args, after, limit + 1)
    else:
        clause = (" WHERE " + " AND ".join(page_where)) if page_where else ""
        rows = await raw.fetch(
            f"SELECT {COLUMNS} FROM {source}{clause} ORDER BY {order} DESC LIMIT ?",
            *page_args,
            limit + 1,
        )
    items, next_cursor = paging.cut(rows, limit, SCOPE, lambda r: (int(r["id"]),))
    result: dict[str, Any] = {
        "items": await views(items),
        "next_cursor": next_cursor,
        "total": None,
    }
    if after is None and next_cursor is None:
        result["total"] = len(items)
    elif after is None and known is not None:
        result.update({"total": known} if known <= TOTAL_CAP else {"total_at_least": TOTAL_CAP})
    else:
        count_clause = (" WHERE " + " AND ".join(where)) if where else ""
        # in the page's order, so the capped count stops as early as the page does (FTS5
        # and a table scan would otherwise start from the oldest rows)
        counted = await raw.fetchrow(
            f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {source}{count_clause} "
            f"ORDER BY {order} DESC LIMIT {TOTAL_CAP + 1}) AS capped",
            *base_args,
        )
        n = int(counted["n"]) if counted else 0
        if n <= TOTAL_CAP:
            result["total"] = n
        else:
            result["total_at_least"] = TOTAL_CAP
    return result


async def _windowed_rows(
    where: list[str], args: list[Any], after: tuple | None, wanted: int
) -> tuple[list[dict[str, Any]], str, list[str], int | None]:
    """PostgreSQL, for words or a period: up to ``wanted`` rows, newest first; the source and
    conditions to count them with; and their count below the cursor when it is already known
    (up to :data:`TOTAL_CAP` + 1), else None.

    The newest :data:`WINDOW` ids (below the cursor) are walked backwards first: a frequent
    word or a recent period soon fills a page there (skipped when the planner expects too
    few matches there). Only when they hold too few do the older
    matches come from the conditions' own indexes (the GIN index of the words, the date
    index of a period), inside an ``OFFSET 0`` fence: without it the planner walks the whole
    table backwards for a word that is rare or found only in protected text (about a second
    over a million entries) or for an old month. Their ids, newest first, give the count.
    Both run planned for their own arguments (:func:`raw.fetch_custom_plan`)."""
    top = await raw.fetchrow("SELECT MAX(id) AS top FROM diarium_document")
    ceiling = (after[0] - 1) if after is not None else int((top or {}).get("top") or 0)
    floor = ceiling - WINDOW
    condition = " AND ".join(where)
    # matches spread evenly over the ids: fewer than a page expected in the window? Then
    # walking it first is wasted work, done again by the indexes after it (a word and a
    # house number: about half the time of the search)
    expected = await raw.estimated_rows(
        f"SELECT d.id FROM diarium_document d WHERE {condition} AND d.id <= ?", *args, ceiling
    )
    if floor > 0 and expected is not None and expected * WINDOW / ceiling < wanted:
        floor, rows = ceiling, []
    else:
        rows = await raw.fetch_custom_plan(
            f"SELECT {COLUMNS} FROM diarium_document d WHERE {condition} "
            "AND d.id > ? AND d.id <= ? ORDER BY d.id DESC LIMIT ?",
            *args,
            floor,
            ceiling,
            wanted,
        )
    if len(rows) >= wanted:
        return rows, "diarium_document d", where, None
    fenced = f"(SELECT * FROM diarium_document d WHERE {condition} OFFSET 0) d"
    older = [
        int(r["id"])
        for r in await raw.fetch_custom_plan(
            f"SELECT d.id FROM {fenced} WHERE d.id <= ? ORDER BY d.id DESC LIMIT {TOTAL_CAP + 1}",
            *args,
            floor,
        )
    ]
    page_ids = older[: wanted - len(rows)]
    rest = (
        await raw.fetch(
            f"SELECT {COLUMNS} FROM diarium_document d WHERE d.id IN "
            f"({', '.join('?' for _ in page_ids)}) ORDER BY d.id DESC",
            *page_ids,
        )
        if page_ids
        else []
    )
    return rows + rest, fenced, [], len(rows) + len(older)


async def _number_match(q: str) -> tuple[str, tuple[Any, ...]] | None:
    """A condition for ``q`` when it is the number of a document or of a case file."""
    if len(q) > 50:
        return None
    doc = await raw.fetchrow("SELECT id FROM diarium_document WHERE number = ?", q)
    if doc is not None:
        return "d.id = ?", (int(doc["id"]),)
    case = await raw.fetchrow("SELECT id FROM diarium_case_file WHERE number = ?", q)
    if case is not None:
        return "d.case_file_id = ?", (int(case["id"]),)
    return None


def _marks(ids: list[int], column: str) -> str:
    return f"{column} IN ({', '.join('?' for _ in ids)})"


async def views(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The public views of document rows (case file, series and secrecy read in bulk)."""
    if not rows:
        return []
    case_ids = sorted({int(r["case_file_id"]) for r in rows if r["case_file_id"] is not None})
    series_ids = sorted({int(r["series_id"]) for r in rows})
    doc_ids = [int(r["id"]) for r in rows]
    cases: dict[int, dict[str, Any]] = {}
    if case_ids:
        for row in await raw.fetch(
            "SELECT id, number, title_public, status FROM diarium_case_file WHERE "
            + _marks(case_ids, "id"),
            *case_ids,
        ):
            cases[int(row["id"])] = row
    series = {
        int(r["id"]): r
        for r in await raw.fetch(
            "SELECT id, code, name, board FROM diarium_series WHERE " + _marks(series_ids, "id"),
            *series_ids,
        )
    }
    provisions: dict[tuple[str, int], list[str]] = {}
    marks_sql = (
        "SELECT document_id, case_file_id, provision FROM diarium_secrecy "
        "WHERE lifted_at IS NULL AND (" + _marks(doc_ids, "document_id")
    )
    marks_args: list[Any] = list(doc_ids)
    if case_ids:
        marks_sql += " OR " + _marks(case_ids, "case_file_id")
        marks_args += case_ids
    for row in await raw.fetch(marks_sql + ") ORDER BY id", *marks_args):
        key = ("d", int(row["document_id"])) if row["document_id"] else ("c", row["case_file_id"])
        provisions.setdefault(key, []).append(row["provision"])
    return [_view(r, cases, series, provisions) for r in rows]


def _view(
    row: dict[str, Any],
    cases: dict[int, dict[str, Any]],
    series: dict[int, dict[str, Any]],
    provisions: dict[tuple[str, int], list[str]],
) -> dict[str, Any]:
    case = cases.get(int(row["case_file_id"])) if row["case_file_id"] is not None else None
    marked = list(provisions.get(("d", int(row["id"])), []))
    if case is not None:
        marked += [p for p in provisions.get(("c", int(case["id"])), []) if p not in marked]
    cancelled = row["status"] == "cancelled"
    info = series.get(int(row["series_id"])) or {}
    return {
        "number": row["number"],
        "status": row["status"],
        "direction": row["direction"],
        "document_date": row["document_date"],
        "registered_at": iso_utc(row["registered_at"]) if row["registered_at"] else None,
        "counterpart": "" if cancelled else row["counterpart_public"],
        "text": "" if cancelled else row["public_text"],
        "document_type": "" if cancelled else row["document_type"],
        "series": {"code": info.get("code", ""), "board": info.get("board", "")},
        "case_file": (
            {"number": case["number"], "title": case["title_public"], "status": case["status"]}
            if case is not None
            else None
        ),
        "secret": bool(row["secret"]) or bool(marked),
        "secrecy_provisions": marked,
    }


async def public_document(number: str) -> dict[str, Any] | None:
    """The public view of one document by its number, or None."""
    rows = await raw.fetch(
        f"SELECT {COLUMNS} FROM diarium_document d WHERE d.number = ?",
        normalised_number(number)[:50],
    )
    found = await views(rows)
    return found[0] if found else None
