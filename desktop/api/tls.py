"""Trusting an appliance's self-signed certificate by its SHA-256 fingerprint.

The installer prints the fingerprint (``AB:CD:…``). The client reads the server's certificate
once, compares its fingerprint with the one the user typed, and then trusts exactly that
certificate as its only authority: every connection is verified in full (chain and host
name), nothing is ever accepted unchecked.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from dataclasses import dataclass


class FingerprintMismatch(ssl.SSLError):
    """The server showed a certificate other than the one the user trusts."""


def normalise(fingerprint: str) -> str:
    """``ab cd:EF…`` → ``ABCDEF…`` (64 hex digits), or ValueError."""
    digits = "".join(char for char in fingerprint.upper() if char in "0123456789ABCDEF")
    if len(digits) != 64:
        raise ValueError("a SHA-256 fingerprint has 64 hexadecimal digits")
    return digits


def fingerprint_of(der: bytes) -> str:
    """The colon-separated SHA-256 fingerprint of a DER certificate (as the installer prints)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, 64, 2))


def fetch_certificate(host: str, port: int, timeout: float = 5.0) -> bytes:
    """The DER certificate the server presents (read only to compare its fingerprint)."""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE  # reading the certificate only; nothing is sent
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        probe.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the server presented no certificate")
    return der


@dataclass(frozen=True)
class PinnedCertificate:
    """A certificate the user trusts, and the SSL context that trusts only it."""

    der: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.der)

    def context(self) -> ssl.SSLContext:
        """Full verification (chain and host name) against this certificate alone."""
        context = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(self.der))
        context.check_hostname = True
        context.verify_mode = ssl.CERT_REQUIRED
        return context


def pin(host: str, port: int, expected: str) -> PinnedCertificate:
    """Read the server's certificate and pin it if its fingerprint is ``expected``."""
    der = fetch_certificate(host, port)
    if fingerprint_of(der).replace(":", "") != normalise(expected):
        raise FingerprintMismatch(
            f"the server's certificate has the fingerprint {fingerprint_of(der)}"
        )
    return PinnedCertificate(der)
