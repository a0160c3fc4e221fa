"""Domain errors. Services raise these; the web layer turns them into RFC 9457 problems and
the CLI into one line on stderr. ``message`` is English with ``{placeholders}`` and doubles as
the gettext msgid, so the same error reads in Swedish or English."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: ``code`` is a stable slug used in the problem ``type`` URI."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        problem_type: str | None = None,
        location: tuple[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params
        # (source, field) of the offending input, e.g. ("query", "limit"): listed in the
        # problem's ``errors`` when given
        self.location = location
        if problem_type:
            self.code = problem_type

    def render(self, translate) -> str:
        """The message in the language of ``translate`` (a gettext-style function)."""
        text = translate(self.message)
        try:
            return text.format(**self.params)
        except (KeyError, IndexError):
            return self.message.format(**self.params)


class InvalidInput(DomainError):
    status = 400
    code = "invalid-input"


class UnknownParameter(InvalidInput):
    """A query parameter the endpoint does not take (never silently ignored)."""

    code = "unknown-parameter"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not-found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Locked(DomainError):
    status = 423
    code = "locked"


class TooManyRequests(DomainError):
    status = 429
    code = "too-many-requests"


class Unavailable(DomainError):
    """Temporarily unable to serve (e.g. the database stayed busy); try again shortly."""

    status = 503
    code = "unavailable"
