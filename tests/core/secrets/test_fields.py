"""Field encryption (AES-256-GCM, versioned keys, context as AAD) and the blind index."""

from __future__ import annotations

import base64
import re

import pytest

from core.secrets import fields

pytestmark = pytest.mark.usefixtures("runtime")

PNR = "197001011234"


def raw(ciphertext: str) -> bytes:
    body = ciphertext.partition(":")[2]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def test_decrypt_of_encrypt_gives_the_plaintext() -> None:
    for value in (PNR, "", "Åsa Öberg, Storgatan 1", "x" * 5000):
        ciphertext = fields.encrypt(value, "party.pnr")
        assert ciphertext.startswith(f"v{fields.current_field_version()}:")
        assert fields.decrypt(ciphertext, "party.pnr") == value
        assert value == "" or value not in ciphertext


def test_every_encryption_uses_a_fresh_nonce() -> None:
    made = [fields.encrypt(PNR, "party.pnr") for _ in range(20)]
    assert len(set(made)) == 20
    assert len({raw(c)[:12] for c in made}) == 20
    assert all(fields.decrypt(c, "party.pnr") == PNR for c in made)


def test_wrong_context_or_tampering_fails() -> None:
    ciphertext = fields.encrypt(PNR, "party.pnr")
    with pytest.raises(fields.DecryptionError):
        fields.decrypt(ciphertext, "party.phone")
    with pytest.raises(fields.DecryptionError):
        fields.decrypt(ciphertext)
    body = bytearray(raw(ciphertext))
    body[15] ^= 1
    tampered = ciphertext.partition(":")[0] + ":" + base64.urlsafe_b64encode(body).decode()
    with pytest.raises(fields.DecryptionError):
        fields.decrypt(tampered, "party.pnr")
    with pytest.raises(fields.DecryptionError, match="key v999"):
        fields.decrypt("v999:" + ciphertext.partition(":")[2], "party.pnr")
    for junk in ("197001011234", "v1", "vx:abc", "v1:!!!"):
        with pytest.raises(fields.DecryptionError):
            fields.decrypt(junk, "party.pnr")


def test_blind_index_is_deterministic_and_reveals_nothing() -> None:
    first = fields.blind_index(PNR)
    assert first == fields.blind_index(PNR)
    assert first != fields.blind_index("197001011242")
    assert re.fullmatch(r"\d+:[0-9a-f]{64}", first)
    digest = first.partition(":")[2]
    assert PNR not in first
    assert PNR.encode().hex() not in digest
    assert fields.index_version_of(first) == fields.current_index_version()
    assert first in fields.blind_indexes(PNR)


def test_encrypted_field_normalises_before_indexing() -> None:
    field = fields.EncryptedField(
        table=None, column="pnr", context="t.pnr", normalise=lambda v: v.replace("-", "")
    )
    assert field.index("19700101-1234") == field.index("197001011234")
    assert field.decrypt(field.encrypt("19700101-1234")) == "19700101-1234"
    with pytest.raises(fields.DecryptionError):
        fields.decrypt(field.encrypt(PNR), "other.context")
