"""The OpenAPI document tells the truth about errors and security, in one place.

Litestar documents each operation's success response from its handler; this module then
finishes the document once, for every route of the core and the plugins:

- every 4xx the app can answer is an RFC 9457 problem (``application/problem+json``, the
  ``Problem`` schema), replacing Litestar's own ``application/json`` validation error;
- public operations (``opt={"public": True}``) carry ``security: []``, so the document
  says which operations need the bearer token, and only those list 403;
- ``opt["media_types"]`` names the media types of a success answer that is not JSON (a
  CSV export, a chart), documented as a string or binary document in each;
- ``opt["problem_media_types"]`` lists further media types an operation's 4xx answers
  come in (Open311 answers errors as GeoReport documents in JSON or XML).
"""

from __future__ import annotations

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute

from core.web.problems import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    description="An RFC 9457 problem; further members may follow (e.g. `existing_id`).",
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="A URI naming the problem"),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
        "detail": Schema(type=OpenAPIType.STRING),
        "instance": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            description="The offending inputs",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={
                    "field": Schema(type=OpenAPIType.STRING),
                    "source": Schema(type=OpenAPIType.STRING),
                    "message": Schema(type=OpenAPIType.STRING),
                },
            ),
        ),
    },
)

# status -> description, for every operation; 401 and 403 only where a token is needed,
# 413 and 415 only where a body is read
PROBLEMS = {
    400: "Invalid input (the problem's `errors` name the fields)",
    401: "Not signed in: no valid bearer token (or, signing in, wrong credentials)",
    403: "The signed-in role does not allow this",
    404: "No such resource",
    409: "Conflict with the current state",
    413: "The request body is too large",
    415: "The request body is not JSON",
    422: "The request cannot be carried out as asked",
    423: "Locked",
    429: "Too many requests; wait and try again",
    503: "Temporarily unavailable (e.g. the database is busy); try again",
}
SIGNED_IN_ONLY = {403}
BODY_ONLY = {413, 415}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def _problem_response(description: str, media_types: tuple[str, ...]) -> OpenAPIResponse:
    content = {PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref=PROBLEM_REF))}
    for media in media_types:
        content[media] = OpenAPIMediaType(schema=Schema())
    return OpenAPIResponse(description=description, content=content)


def _document(media_type: str) -> Schema:
    """Text formats as a string, others (images, spreadsheets) as binary."""
    textual = media_type.startswith("text/") or media_type.endswith(("json", "+xml"))
    return Schema(type=OpenAPIType.STRING, format=None if textual else "binary")


def _handlers_by_operation(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    pairs: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for method, (handler, _) in route.route_handler_map.items():
                pairs[(route.path_format or "/", method.lower())] = handler
    return pairs


def finish(openapi: OpenAPI, app: Litestar) -> OpenAPI:
    """Document problems, security and media types on every operation of ``openapi``."""
    if openapi.components.schemas is None:
        openapi.components.schemas = {}
    openapi.components.schemas["Problem"] = PROBLEM_SCHEMA
    handlers = _handlers_by_operation(app)
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            handler = handlers.get((path, method))
            if operation is None or handler is None:
                continue
            public = bool(handler.opt.get("public"))
            if public:
                operation.security = []
            responses = operation.responses if operation.responses is not None else {}
            media_types = tuple(handler.opt.get("media_types", ()))
            for code, response in responses.items():
                if code.startswith("2") and media_types and isinstance(response, OpenAPIResponse):
                    response.content = {
                        m: OpenAPIMediaType(schema=_document(m)) for m in media_types
                    }
            problem_media = tuple(handler.opt.get("problem_media_types", ()))
            for status, description in PROBLEMS.items():
                if public and status in SIGNED_IN_ONLY:
                    continue
                if status in BODY_ONLY and method.upper() not in BODY_METHODS:
                    continue
                if PROBLEM_JSON in (getattr(responses.get(str(status)), "content", None) or {}):
                    continue  # the route documents this problem itself (extension members)
                responses[str(status)] = _problem_response(description, problem_media)
            operation.responses = responses
    return openapi


class FinishedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, finishing each document it builds with :func:`finish`."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        return finish(super()._build_openapi(), self.app)


def install(app: Litestar) -> None:
    """Make ``app``'s OpenAPI document go through :func:`finish` whenever it is built.

    Litestar creates its OpenAPI plugin itself (and the plugin has ``__slots__``), so the
    instance is given the subclass above; it builds and rebuilds the document as before.
    """
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = FinishedOpenAPIPlugin
