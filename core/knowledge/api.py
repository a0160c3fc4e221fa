"""HTTP API of answer support: articles for staff under /api/v1/knowledge, and a read-only
search of published public articles for citizens under /api/v1/public/knowledge."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromQuery, JSONBody

from core.errors import NotFound
from core.knowledge import search, service
from core.web.security import principal_of
from core.web.types import IdPath, Offset, bounded_int, query_int, query_text, text, text_path

MANAGE = "knowledge.manage"

# the closed lists of core.knowledge.service, as enums in the OpenAPI document
Kind = Literal["faq", "checklist", "script"]
Audience = Literal["internal", "public"]
Status = Literal["draft", "published", "archived"]
Language = Literal["sv", "en"]
Title = text(service.MAX_TITLE)
Body = text(service.MAX_BODY)
Comment = text(service.MAX_COMMENT)
Code = Annotated[str, text_path(60)]
CaseTypes = Annotated[list[text(60)], msgspec.Meta(max_length=100)]
Limit = Annotated[int, query_int(1, service.MAX_LIMIT)]
Version = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class NewArticle(msgspec.Struct, forbid_unknown_fields=True):
    kind: Kind
    title: Title
    body: Body
    audience: Audience = "internal"
    language: Language = "sv"
    status: Status = "draft"
    comment: Comment = ""
    case_types: CaseTypes = msgspec.field(default_factory=list)


class ArticleEdit(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | None = None
    body: Body | None = None
    kind: Kind | None = None
    audience: Audience | None = None
    language: Language | None = None
    comment: Comment = ""
    version: Version | None = None  # the version being edited; 409 if the article moved on


class CaseTypeLink(msgspec.Struct, forbid_unknown_fields=True):
    case_type: text(60)
    position: bounded_int(0, 10_000) | None = None


def _may_manage(request: Request) -> bool:
    return principal_of(request).can(MANAGE)


class KnowledgeController(Controller):
    path = "/api/v1/knowledge"
    tags = ["knowledge"]

    @get(
        "/articles",
        opt={"permission": "knowledge.read"},
        summary="Search (q) or list knowledge articles",
    )
    async def find_articles(
        self,
        request: Request,
        q: Annotated[str, query_text(search.MAX_QUERY_CHARS)] = "",
        kind: FromQuery[Kind | None] = None,
        audience: FromQuery[Audience | None] = None,
        status: FromQuery[Status | None] = None,
        language: FromQuery[Language | None] = None,
        case_type: Annotated[str | None, query_text(60)] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> list[dict[str, Any]]:
        return await service.find_articles(
            q=q,
            may_manage=_may_manage(request),
            kind=kind,
            audience=audience,
            status=status,
            language=language,
            case_type=case_type,
            limit=limit,
            offset=offset,
        )

    @post("/articles", opt={"permission": MANAGE}, summary="Create an article (version 1)")
    async def create_article(self, request: Request, data: JSONBody[NewArticle]) -> dict[str, Any]:
        return await service.create_article(
            principal_of(request).username,
            kind=data.kind,
            title=data.title,
            body=data.body,
            audience=data.audience,
            language=data.language,
            status=data.status,
            comment=data.comment,
            case_types=data.case_types,
        )

    @get(
        "/articles/{article_id:int}",
        opt={"permission": "knowledge.read"},
        summary="One article with its case types",
    )
    async def get_article(self, request: Request, article_id: IdPath) -> dict[str, Any]:
        return await service.get_article(article_id, _may_manage(request))

    @patch(
        "/articles/{article_id:int}",
        opt={"permission": MANAGE},
        summary="Edit an article (makes a new version)",
    )
    async def update_article(
        self, request: Request, article_id: IdPath, data: JSONBody[ArticleEdit]
    ) -> dict[str, Any]:
        return await service.update_article(
            principal_of(request).username,
            article_id,
            title=data.title,
            body=data.body,
            kind=data.kind,
            audience=data.audience,
            language=data.language,
            comment=data.comment,
            expected_version=data.version,
        )

    @get(
        "/articles/{article_id:int}/versions",
        opt={"permission": "knowledge.read"},
        summary="The versions of an article, newest first",
    )
    async def list_versions(self, request: Request, article_id: IdPath) -> list[dict[str, Any]]:
        return await service.list_versions(article_id, _may_manage(request))

    @get(
        "/articles/{article_id:int}/versions/{version:int}",
        opt={"permission": "knowledge.read"},
        summary="One version of an article",
    )
    async def get_version(
        self, request: Request, article_id: IdPath, version: IdPath
    ) -> dict[str, Any]:
        return await service.get_version(article_id, version, _may_manage(request))

    @post(
        "/articles/{article_id:int}/publish",
        opt={"permission": MANAGE},
        status_code=200,
        summary="Publish an article",
    )
    async def publish(self, request: Request, article_id: IdPath) -> dict[str, Any]:
        return await service.set_status(principal_of(request).username, article_id, "published")

    @post(
        "/articles/{article_id:int}/archive",
        opt={"permission": MANAGE},
        status_code=200,
        summary="Archive an article (no longer shown to agents)",
    )
    async def archive(self, request: Request, article_id: IdPath) -> dict[str, Any]:
        return await service.set_status(principal_of(request).username, article_id, "archived")

    @post(
        "/articles/{article_id:int}/case-types",
        opt={"permission": MANAGE},
        status_code=200,
        summary="Link an article to a case type (or move the link)",
    )
    async def link_case_type(
        self, request: Request, article_id: IdPath, data: JSONBody[CaseTypeLink]
    ) -> list[dict[str, Any]]:
        return await service.link_case_type(
            principal_of(request).username, article_id, data.case_type, data.position
        )

    @delete(
        "/articles/{article_id:int}/case-types/{code:str}",
        opt={"permission": MANAGE},
        status_code=204,
        summary="Unlink an article from a case type",
    )
    async def unlink_case_type(self, request: Request, article_id: IdPath, code: Code) -> None:
        await service.unlink_case_type(principal_of(request).username, article_id, code)

    @get(
        "/case-types/{code:str}/articles",
        opt={"permission": "knowledge.read"},
        summary="The published articles linked to a case type, in order",
    )
    async def for_case_type(self, code: Code) -> list[dict[str, Any]]:
        return await service.articles_for_case_type_code(code)


PUBLIC_FIELDS = ("id", "kind", "language", "title", "snippet", "highlights", "title_highlights")


class PublicKnowledgeController(Controller):
    path = "/api/v1/public/knowledge"
    tags = ["public"]

    @get("/", opt={"public": True}, summary="Search the published public articles")
    async def search_public(
        self,
        q: Annotated[str, query_text(search.MAX_QUERY_CHARS)] = "",
        language: FromQuery[Language | None] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> list[dict[str, Any]]:
        rows = await service.find_articles(
            q=q, audience="public", language=language, limit=limit, offset=offset
        )
        return [{key: row[key] for key in PUBLIC_FIELDS if key in row} for row in rows]

    @get("/{article_id:int}", opt={"public": True}, summary="One published public article")
    async def get_public(self, article_id: IdPath) -> dict[str, Any]:
        row = await service.get_article(article_id, may_manage=False)
        if row["audience"] != "public":
            raise NotFound("There is no knowledge article {id}", id=article_id)
        return {key: row[key] for key in ("id", "kind", "language", "title", "body", "version")}
