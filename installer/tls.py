"""The appliance's TLS certificate: a self-signed one made with ``cryptography``, or the
municipality's own, checked before it is used."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 825  # the longest lifetime clients accept for a server certificate


class CertificateError(ValueError):
    """A certificate or key cannot be used; the message says which file and why."""


def make_self_signed(
    cert_path: Path, key_path: Path, names: list[str], days: int = VALID_DAYS
) -> x509.Certificate:
    """Write a new EC P-256 key (mode 0600) and a self-signed certificate for ``names``.

    ``names`` are DNS names or IP addresses; all go into the subjectAltName, the first is the
    common name. The certificate is its own trust anchor: clients pin or trust this file.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    dns = [x509.DNSName(n) for n in names if not _is_ip(n)]
    ips = [x509.IPAddress(ipaddress.ip_address(n)) for n in names if _is_ip(n)]
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kontaktcenter (self-signed)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(dns + ips), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(key_path, key_pem, 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert


def load_pair(cert_path: Path, key_path: Path) -> x509.Certificate:
    """Load a PEM certificate and unencrypted PEM key and check that they belong together."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CertificateError(f"{cert_path}: not a readable PEM certificate ({exc})") from exc
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CertificateError(
            f"{key_path}: not a readable, unencrypted PEM private key ({exc})"
        ) from exc
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, spki) != cert.public_key().public_bytes(der, spki):
        raise CertificateError(f"{key_path} is not the private key of {cert_path}")
    return cert


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as colon-separated hex (what browsers show)."""
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write atomically with ``mode`` from the start (never briefly world-readable)."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    """``python -m installer.tls make CERT KEY NAME… | check CERT KEY`` (used by the installer
    inside the installed virtual environment); prints the fingerprint and expiry."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    try:
        if len(args) >= 4 and args[0] == "make":
            cert = make_self_signed(Path(args[1]), Path(args[2]), args[3:])
        elif len(args) == 3 and args[0] == "check":
            cert = load_pair(Path(args[1]), Path(args[2]))
        else:
            raise CertificateError(
                "usage: python -m installer.tls make CERT KEY NAME... | check CERT KEY"
            )
    except (CertificateError, OSError) as exc:
        print(f"tls: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    until = cert.not_valid_after_utc.date().isoformat()
    print(f"SHA-256 fingerprint {fingerprint(cert)}, valid until {until}")


if __name__ == "__main__":
    main()
