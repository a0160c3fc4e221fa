"""Swedish full-text search of knowledge articles, on SQLite (FTS5) and PostgreSQL (tsvector).

Both backends index the same text: title and body, lower-cased, stop words removed and every
word stemmed in Python with the Snowball stemmer of the article's language, plus a few Swedish
rules Snowball lacks (``ansökan``/``ansökningar`` → ``ansök``, ``förskolan`` → ``förskol``).
PostgreSQL's own ``swedish`` configuration stems neither ``bygglovet`` nor ``ansökan``, so it is
applied on top of the pre-stemmed text (``to_tsvector('swedish', …)``) rather than instead of
it; queries go through exactly the same steps, so both backends match the same articles.

- SQLite: the FTS5 table ``kb_article_fts(title, body)``, rowid = article id, ranked with
  ``bm25`` (title weighted 10×).
- PostgreSQL: ``kb_article_search(article, document tsvector)`` with a GIN index, title weight
  A and body weight B, ranked with ``ts_rank``.

The index rows are written by :func:`index_article` inside the transaction of the article
change. Queries are never passed to the engine's query syntax as typed: only words (letters and
digits) survive, each is quoted (FTS5) or is a bare lexeme (tsquery), so quotes, ``NEAR``,
``*``, parentheses or operators in the user's text cannot cause an error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import snowballstemmer

from core import db
from core.knowledge.tables import Article

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
TITLE_WEIGHT = 10.0  # relative to the body
SNIPPET_CHARS = 200
CANDIDATES = 200  # best matches ranked before the filters are applied
LANGUAGES = ("sv", "en")

_WORD = re.compile(r"[^\W_]+")

_SWEDISH_STOP_WORDS = """
    och det att i en jag hon som han på den med var sig för så till är men ett om hade de av
    icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde
    något från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla under
    någon eller allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni bli
    blev oss din dessa några deras blir mina samma vilken er sådan vår blivit dess inom
    mellan sådant varför varje vilka ditt vem vilket sitta sådana vart dina vars vårt våra
    ert era vilkas
"""
_ENGLISH_STOP_WORDS = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now
"""
STOP_WORDS: dict[str, frozenset[str]] = {
    "sv": frozenset(_SWEDISH_STOP_WORDS.split()),
    "en": frozenset(_ENGLISH_STOP_WORDS.split()),
}

_STEMMERS = {"sv": snowballstemmer.stemmer("swedish"), "en": snowballstemmer.stemmer("english")}


@lru_cache(maxsize=100_000)
def stem(word: str, language: str = "sv") -> str:
    """The stem of one lower-cased word in ``language`` ('sv' or 'en')."""
    result = _STEMMERS[language].stemWord(word)
    if language == "sv":
        # Snowball leaves the -an of ansökan/förskolan and the derivational -ning of
        # ansökning/betalning; strip them when enough of the word remains.
        if result.endswith("ning") and len(result) >= 8:
            result = result[:-4]
        elif result.endswith("an") and len(result) >= 6:
            result = result[:-2]
    return result


def words(text: str) -> list[str]:
    """The words of ``text``: NFC-normalised, lower-cased runs of letters and digits."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def analyse(text: str, language: str = "sv") -> str:
    """The indexed form of ``text``: its stemmed words without stop words, space-separated."""
    lang = language if language in _STEMMERS else "sv"
    stops = STOP_WORDS[lang]
    return " ".join(stem(w, lang) for w in words(text) if w not in stops)


@dataclass
class Query:
    """A sanitised search: for each term the set of stems (one per language) that match it."""

    terms: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def stems(self) -> set[str]:
        return {s for alternatives in self.terms for s in alternatives}

    def fts5(self, all_terms: bool = True) -> str:
        """An FTS5 MATCH expression; every stem is a quoted string (never FTS syntax)."""
        groups = ["(" + " OR ".join(f'"{s}"' for s in alts) + ")" for alts in self.terms]
        return (" AND " if all_terms else " OR ").join(groups)

    def tsquery(self, all_terms: bool = True) -> str:
        """A ``to_tsquery`` expression; stems are bare letters/digits (never operators)."""
        groups = ["(" + " | ".join(alts) + ")" for alts in self.terms]
        return (" & " if all_terms else " | ").join(groups)


def parse_query(text: str, language: str | None = None) -> Query:
    """Sanitise what a user typed into a :class:`Query` (possibly empty).

    Raises ValueError when the text is longer than :data:`MAX_QUERY_CHARS`. With no
    ``language`` every term matches its Swedish or its English stem.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise ValueError("query too long")
    languages = (language,) if language in _STEMMERS else LANGUAGES
    terms: list[tuple[str, ...]] = []
    for word in words(text):
        alternatives = tuple(
            dict.fromkeys(stem(word, lang) for lang in languages if word not in STOP_WORDS[lang])
        )
        if alternatives and alternatives not in terms:
            terms.append(alternatives)
        if len(terms) >= MAX_TERMS:
            break
    return Query(terms)


