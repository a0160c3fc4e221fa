"""The registrator's search over the registry: full text over the public fields (and the
protected ones for holders of ``diarium.secret``), with filters on series, year, direction,
date range, case file and status; newest first, keyset-paged.

Built to answer quickly over a million entries:

- PostgreSQL: every word is a prefix match (``word:*``, the 'simple' configuration) on stored
  ``tsvector`` columns with GIN indexes: ``search_public`` (number, counterpart, brief
  content, document type) and ``search_protected``. Newest first without reading every hit of
  a frequent word: the newest ids are walked backwards first (:func:`_windowed`).
- SQLite: an FTS5 table over the same columns; each word is a prefix match (``"word"*``),
  restricted to the public columns for those who may not read protected text.
- Filters without words read the composite indexes (series and year, document date,
  direction, case file) in id order.

Protected fields of a secret-marked document never appear in a result list (open the
document: that read is audited); its row carries the ``secret`` flag for the warning.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from core import db, paging
from core.db import raw
from core.errors import InvalidInput
from plugins.diarium.registry import documents, series

WORD_RE = re.compile(r"[\w/:.§-]+", re.UNICODE)
MAX_WORDS = 8
SCOPE = "diarium-search"
NUMBER_LIKE = re.compile(r"\d[/.:-]\d")
WINDOW = 20_000  # ids walked newest first before the planner gets the rest (PostgreSQL)
SPREAD = 3  # pages of matches a window sized for rare words should hold (PostgreSQL)
PUBLIC_COLUMNS = "{number counterpart_public public_text document_type}"


def words_of(q: str) -> list[str]:
    """The words of a query, lower case, at most eight."""
    words = [w.strip(".:-/").lower() for w in WORD_RE.findall(q or "")]
    return [w for w in words if w][:MAX_WORDS]


def _date(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidInput(
            "{value} is not a date (YYYY-MM-DD)", value=value[:40], location=("query", name)
        ) from None


def _tokens(words: list[str]) -> list[str]:
    """PostgreSQL tsquery terms: each word's parts as a phrase of prefixes (``2026 <-> 12:*``);
    only letters and digits reach the query."""
    terms = []
    for word in words:
        parts = [t.lower() for t in re.split(r"[^\w]+", word) if t]
        if parts:
            terms.append(" <-> ".join(f"{part}:*" for part in parts))
    return terms


TSQUERY_TERM = re.compile(r"[\w:* <>-]+")


def _tsquery_literal(token: str) -> str:
    """A tsquery term of :func:`_tokens` as an SQL literal in the statement text, not a bound
    parameter: asyncpg prepares statements and after five runs PostgreSQL keeps a generic plan
    that cannot see the words, guesses every word equally frequent and ANDs whole GIN posting
    lists (200-600 ms for a frequent word and a place over a million entries); with the words
    in the text each search is planned for its own words (the newest ids walked backwards
    while the words are frequent, the posting lists when they are rare). Only letters,
    digits, ``:*`` and ``<->`` reach a term, so it cannot leave the literal."""
    if not TSQUERY_TERM.fullmatch(token):
        raise ValueError(f"not a tsquery term: {token!r}")
    return "to_tsquery('simple', '" + token.replace("'", "''") + "')"


async def _windowed(
    where: list[str], args: list[Any], wanted: int, before: int | None
) -> list[dict[str, Any]]:
    """PostgreSQL: newest first without reading every hit of a frequent word. The ids of the
    newest documents are asked first (``WINDOW`` of them, more for rare words: :func:`window`;
    the primary key's range ANDed with the GIN word index, or walked backwards: the planner's
    choice, both bounded by the window); only when they hold fewer than a page (filters on
    older entries, or a guess too low) is the rest asked, where a rare word's GIN posting list
    or the composite indexes answer it (for series, period and direction an index-only scan:
    the indexes cover them). Both are planned for their own arguments
    (:func:`raw.fetch_custom_plan`): a generic plan walks the primary key backwards over most
    of the table for an old month of one series. Then the page's rows, by id."""
    clause = " AND ".join(where) + " AND " if where else ""
    ids_sql = f"SELECT d.id FROM diarium_document d WHERE {clause}"
    if db.in_transaction():
        ids = await raw.fetch(f"{ids_sql}TRUE ORDER BY d.id DESC LIMIT ?", *args, wanted)
    else:
        top = await raw.fetchrow("SELECT MAX(id) AS top FROM diarium_document")
        ceiling = (before - 1) if before is not None else int((top or {}).get("top") or 0)
        floor = ceiling - await window(f"{ids_sql}d.id <= ?", [*args, ceiling], ceiling, wanted)
        ids = await raw.fetch_custom_plan(
            f"{ids_sql}d.id > ? AND d.id <= ? ORDER BY d.id DESC LIMIT ?",
            *args,
            floor,
            ceiling,
            wanted,
        )
        if len(ids) < wanted and floor > 0:
            ids += await raw.fetch_custom_plan(
                f"{ids_sql}d.id <= ? ORDER BY d.id DESC LIMIT ?", *args, floor, wanted - len(ids)
            )
    if not ids:
        return []
    return await raw.fetch(
        f"SELECT {documents.COLUMNS} {documents.FROM} WHERE d.id IN ({raw.marks(ids)}) "
        "ORDER BY d.id DESC",
        *(int(row["id"]) for row in ids),
    )


