"""Answer support (svarsstöd): knowledge articles, their versions and case-type links.

Every change runs in one :func:`core.db.transaction` with its audit entry and the update of
the full-text index (:mod:`core.knowledge.search`), so the index never disagrees with the
articles. Every edit of an article writes a new :class:`ArticleVersion`; the article row holds
the current title, body and version number.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from core import audit, db
from core.clock import iso_utc
from core.db import raw
from core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from core.knowledge import search
from core.knowledge.tables import Article, ArticleCaseType, ArticleVersion
from core.org.tables import CaseType

KINDS = ("faq", "checklist", "script")
AUDIENCES = ("internal", "public")
STATUSES = ("draft", "published", "archived")
LANGUAGES = ("sv", "en")
MAX_TITLE = 300
MAX_BODY = 100_000
MAX_COMMENT = 300
MAX_LIMIT = 100

# Which status an article may move to from which.
TRANSITIONS = {
    "published": ("draft", "archived"),
    "archived": ("draft", "published"),
    "draft": (),
}

ARTICLE_FIELDS = (
    "id",
    "kind",
    "audience",
    "status",
    "language",
    "title",
    "body",
    "version",
    "updated_by",
    "updated_at",
)


def _choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise InvalidInput(
            "{field} must be one of {allowed}", field=field, allowed=", ".join(allowed)
        )
    return value


def _check_metadata(kind: str | None, audience: str | None, language: str | None) -> None:
    """Refuse an unknown kind, audience or language (None = not given)."""
    for value, allowed, field in (
        (kind, KINDS, "kind"),
        (audience, AUDIENCES, "audience"),
        (language, LANGUAGES, "language"),
    ):
        if value is not None:
            _choice(value, allowed, field)


def _text(value: str, field: str, limit: int, required: bool = True) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        raise InvalidInput("{field} must not be empty", field=field)
    if len(value) > limit:
        raise InvalidInput("{field} may be at most {limit} characters", field=field, limit=limit)
    return value


TIME_FIELDS = ("updated_at", "created_at")


def _times(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its stored epoch times as ISO 8601 UTC text (the API's one time format)."""
    return {key: iso_utc(v) if key in TIME_FIELDS else v for key, v in row.items()}


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return _times({key: row[key] for key in ARTICLE_FIELDS})


async def _lock_article(article_id: int) -> dict[str, Any]:
    """The article row, locked for the rest of the transaction (PostgreSQL; SQLite's writer
    already holds the database lock)."""
    query = Article.select().where(Article.id == article_id)
    if db.get_engine().engine_type == "postgres":
        query = query.lock_rows("UPDATE")
    row = await query.first()
    if row is None:
        raise NotFound("There is no knowledge article {id}", id=article_id)
    return row


async def _visible_article(article_id: int, may_manage: bool) -> dict[str, Any]:
    row = await Article.select().where(Article.id == article_id).first()
    if row is None or (not may_manage and row["status"] != "published"):
        raise NotFound("There is no knowledge article {id}", id=article_id)
    return row


async def case_type_id(code: str, missing: type[DomainError] = NotFound) -> int:
    """The id of the case type with this code; ``missing`` (default 404) when there is none."""
    row = await CaseType.select(CaseType.id).where(CaseType.code == code).first()
    if row is None:
        raise missing("There is no case type {case_type}", case_type=code)
    return row["id"]


async def _links(article_id: int) -> list[dict[str, Any]]:
    rows = (
        await ArticleCaseType.select(
            ArticleCaseType.case_type.code.as_alias("code"),
            ArticleCaseType.case_type.name_sv.as_alias("name_sv"),
            ArticleCaseType.case_type.name_en.as_alias("name_en"),
            ArticleCaseType.position,
        )
        .where(ArticleCaseType.article == article_id)
        .order_by(ArticleCaseType.position)
    )
    return rows


# --- changes --------------------------------------------------------------------------------


async def create_article(
    actor: str,
    *,
    kind: str,
    title: str,
    body: str,
    audience: str = "internal",
    language: str = "sv",
    status: str = "draft",
    comment: str = "",
    case_types: list[str] | tuple[str, ...] = (),
) -> dict[str, Any]:
    """Create an article (version 1), index it, link it to ``case_types`` (codes, in order)."""
    _check_metadata(kind, audience, language)
    _choice(status, ("draft", "published"), "status")
    title = _text(title, "title", MAX_TITLE)
    body = _text(body, "body", MAX_BODY)
    comment = _text(comment, "comment", MAX_COMMENT, required=False)
    now = int(time.time())
    async with db.transaction():
        type_ids = [await case_type_id(code, InvalidInput) for code in dict.fromkeys(case_types)]
        inserted = await Article.insert(
            Article(
                kind=kind,
                audience=audience,
                status=status,
                language=language,
                title=title,
                body=body,
                version=1,
                updated_by=actor,
                updated_at=now,
            )
        ).returning(Article.id)
        article_id = inserted[0]["id"]
        await ArticleVersion.insert(
            ArticleVersion(
                article=article_id,
                version=1,
                title=title,
                body=body,
                author=actor,
                created_at=now,
                comment=comment,
            )
        )
        for position, type_id in enumerate(type_ids):
            await ArticleCaseType.insert(
                ArticleCaseType(article=article_id, case_type=type_id, position=position)
            )
        await search.index_article(article_id, title, body, language)
        audit.record(
            actor,
            "knowledge.article.create",
            "kb_article",
            article_id,
            {"kind": kind, "title": title, "status": status, "case_types": list(case_types)},
        )
    return await get_article(article_id, may_manage=True)


