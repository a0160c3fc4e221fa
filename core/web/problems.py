"""RFC 9457 problem details for every error, in Swedish or English (Accept-Language).

Domain errors, Litestar's HTTP and validation errors, oversize bodies and unknown routes all
become ``application/problem+json``; anything unexpected becomes a 500 problem without
internals, and is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from core.errors import DomainError
from core.i18n import negotiate, translator

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://kontaktcenter.invalid/problems/"

HTTP_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "The request body is too large",
    415: "Unsupported media type",
    422: "Invalid input",
    423: "Locked",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def language_of(request: Request) -> str:
    default = getattr(request.app.state, "default_language", "sv")
    return negotiate(request.headers.get("accept-language"), default)


def problem(
    request: Request, status: int, code: str, detail: str, **extra: Any
) -> Response[dict[str, Any]]:
    _ = translator(language_of(request))
    body = {
        "type": TYPE_BASE + code,
        "title": _(HTTP_TITLES.get(status, "Error")),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"Content-Language": language_of(request)}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: ValidationException, _) -> list[dict[str, Any]]:
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            errors.append(
                {"field": item.get("key", ""), "message": _(str(item.get("message", "")))}
            )
    return errors


def handle_domain(request: Request, exc: DomainError) -> Response:
    _ = translator(language_of(request))
    return problem(request, exc.status, exc.code, exc.render(_))


def handle_http(request: Request, exc: HTTPException) -> Response:
    _ = translator(language_of(request))
    status = exc.status_code
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc, _)
        detail = _("The request body or parameters are not valid")
        return problem(request, 400, "invalid-input", detail, errors=errors)
    detail_map = {
        401: "Sign in with a valid bearer token",
        403: "Your role does not allow this",
        404: "There is no such resource: {path}",
        405: "This method is not allowed here",
        413: "The request body is larger than allowed",
    }
    template = detail_map.get(status)
    detail = _(template).format(path=request.url.path) if template else _(str(exc.detail))
    code = {
        401: "unauthorized",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        413: "too-large",
    }.get(status, "http-error")
    headers = dict(exc.headers or {})
    response = problem(request, status, code, detail)
    response.headers.update(headers)
    return response


def handle_crash(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    _ = translator(language_of(request))
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal",
        _("Something went wrong on the server; the error has been logged"),
    )


EXCEPTION_HANDLERS = {
    DomainError: handle_domain,
    HTTPException: handle_http,
    Exception: handle_crash,
}

__all__ = ["EXCEPTION_HANDLERS", "MediaType", "PROBLEM_JSON", "problem"]