async def window(sql: str, args: list[Any], ceiling: int, wanted: int) -> int:
    """How many of the newest ids below ``ceiling`` to ask first: ``WINDOW``, or as many as
    should hold ``SPREAD`` pages of matches when the planner expects ``sql`` to match rarely
    (matches spread evenly over the ids). A rare name then costs one pass over its word
    indexes (ANDed with the ids' range) and reads the heap for a few pages of matches, not
    for every match it has (about 850 rows for a first and a last name over a million)."""
    expected = await raw.estimated_rows(sql, *args)
    if not expected:
        return WINDOW
    return max(WINDOW, int(SPREAD * wanted * ceiling / expected))


def _fts_query(words: list[str], protected: bool) -> str:
    terms = []
    for word in words:
        tokens = [t for t in re.split(r"[^\w]+", word) if t]
        if not tokens:
            continue
        phrase = " ".join(tokens).replace('"', '""')
        terms.append(f'"{phrase}"*')
    if not terms:
        return ""
    expression = " AND ".join(terms)
    return expression if protected else f"{PUBLIC_COLUMNS} : ({expression})"


async def _number_match(q: str) -> tuple[str, Any] | None:
    """A query that is a case file's or a document's number, as a filter (unique indexes)."""
    text = " ".join(q.split())
    if not text or len(text) > 50 or not NUMBER_LIKE.search(text):
        return None
    case_file = await raw.fetchrow("SELECT id FROM diarium_case_file WHERE number = ?", text)
    if case_file is not None:
        return "d.case_file_id = ?", case_file["id"]
    document = await raw.fetchrow("SELECT id FROM diarium_document WHERE number = ?", text)
    if document is not None:
        return "d.id = ?", document["id"]
    return None


async def search(
    principal: Any,
    *,
    q: str | None = None,
    series_code: str | None = None,
    year: int | None = None,
    direction: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    case_file_id: int | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """One page of matching documents, newest first (``{items, next_cursor, total}``; total
    is None: counting a million rows is not what a registrator waits for)."""
    protected = principal.can("diarium.secret")
    where: list[str] = []
    args: list[Any] = []
    if series_code:
        found = await series.get_by_code(series_code)
        where.append("d.series_id = ?")
        args.append(found["id"])
    if year is not None:
        where.append("d.year = ?")
        args.append(year)
    if direction:
        if direction not in documents.DIRECTIONS:
            raise InvalidInput(
                "The direction is one of {values}",
                values=", ".join(documents.DIRECTIONS),
                location=("query", "direction"),
            )
        where.append("d.direction = ?")
        args.append(direction)
    start, end = _date(date_from, "date_from"), _date(date_to, "date_to")
    if start and end and start > end:
        raise InvalidInput("date_from is after date_to", location=("query", "date_from"))
    if start:
        where.append("d.document_date >= ?")
        args.append(start)
    if end:
        where.append("d.document_date <= ?")
        args.append(end)
    if case_file_id is not None:
        where.append("d.case_file_id = ?")
        args.append(case_file_id)
    if status:
        if status not in ("registered", "cancelled"):
            raise InvalidInput("Unknown status: {status}", status=status)
        where.append("d.status = ?")
        args.append(status)
    after = paging.decode_cursor(SCOPE, cursor, (int,))
    if after is not None:
        where.append("d.id < ?")
        args.append(after[0])
    number = await _number_match(q or "")
    if number is not None:  # a diarienummer: its case file's documents, or that document
        where.append(number[0])
        args.append(number[1])
        q = None
    words = words_of(q or "")
    if q and not words:
        raise InvalidInput("Search for at least one word", location=("query", "q"))
    postgres = db.get_engine().engine_type == "postgres"
    source = documents.FROM
    order = "d.id DESC"
    if words and postgres:
        tokens = _tokens(words)
        if not tokens:
            raise InvalidInput("Search for at least one word", location=("query", "q"))
        for token in tokens:  # every word, in the public fields or (if allowed) the protected
            term = _tsquery_literal(token)
            if protected:
                where.append(f"(d.search_public @@ {term} OR d.search_protected @@ {term})")
            else:
                where.append(f"d.search_public @@ {term}")
    elif words:
        expression = _fts_query(words, protected)
        if not expression:
            raise InvalidInput("Search for at least one word", location=("query", "q"))
        source = (
            "FROM diarium_document_fts "
            "JOIN diarium_document d ON d.id = diarium_document_fts.rowid "
            + documents.FROM.removeprefix("FROM diarium_document d ")
        )
        where.insert(0, "diarium_document_fts MATCH ?")
        args.insert(0, expression)
        order = "diarium_document_fts.rowid DESC"
    sql = f"SELECT {documents.COLUMNS} {source}"
    if postgres and case_file_id is None and number is None:
        rows = await _windowed(where, args, limit + 1, after[0] if after else None)
    else:
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = await raw.fetch(f"{sql} ORDER BY {order} LIMIT ?", *args, limit + 1)
    page, next_cursor = paging.cut(rows, limit, SCOPE, lambda r: (r["id"],))
    items = [documents.brief(r, protected and not r["secret"]) for r in page]
    return paging.page(items, next_cursor)