async def update_article(
    actor: str,
    article_id: int,
    *,
    title: str | None = None,
    body: str | None = None,
    kind: str | None = None,
    audience: str | None = None,
    language: str | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Edit an article: a new version with the given title/body (others kept) and metadata.

    ``expected_version``, when given, must be the current version (else 409), so two editors
    cannot overwrite each other unknowingly.
    """
    _check_metadata(kind, audience, language)
    if title is not None:
        title = _text(title, "title", MAX_TITLE)
    if body is not None:
        body = _text(body, "body", MAX_BODY)
    comment = _text(comment, "comment", MAX_COMMENT, required=False)
    now = int(time.time())
    async with db.transaction():
        row = await _lock_article(article_id)
        if expected_version is not None and expected_version != row["version"]:
            raise Conflict(
                "The article has changed meanwhile: version {current}, not {expected}",
                current=row["version"],
                expected=expected_version,
            )
        changes = {
            "title": row["title"] if title is None else title,
            "body": row["body"] if body is None else body,
            "kind": kind or row["kind"],
            "audience": audience or row["audience"],
            "language": language or row["language"],
        }
        version = row["version"] + 1
        await Article.update(
            {
                Article.title: changes["title"],
                Article.body: changes["body"],
                Article.kind: changes["kind"],
                Article.audience: changes["audience"],
                Article.language: changes["language"],
                Article.version: version,
                Article.updated_by: actor,
                Article.updated_at: now,
            }
        ).where(Article.id == article_id)
        await ArticleVersion.insert(
            ArticleVersion(
                article=article_id,
                version=version,
                title=changes["title"],
                body=changes["body"],
                author=actor,
                created_at=now,
                comment=comment,
            )
        )
        await search.index_article(
            article_id, changes["title"], changes["body"], changes["language"]
        )
        changed = sorted(k for k, v in changes.items() if v != row[k])
        audit.record(
            actor,
            "knowledge.article.update",
            "kb_article",
            article_id,
            {"version": version, "changed": changed, "comment": comment},
        )
    return await get_article(article_id, may_manage=True)


async def set_status(actor: str, article_id: int, status: str) -> dict[str, Any]:
    """Publish or archive an article (409 if it already has that status)."""
    _choice(status, ("published", "archived"), "status")
    async with db.transaction():
        row = await _lock_article(article_id)
        if row["status"] not in TRANSITIONS[status]:
            raise Conflict(
                "The article is {current} and cannot become {status}",
                current=row["status"],
                status=status,
            )
        await Article.update(
            {
                Article.status: status,
                Article.updated_by: actor,
                Article.updated_at: int(time.time()),
            }
        ).where(Article.id == article_id)
        audit.record(
            actor,
            f"knowledge.article.{'publish' if status == 'published' else 'archive'}",
            "kb_article",
            article_id,
            {"from": row["status"], "to": status, "version": row["version"]},
        )
    return await get_article(article_id, may_manage=True)


async def link_case_type(
    actor: str, article_id: int, code: str, position: int | None = None
) -> list[dict[str, Any]]:
    """Link an article to a case type (at ``position``, default last; moves an existing link).
    Returns the article's links in order."""
    if position is not None and not 0 <= position <= 10_000:
        raise InvalidInput(
            "{field} must be between {low} and {high}", field="position", low=0, high=10_000
        )
    async with db.transaction():
        await _lock_article(article_id)
        type_id = await case_type_id(code)
        if position is None:
            last = (
                await ArticleCaseType.select(ArticleCaseType.position)
                .where(ArticleCaseType.article == article_id)
                .order_by(ArticleCaseType.position, ascending=False)
                .first()
            )
            position = (last["position"] + 1) if last else 0
        existing = (
            await ArticleCaseType.select(ArticleCaseType.id)
            .where((ArticleCaseType.article == article_id) & (ArticleCaseType.case_type == type_id))
            .first()
        )
        if existing:
            await ArticleCaseType.update({ArticleCaseType.position: position}).where(
                ArticleCaseType.id == existing["id"]
            )
        else:
            await ArticleCaseType.insert(
                ArticleCaseType(article=article_id, case_type=type_id, position=position)
            )
        audit.record(
            actor,
            "knowledge.article.link",
            "kb_article",
            article_id,
            {"case_type": code, "position": position},
        )
    return await _links(article_id)


async def unlink_case_type(actor: str, article_id: int, code: str) -> None:
    """Remove the link between an article and a case type (404 if there is none)."""
    async with db.transaction():
        await _lock_article(article_id)
        type_id = await case_type_id(code)
        existing = (
            await ArticleCaseType.select(ArticleCaseType.id)
            .where((ArticleCaseType.article == article_id) & (ArticleCaseType.case_type == type_id))
            .first()
        )
        if existing is None:
            raise NotFound(
                "Article {id} is not linked to case type {case_type}", id=article_id, case_type=code
            )
        await ArticleCaseType.delete().where(ArticleCaseType.id == existing["id"])
        audit.record(
            actor, "knowledge.article.unlink", "kb_article", article_id, {"case_type": code}
        )


# --- reading --------------------------------------------------------------------------------


async def get_article(article_id: int, may_manage: bool) -> dict[str, Any]:
    """One article with its case types; drafts and archived ones only for managers."""
    row = await _visible_article(article_id, may_manage)
    return {**_public(row), "case_types": await _links(article_id)}


async def list_versions(article_id: int, may_manage: bool) -> list[dict[str, Any]]:
    """The article's versions, newest first (without their bodies)."""
    await _visible_article(article_id, may_manage)
    rows = (
        await ArticleVersion.select(
            ArticleVersion.version,
            ArticleVersion.title,
            ArticleVersion.author,
            ArticleVersion.created_at,
            ArticleVersion.comment,
        )
        .where(ArticleVersion.article == article_id)
        .order_by(ArticleVersion.version, ascending=False)
    )
    return [_times(row) for row in rows]


async def get_version(article_id: int, version: int, may_manage: bool) -> dict[str, Any]:
    """One version of an article, with its title and body as they were."""
    await _visible_article(article_id, may_manage)
    row = (
        await ArticleVersion.select(
            ArticleVersion.version,
            ArticleVersion.title,
            ArticleVersion.body,
            ArticleVersion.author,
            ArticleVersion.created_at,
            ArticleVersion.comment,
        )
        .where((ArticleVersion.article == article_id) & (ArticleVersion.version == version))
        .first()
    )
    if row is None:
        raise NotFound("Article {id} has no version {version}", id=article_id, version=version)
    return {"article": article_id, **_times(row)}


async def find_articles(
    *,
    q: str = "",
    may_manage: bool = False,
    kind: str | None = None,
    audience: str | None = None,
    status: str | None = None,
    language: str | None = None,
    case_type: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Search (``q``) or list articles with filters. Without ``may_manage`` only published
    articles are returned; asking for another status is then refused."""
    _check_metadata(kind, audience, language)
    if status is not None:
        _choice(status, STATUSES, "status")
        if status != "published" and not may_manage:
            raise Forbidden("Only knowledge managers may see drafts and archived articles")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            "{field} must be between {low} and {high}", field="limit", low=1, high=MAX_LIMIT
        )
    if offset < 0:
        raise InvalidInput("{field} must not be negative", field="offset")
    if status is not None:
        statuses: tuple[str, ...] = (status,)
    else:
        statuses = ("draft", "published") if may_manage else ("published",)
    type_id = await case_type_id(case_type, InvalidInput) if case_type else None
    filters = search.Filters(statuses, kind, audience, language, type_id)
    try:
        query = search.parse_query(q or "", language)
    except ValueError:
        raise InvalidInput(
            "The search text may be at most {limit} characters", limit=search.MAX_QUERY_CHARS
        ) from None
    if not (q or "").strip():
        return [_times(row) for row in await search.list_articles(filters, limit, offset)]
    return [_times(row) for row in await search.search(query, filters, limit, offset)]


async def articles_for_case_type(
    case_type_id: int, audience: str | None = None
) -> list[dict[str, Any]]:
    """The published articles linked to a case type, in link order (one query).

    Called when an agent chooses a case type on a contact; ``audience='public'`` limits the
    answer to what may be shown to citizens.
    """
    sql = (
        "SELECT a.id, a.kind, a.audience, a.language, a.title, a.body, a.version, "
        "l.position FROM kb_article_case_type l JOIN kb_article a ON a.id = l.article "
        "WHERE l.case_type = ? AND a.status = 'published'"
    )
    args: list[Any] = [case_type_id]
    if audience is not None:
        sql += " AND a.audience = ?"
        args.append(audience)
    return await raw.fetch(sql + " ORDER BY l.position, a.id", *args)


async def articles_for_case_type_code(code: str) -> list[dict[str, Any]]:
    """Like :func:`articles_for_case_type`, by case-type code (404 if unknown)."""
    return await articles_for_case_type(await case_type_id(code))
