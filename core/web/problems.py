"""RFC 9457 problem details for every error, in Swedish or English (Accept-Language).

Domain errors, Litestar's HTTP and validation errors, malformed JSON, oversize bodies,
unsupported media types, unknown routes and wrong methods all become
``application/problem+json`` with a 4xx status; anything unexpected becomes a 500 problem
without internals, and is logged. Validation problems list the offending fields in
``errors`` (``field``, ``source``, ``message``).

Input the schemas did not bound but the database cannot take (an integer beyond 64 bits:
SQLite's ``OverflowError``; PostgreSQL's data exceptions such as "out of range" or a NUL
character) is the client's error, so it is a 400 problem too, never a 500.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from core.errors import DomainError
from core.i18n import N_, negotiate, translator
from core.web.enums import allowed_values

try:  # PostgreSQL's driver: a client-side conversion error and SQLSTATE class 22
    from asyncpg.exceptions import DataError as PostgresDataError
    from asyncpg.exceptions._base import DataError as PostgresArgumentError
except ImportError:  # pragma: no cover - asyncpg comes with piccolo[postgres]
    PostgresDataError = PostgresArgumentError = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://kontaktcenter.invalid/problems/"

HTTP_TITLES = {
    400: N_("Bad request"),
    401: N_("Not signed in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("The request body is too large"),
    415: N_("Unsupported media type"),
    422: N_("Invalid input"),
    423: N_("Locked"),
    429: N_("Too many requests"),
    500: N_("Internal error"),
    503: N_("Service unavailable"),
}
DEFAULT_TITLE = N_("Error")

# Detail text and problem code for Litestar's own HTTP errors, by status.
HTTP_DETAILS = {
    400: (N_("The request could not be understood"), "bad-request"),
    401: (N_("Sign in with a valid bearer token"), "unauthorized"),
    403: (N_("Your role does not allow this"), "forbidden"),
    404: (N_("There is no such resource: {path}"), "not-found"),
    405: (N_("The method {method} is not allowed here"), "method-not-allowed"),
    413: (N_("The request body is larger than allowed ({limit} bytes)"), "too-large"),
    415: (N_("Send the request body as JSON (Content-Type: application/json)"), "media-type"),
    429: (N_("Too many requests; wait a moment and try again"), "too-many-requests"),
    500: (N_("Something went wrong on the server; the error has been logged"), "internal"),
    503: (N_("The service is not available right now; try again later"), "unavailable"),
}
INVALID_DETAIL = N_("The request body or parameters are not valid")
MALFORMED_DETAIL = N_("The request body is not valid JSON")
TOO_DEEP_DETAIL = N_("The request body is nested too deeply")
BODY_REQUIRED = N_("A JSON request body is required")
CRASH_DETAIL = HTTP_DETAILS[500][0]
OUT_OF_RANGE_DETAIL = N_("A value in the request is out of range (too large a number?)")
NUL_MESSAGE = N_("The text must not contain NUL characters")
UNKNOWN_VALUE = N_("Unknown value {value}; valid values: {valid}")

# msgspec's message for a text refused by types.NO_NUL: "Expected `str` matching regex '…'"
_NUL_RULE = re.compile(r"matching regex '\^\[\^\\+x00\]")
_BAD_ENUM = re.compile(r"Invalid enum value (.*)$")
_FIELD_IN_MESSAGE = re.compile(r"(unknown|missing required) field `([^`]*)`")


def language_of(request: Request) -> str:
    """The response language: Accept-Language (sv or en), else the installation's default."""
    default = getattr(request.app.state, "default_language", "sv")
    return negotiate(request.headers.get("accept-language"), default)


