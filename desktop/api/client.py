"""The appliance's HTTP API: sign-in, session renewal and the calls the desktop needs.

One :class:`ApiClient` per signed-in session. Every call goes through :meth:`request`, which
renews the session shortly before the token expires (``POST /api/v1/auth/renew`` swaps the
token for a fresh one; the password is never kept, not even in memory), turns transport
failures into :class:`Unreachable` and problem answers into :class:`ApiError`. A token the
server no longer accepts (revoked, expired) raises :class:`SessionExpired` and tells the
``on_expired`` listeners, which show the sign-in window again.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from desktop.api.address import normalise_address
from desktop.api.errors import ApiError, SessionExpired, Unreachable
from desktop.api.tls import PinnedCertificate

RENEW_BEFORE_SECONDS = 300
IDEMPOTENCY_HEADER = "Idempotency-Key"


def query(params: dict[str, Any]) -> dict[str, Any]:
    """A GET's query parameters without the empty ones (None, "", False)."""
    return {key: value for key, value in params.items() if value not in (None, "", False)}


class ApiClient:
    """A session with one appliance."""

    def __init__(
        self,
        address: str,
        pinned: PinnedCertificate | None = None,
        language: str = "sv",
        timeout: float = 10.0,
    ) -> None:
        self.base_url = normalise_address(address)
        self.pinned = pinned
        self.language = language
        self.token = ""
        self.expires_at = 0.0
        self.me: dict[str, Any] = {}
        self.on_expired: list[Callable[[], None]] = []
        self._renewing: Any = None
        verify: ssl.SSLContext | bool = pinned.context() if pinned else True
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, verify=verify)

    @property
    def signed_in(self) -> bool:
        return bool(self.token)

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.base_url)
        return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)

    def ssl_context(self) -> ssl.SSLContext | None:
        """For the websocket: the pinned context, the system's for https, None for http."""
        if self.pinned:
            return self.pinned.context()
        return ssl.create_default_context() if self.base_url.startswith("https") else None

    def permissions(self) -> frozenset[str]:
        return frozenset(self.me.get("permissions", ()))

    # --- session ---------------------------------------------------------------------------

    async def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """Sign in; returns ``/auth/me`` (the user and their permissions)."""
        answer = await self._send(
            "POST", "/api/v1/auth/login", json={"username": username, "password": password}
        )
        self._take(answer)
        self.me = await self.get("/api/v1/auth/me")
        return self.me

    def _take(self, answer: dict[str, Any]) -> None:
        self.token = answer["token"]
        self.expires_at = datetime.fromisoformat(answer["expires_at"]).timestamp()

    async def renew(self) -> None:
        """Swap the token for a fresh one before it expires (the server revokes the old one).

        Concurrent callers share one renewal. A 401 means the session is over: the token is
        dropped and the ``on_expired`` listeners are told (sign in again).
        """
        if not self.token:
            raise SessionExpired(401, {"detail": "not signed in"})
        if self._renewing is None:
            self._renewing = asyncio.ensure_future(self._renew())
            # its failure reaches every caller through the shield; marked as seen here, so a
            # renewal whose callers were all cancelled (the client closing) logs no
            # "exception was never retrieved"
            self._renewing.add_done_callback(lambda done: done.cancelled() or done.exception())
        renewing = self._renewing
        try:
            await asyncio.shield(renewing)
        finally:
            if renewing.done() and self._renewing is renewing:
                self._renewing = None

    async def _renew(self) -> None:
        try:
            answer = await self._send("POST", "/api/v1/auth/renew")
        except SessionExpired:
            self._expired()
            raise
        self._take(answer)

    def _expired(self) -> None:
        """The server refused the token: forget it and tell who shows the sign-in window."""
        if not self.token:
            return
        self.token = ""
        self.me = {}
        for listener in list(self.on_expired):
            try:
                listener()
            except Exception:  # a listener's failure must not hide the expiry
                logging.getLogger(__name__).exception("session expiry listener failed")

    async def sign_out(self) -> None:
        """Revoke the token and forget the credentials."""
        try:
            if self.token:
                await self._send("POST", "/api/v1/auth/logout")
        except (ApiError, Unreachable):
            pass
        finally:
            self.token = ""
            self.me = {}

    async def close(self) -> None:
        await self.http.aclose()

    # --- transport -------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        token: str | None = None,
        text: bool = False,
        binary: bool = False,
        **kwargs: Any,
    ) -> Any:
        headers = {"Accept-Language": self.language, **kwargs.pop("headers", {})}
        bearer = self.token if token is None else token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        try:
            response = await self.http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            cause: BaseException | None = exc
            while cause is not None:
                if isinstance(cause, ssl.SSLError):  # reached, but its certificate is untrusted
                    raise ssl.SSLError(str(cause)) from exc
                cause = cause.__cause__ or cause.__context__
            raise Unreachable(str(exc) or type(exc).__name__) from exc
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:200]}
            kind = SessionExpired if response.status_code == 401 and bearer else ApiError
            raise kind(response.status_code, problem if isinstance(problem, dict) else {})
        if text:
            return response.text
        if binary:
            return response.content
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """An authenticated call; renews the session when it is about to expire."""
        if self.token and self.expires_at - time.time() < RENEW_BEFORE_SECONDS:
            await self.renew()
        try:
            return await self._send(method, path, **kwargs)
        except SessionExpired:
            self._expired()  # revoked elsewhere (sign-out, password change, deactivation)
            raise

    async def get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params=query(params))

    async def get_text(self, path: str, **params: Any) -> str:
        """A GET whose answer is text (an HTML page), not JSON."""
        return await self.request("GET", path, params=query(params), text=True)

    async def get_bytes(self, path: str, **params: Any) -> bytes:
        """A GET whose answer is a file (a PDF), not JSON."""
        return await self.request("GET", path, params=query(params), binary=True)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return await self.request("POST", path, json=body, **kwargs)

    async def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return await self.request("PUT", path, json=body, **kwargs)

    # --- the calls the desktop makes ------------------------------------------------------

    async def every_page(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """The items of every page of a paged list, following ``next_cursor`` to the end."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = await self.get(path, cursor=cursor, limit=500, **params)
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items

    async def case_types(self) -> list[dict[str, Any]]:
        """Every case type, by code."""
        return await self.every_page("/api/v1/org/case-types")

    async def articles_for(self, case_type: str) -> list[dict[str, Any]]:
        return await self.get(f"/api/v1/knowledge/case-types/{case_type}/articles")

    async def search_articles(self, q: str, limit: int = 20) -> list[dict[str, Any]]:
        return await self.get("/api/v1/knowledge/articles", q=q, limit=limit)

    async def find_parties(self, **criteria: str) -> dict[str, Any]:
        return await self.get("/api/v1/parties", **criteria)

    async def register_contact(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        """Register a contact, exactly once per ``key`` (the server's Idempotency-Key)."""
        return await self.post("/api/v1/contacts", body, headers={IDEMPOTENCY_HEADER: key})

    async def cases(
        self,
        mine: bool = False,
        overdue: bool = False,
        cursor: str | None = None,
        limit: int = 100,
        **filters: Any,
    ) -> dict[str, Any]:
        """One page ``{"items", "next_cursor", "total"}`` of cases."""
        return await self.get(
            "/api/v1/cases", mine=mine, overdue=overdue, cursor=cursor, limit=limit, **filters
        )

    async def case(self, number: str) -> dict[str, Any]:
        return await self.get(f"/api/v1/cases/{number}")

    async def add_note(self, number: str, text: str, public: bool = False) -> dict[str, Any]:
        return await self.post(f"/api/v1/cases/{number}/notes", {"text": text, "public": public})

    async def change_status(
        self, number: str, status: str, public_text: str = "", reason: str = ""
    ) -> Any:
        """Change a case's status; ``reason`` is required by the server when it ends the case."""
        body = {"status": status, "public_text": public_text}
        if reason:
            body["reason"] = reason
        return await self.post(f"/api/v1/cases/{number}/status", body)

    async def forward(self, number: str, kind: str, target: str, reason: str) -> Any:
        return await self.post(
            f"/api/v1/cases/{number}/forward", {"kind": kind, "target": target, "reason": reason}
        )

    async def feedback(self, number: str, channel: str, text: str) -> Any:
        return await self.post(
            f"/api/v1/cases/{number}/feedback", {"channel": channel, "text": text}
        )

    async def callbacks(self) -> Any:
        return await self.get("/api/v1/callbacks")

    async def request_callback(self, phone: str, case: str | None, notes: str = "") -> Any:
        return await self.post("/api/v1/callbacks", {"phone": phone, "case": case, "notes": notes})