# --- the index ----------------------------------------------------------------------------


def _engine_type() -> str:
    return db.get_engine().engine_type


async def index_article(article_id: int, title: str, body: str, language: str) -> None:
    """Write (or rewrite) the index row of one article; call inside the article's transaction."""
    title_text, body_text = analyse(title, language), analyse(body, language)
    if _engine_type() == "postgres":
        await Article.raw(
            "INSERT INTO kb_article_search (article, document) VALUES ({}, "
            "setweight(to_tsvector('swedish', {}), 'A') || "
            "setweight(to_tsvector('swedish', {}), 'B')) "
            "ON CONFLICT (article) DO UPDATE SET document = excluded.document",
            article_id,
            title_text,
            body_text,
        )
    else:
        await Article.raw("DELETE FROM kb_article_fts WHERE rowid = {}", article_id)
        await Article.raw(
            "INSERT INTO kb_article_fts (rowid, title, body) VALUES ({}, {}, {})",
            article_id,
            title_text,
            body_text,
        )


async def reindex_all() -> int:
    """Rebuild the whole index from the articles (after a change of the stemming rules)."""
    async with db.transaction():
        rows = await Article.select(
            Article.id, Article.title, Article.body, Article.language
        ).order_by(Article.id)
        for row in rows:
            await index_article(row["id"], row["title"], row["body"], row["language"])
    return len(rows)


# --- searching ----------------------------------------------------------------------------


@dataclass
class Filters:
    """Which articles a search or listing may return (None = any)."""

    statuses: tuple[str, ...] = ("published",)
    kind: str | None = None
    audience: str | None = None
    language: str | None = None
    case_type_id: int | None = None

    def where(self) -> tuple[list[str], list[Any]]:
        """SQL conditions on ``a`` (kb_article) with ``{}`` placeholders, and their values."""
        clauses: list[str] = []
        args: list[Any] = []
        if self.statuses:
            clauses.append("a.status IN (" + ", ".join("{}" for _ in self.statuses) + ")")
            args.extend(self.statuses)
        for column, value in (
            ("kind", self.kind),
            ("audience", self.audience),
            ("language", self.language),
        ):
            if value is not None:
                clauses.append(f"a.{column} = {{}}")
                args.append(value)
        if self.case_type_id is not None:
            clauses.append(
                "a.id IN (SELECT l.article FROM kb_article_case_type l WHERE l.case_type = {})"
            )
            args.append(self.case_type_id)
        return clauses, args


RESULT_COLUMNS = (
    "a.id, a.kind, a.audience, a.status, a.language, a.title, a.body, a.version, a.updated_at"
)


async def list_articles(filters: Filters, limit: int = 20, offset: int = 0) -> list[dict]:
    """Articles matching the filters, most recently changed first (no text query)."""
    clauses, args = filters.where()
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = await Article.raw(
        f"SELECT {RESULT_COLUMNS} FROM kb_article a{where} "
        "ORDER BY a.updated_at DESC, a.id DESC LIMIT {} OFFSET {}",
        *args,
        limit,
        offset,
    )
    return [_result(row, None) for row in rows]


