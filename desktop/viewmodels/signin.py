"""The sign-in form's rules, and signing in (pinning a self-signed certificate by its
fingerprint). Kept light: the HTTP client is imported only when the user signs in, so the
sign-in window opens fast."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from desktop.api import tls
from desktop.api.address import normalise_address
from desktop.i18n import _

if TYPE_CHECKING:
    from desktop.api.client import ApiClient


class SignInModel:
    """The sign-in form's rules."""

    def __init__(self, language: str = "sv") -> None:
        self.language = language

    def problems(self, address: str, username: str, password: str, fingerprint: str) -> list[str]:
        found = []
        if not address.strip():
            found.append(_("Give the server's address."))
        if not username.strip() or not password:
            found.append(_("Give your username and password."))
        if fingerprint.strip():
            try:
                tls.normalise(fingerprint)
            except ValueError:
                found.append(_("The fingerprint has 64 hexadecimal digits (AB:CD:…)."))
            if not normalise_address(address).startswith("https://"):
                found.append(_("A fingerprint needs an https:// address."))
        return found

    async def sign_in(
        self, address: str, username: str, password: str, fingerprint: str = ""
    ) -> ApiClient:
        """An open, signed-in client; raises ApiError, Unreachable or ssl errors."""
        from desktop.api.client import ApiClient

        pinned = None
        if fingerprint.strip():
            host, port = ApiClient(address).host_port
            pinned = await asyncio.to_thread(tls.pin, host, port, fingerprint)
        client = ApiClient(address, pinned=pinned, language=self.language)
        try:
            await client.sign_in(username.strip(), password)
        except BaseException:
            await client.close()
            raise
        return client
