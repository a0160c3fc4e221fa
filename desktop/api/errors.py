"""What can go wrong talking to the appliance."""

from __future__ import annotations

from typing import Any


class Unreachable(Exception):
    """The server did not answer (network down, server stopped, timeout)."""


class ApiError(Exception):
    """The server answered with a problem (RFC 9457 problem details)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.detail = str(problem.get("detail") or problem.get("title") or status)
        super().__init__(f"{status}: {self.detail}")

    @property
    def retryable(self) -> bool:
        """Worth sending again later (busy, throttled, server-side failure)."""
        return self.status in (408, 425, 429) or self.status >= 500


class SessionExpired(ApiError):
    """The token is no longer valid and could not be renewed: sign in again."""
