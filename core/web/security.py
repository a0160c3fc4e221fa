"""Authentication middleware and the permission guard on every route.

Every handler declares either ``opt={"permission": "<name>"}`` or ``opt={"public": True}``;
:func:`check_routes` refuses to start an app with a handler that declares neither, so no
route can be left unguarded by accident.

The same guard refuses a query parameter the handler does not take (400
``unknown-parameter`` naming it and the valid ones), on every route of the core and of the
plugins. A handler that reads the query string itself lists the names it reads in
``opt={"query": ("name", ...)}`` (a controller's ``opt`` applies to all its handlers);
websockets may always pass ``token``.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.handlers import ASGIRouteHandler, WebsocketRouteHandler
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from core.auth import permissions
from core.auth.service import Principal, authenticate
from core.errors import UnknownParameter
from core.i18n import N_

SCHEMA_PATH = "/api/schema"


def bearer_token(connection: ASGIConnection) -> str:
    """The bearer token of a request; websockets may also pass it as ``?token=``."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    if connection.scope["type"] == "websocket":
        return connection.query_params.get("token", "")
    return ""


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    """Resolves ``Authorization: Bearer <token>`` (or ``?token=`` on websockets) to a Principal."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = bearer_token(connection)
        principal = await authenticate(token) if token else None
        if principal is None:
            raise NotAuthorizedException()
        return AuthenticationResult(user=principal, auth=token)


def is_framework_handler(handler: BaseRouteHandler) -> bool:
    """Litestar's automatic OPTIONS handlers (CORS pre-flight) carry no data."""
    methods = getattr(handler, "http_methods", None) or set()
    fn = getattr(handler, "fn", None)
    return (
        methods == {"OPTIONS"}
        and getattr(fn, "__name__", "") == "options_handler"
        and getattr(fn, "__module__", "").startswith("litestar.")
    )


class UnsupportedMediaType(HTTPException):
    """The request body is not in the media type the handler reads (415)."""

    status_code = 415


def body_media_type(handler: BaseRouteHandler) -> str | None:
    """The media type of the handler's ``data`` body (JSON unless marked otherwise), or None."""
    signature = getattr(handler, "parsed_fn_signature", None)
    field = signature.parameters.get("data") if signature is not None else None
    if field is None:
        return None
    media = getattr(field.kwarg_definition, "media_type", None) or RequestEncodingType.JSON
    return str(media.value if isinstance(media, RequestEncodingType) else media)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def check_media_type(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Refuse (415) a body that is not JSON for a handler that reads a JSON body.

    A request without a Content-Type is read as JSON (malformed JSON then gives 400).
    """
    if connection.scope["type"] != "http":
        return
    media = body_media_type(handler)
    if media != RequestEncodingType.JSON.value:
        return
    content_type = connection.headers.get("content-type", "")
    has_body = connection.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in connection.headers
    )
    if has_body and content_type and not _is_json(content_type):
        raise UnsupportedMediaType()


UNKNOWN_PARAMETER = N_("Unknown query parameter {name}; valid parameters: {valid}")
NO_PARAMETERS = N_("Unknown query parameter {name}; this endpoint takes no query parameters")
WEBSOCKET_QUERY = frozenset({"token"})

# handler -> the query parameter names it takes, or None for "any" (computed once)
_query_names: dict[BaseRouteHandler, frozenset[str] | None] = {}


def query_names(handler: BaseRouteHandler, path_params: set[str]) -> frozenset[str] | None:
    """The query parameter names ``handler`` takes (its signature, its dependencies and
    ``opt["query"]``), or None when it takes any (a ``query`` argument, an ASGI app)."""
    if handler in _query_names:
        return _query_names[handler]
    names: frozenset[str] | None
    if isinstance(handler, ASGIRouteHandler):
        names = None
    else:
        model = handler.create_kwargs_model(path_parameters=dict.fromkeys(path_params))
        if "query" in model.expected_reserved_kwargs:
            names = None
        else:
            names = frozenset(p.field_alias for p in model.expected_query_params)
            names |= frozenset(handler.opt.get("query", ()))
            if isinstance(handler, WebsocketRouteHandler):
                names |= WEBSOCKET_QUERY
    _query_names[handler] = names
    return names


def check_query(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Refuse (400) a query parameter that ``handler`` does not take."""
    query = connection.query_params
    if not query:
        return
    names = query_names(handler, set(connection.scope.get("path_params") or {}))
    if names is None:
        return
    for name in query:
        if name not in names:
            if names:
                raise UnknownParameter(
                    UNKNOWN_PARAMETER,
                    location=("query", name),
                    name=name,
                    valid=", ".join(sorted(names)),
                )
            raise UnknownParameter(NO_PARAMETERS, location=("query", name), name=name)


async def permission_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """App-wide guard: the signed-in user must hold the handler's permission, every query
    parameter must be one the handler takes, and a body must be in the media type the
    handler reads. (A coroutine: Litestar would run a plain function guard in a worker
    thread on every request.)"""
    if is_framework_handler(handler):
        return
    if connection.scope["path"].startswith(SCHEMA_PATH):
        return  # the OpenAPI document and its viewers are public documentation
    if not handler.opt.get("public"):
        needed = handler.opt.get("permission")
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal):
            raise NotAuthorizedException()
        if not needed or not principal.can(needed):
            raise PermissionDeniedException()
    check_query(connection, handler)
    check_media_type(connection, handler)


def principal_of(connection: ASGIConnection) -> Principal:
    """The signed-in user of a request (401 if there is none)."""
    user: Any = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException()
    return user


def check_routes(route_handlers: list[BaseRouteHandler]) -> None:
    """Raise if a handler declares no permission (nor public), or an unknown one."""
    for handler in route_handlers:
        if handler.opt.get("public") or is_framework_handler(handler):
            continue
        needed = handler.opt.get("permission")
        if not needed:
            raise RuntimeError(f"route {handler} declares no permission and is not public")
        if not permissions.known(needed):
            raise RuntimeError(f"route {handler} needs unknown permission {needed!r}")