def problem(
    request: Request, status: int, code: str, detail: str, **extra: Any
) -> Response[dict[str, Any]]:
    """A problem-details response; ``detail`` must already be translated."""
    lang = language_of(request)
    _ = translator(lang)
    body = {
        "type": TYPE_BASE + code,
        "title": _(HTTP_TITLES.get(status, DEFAULT_TITLE)),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"Content-Language": lang}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = "1"
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def validation_errors(exc: ValidationException, _, handler: Any = None) -> list[dict[str, Any]]:
    """The offending fields of a Litestar validation error, one dict per field; an unknown
    value of a closed list names the valid ones (looked up in ``handler``'s schema)."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key", ""))
        message = str(item.get("message", ""))
        source = item.get("source", "body" if key == "data" else "")
        source = str(getattr(source, "value", source))
        found = _FIELD_IN_MESSAGE.search(message)
        if found and key in ("", "data"):
            key = found.group(2)
        elif key == "data" and message.strip("'\"") == "data":
            key, message = "", _(BODY_REQUIRED)  # no body at all (a KeyError from Litestar)
        if _NUL_RULE.search(message):
            message = _(NUL_MESSAGE)
        elif found_enum := _BAD_ENUM.match(message):
            valid = allowed_values(handler, source, key)
            if valid:
                message = _(UNKNOWN_VALUE).format(
                    value=found_enum.group(1), valid=", ".join(str(v) for v in valid)
                )
        entry = {"field": key, "message": message}
        if source:
            entry["source"] = source
        errors.append(entry)
    return errors


def handle_domain(request: Request, exc: DomainError) -> Response:
    """A service refused: its English message is the msgid of the translated detail."""
    _ = translator(language_of(request))
    detail = exc.render(_)
    if exc.location is None:
        return problem(request, exc.status, exc.code, detail)
    source, field = exc.location
    errors = [{"field": field, "source": source, "message": detail}]
    return problem(request, exc.status, exc.code, detail, errors=errors)


def handle_http(request: Request, exc: HTTPException) -> Response:
    """Litestar's own errors (routing, validation, body parsing, auth) as problems."""
    _ = translator(language_of(request))
    status = exc.status_code
    if isinstance(exc, ValidationException):
        errors = validation_errors(exc, _, request.scope.get("route_handler"))
        return problem(request, 400, "invalid-input", _(INVALID_DETAIL), errors=errors)
    if status == 400 and isinstance(exc.__cause__, SerializationException):
        errors = [{"field": "", "source": "body", "message": str(exc.__cause__)}]
        return problem(request, 400, "malformed-json", _(MALFORMED_DETAIL), errors=errors)
    if status >= 500:
        log.error("server error %s on %s %s: %s", status, request.method, request.url.path, exc)
    template, code = HTTP_DETAILS.get(status, (None, "http-error"))
    if template is None:
        detail = _(HTTP_TITLES.get(status, DEFAULT_TITLE))
    else:
        settings = getattr(request.app.state, "settings", None)
        detail = _(template).format(
            path=request.url.path,
            method=request.method,
            limit=getattr(settings, "max_body_bytes", "?"),
        )
    response = problem(request, status, code, detail)
    response.headers.update(dict(exc.headers or {}))
    return response


def handle_crash(request: Request, exc: Exception) -> Response:
    """Anything unexpected: logged with its traceback, answered without internals.

    The one expected case is a JSON body nested so deeply that the decoder gives up: 400.
    """
    if isinstance(exc, RecursionError) and "deserializ" in str(exc):
        _ = translator(language_of(request))
        errors = [{"field": "", "source": "body", "message": str(exc)}]
        return problem(request, 400, "malformed-json", _(TOO_DEEP_DETAIL), errors=errors)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    _ = translator(language_of(request))
    return problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal", _(CRASH_DETAIL))


def handle_out_of_range(request: Request, exc: Exception) -> Response:
    """A value the database cannot take (a number beyond 64 bits, a NUL in PostgreSQL): 400."""
    log.info("input out of range on %s %s: %s", request.method, request.url.path, exc)
    _ = translator(language_of(request))
    return problem(request, 400, "out-of-range", _(OUT_OF_RANGE_DETAIL))


EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    DomainError: handle_domain,
    HTTPException: handle_http,
    OverflowError: handle_out_of_range,
    Exception: handle_crash,
}
if PostgresDataError is not None:
    EXCEPTION_HANDLERS[PostgresDataError] = handle_out_of_range
    EXCEPTION_HANDLERS[PostgresArgumentError] = handle_out_of_range

__all__ = ["EXCEPTION_HANDLERS", "HTTP_TITLES", "MediaType", "PROBLEM_JSON", "problem"]