async def search(
    query: Query, filters: Filters, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """Articles matching every term of ``query``, best first; if none matches every term, those
    matching any. Each result carries ``score`` (higher is better), ``snippet`` and
    ``highlights`` (character ranges in the snippet and the title)."""
    if query.empty:
        return []
    rows = await _run(query, filters, limit, offset, all_terms=True)
    if not rows and offset == 0 and len(query.terms) > 1:
        rows = await _run(query, filters, limit, offset, all_terms=False)
    return [_result(row, query) for row in rows]


def _ranked() -> str:
    """SQL ranking every article that matches the query parameter: columns ``id``, ``score``
    (higher is better)."""
    if _engine_type() == "postgres":
        return (
            "SELECT s.article AS id, "
            "ts_rank(ARRAY[0.1, 0.1, 0.1, 1.0]::float4[], s.document, q.query) AS score "
            "FROM kb_article_search s, to_tsquery('swedish', {}) AS q(query) "
            "WHERE s.document @@ q.query"
        )
    return (
        f"SELECT rowid AS id, -bm25(kb_article_fts, {TITLE_WEIGHT}, 1.0) AS score "
        "FROM kb_article_fts WHERE kb_article_fts MATCH {}"
    )


async def _run(
    query: Query, filters: Filters, limit: int, offset: int, *, all_terms: bool
) -> list[dict[str, Any]]:
    """One search. The best :data:`CANDIDATES` matches are ranked on the index alone and only
    they are joined to the articles and filtered; when that cut may have lost results (too few
    passed the filters), every match is joined instead. A case type links few articles, so with
    that filter every match is joined at once."""
    clauses, args = filters.where()
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    expression = query.tsquery(all_terms) if _engine_type() == "postgres" else query.fts5(all_terms)
    cap = max(CANDIDATES, (offset + limit) * 10)
    rows: list[dict[str, Any]] = []
    if filters.case_type_id is None:
        rows = await Article.raw(
            f"WITH c AS ({_ranked()} ORDER BY score DESC, id LIMIT {{}}) "
            f"SELECT {RESULT_COLUMNS}, c.score AS score, (SELECT count(*) FROM c) AS candidates "
            f"FROM c JOIN kb_article a ON a.id = c.id{where} "
            "ORDER BY c.score DESC, a.id LIMIT {} OFFSET {}",
            expression,
            cap,
            *args,
            limit,
            offset,
        )
    if len(rows) < limit and (not rows or rows[0]["candidates"] >= cap):
        rows = await Article.raw(
            f"SELECT {RESULT_COLUMNS}, r.score AS score FROM ({_ranked()}) r "
            f"JOIN kb_article a ON a.id = r.id{where} "
            "ORDER BY r.score DESC, a.id LIMIT {} OFFSET {}",
            expression,
            *args,
            limit,
            offset,
        )
    for row in rows:
        row.pop("candidates", None)
    return rows


def _result(row: dict[str, Any], query: Query | None) -> dict[str, Any]:
    body = row.pop("body")
    result = dict(row)
    if "score" in result:
        result["score"] = round(float(result["score"]), 6)
    stems = frozenset(query.stems) if query else frozenset()
    result["snippet"], result["highlights"] = snippet(body, stems, row["language"])
    result["title_highlights"] = matches(row["title"], stems, row["language"])
    return result


@lru_cache(maxsize=256)
def _candidates(stems: frozenset[str]) -> re.Pattern[str]:
    """A pattern finding the words that may have one of ``stems`` (same first letters)."""
    prefixes = sorted({re.escape(s[:3]) for s in stems}, key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(prefixes) + r")[^\W_]*", re.IGNORECASE)


def matches(
    text: str, stems: frozenset[str], language: str, start: int = 0, end: int | None = None
) -> list[list[int]]:
    """Character ranges ``[start, end)`` of the words of ``text`` whose stem is in ``stems``
    (``text`` is NFC, as the service stores it)."""
    if not stems:
        return []
    lang = language if language in _STEMMERS else "sv"
    found = _candidates(stems).finditer(text, start, len(text) if end is None else end)
    return [[m.start(), m.end()] for m in found if stem(m.group().lower(), lang) in stems]


def _first_match(text: str, stems: frozenset[str], language: str) -> int:
    if stems:
        lang = language if language in _STEMMERS else "sv"
        for m in _candidates(stems).finditer(text):
            if stem(m.group().lower(), lang) in stems:
                return m.start()
    return -1


def snippet(body: str, stems: frozenset[str], language: str) -> tuple[str, list[list[int]]]:
    """About :data:`SNIPPET_CHARS` characters of ``body`` around its first matching word, with
    the ranges of matching words in that excerpt."""
    first = _first_match(body, stems, language)
    start = 0
    if first > SNIPPET_CHARS // 3:
        start = body.rfind(" ", 0, first - SNIPPET_CHARS // 4) + 1
    end = min(len(body), start + SNIPPET_CHARS)
    if end < len(body):
        cut = body.rfind(" ", start, end)
        end = cut if cut > start else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(body) else ""
    shift = len(prefix) - start
    inside = [[s + shift, e + shift] for s, e in matches(body, stems, language, start, end)]
    return prefix + body[start:end] + suffix, inside
