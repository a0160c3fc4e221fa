"""The registry's own error kinds (the core's cover 400/404/409)."""

from __future__ import annotations

from core.errors import DomainError


class Unprocessable(DomainError):
    """Well-formed input that breaks a rule of the registry (HTTP 422)."""

    status = 422
    code = "unprocessable"
