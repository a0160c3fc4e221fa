"""Helpers for the party tests: fresh valid identity numbers, a case type, registration."""

from __future__ import annotations

import itertools
import random
import uuid

import pytest

from core.org import service as org

_serials = itertools.count(random.SystemRandom().randrange(100, 800))


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits`` (personnummer and organisationsnummer)."""
    total = 0
    for position, char in enumerate(digits):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def new_personnummer(day: int = 0) -> str:
    """A valid personnummer nobody else in the test session has (YYYYMMDD-NNNC)."""
    serial = next(_serials)
    year, month, date = 1950 + serial % 50, 1 + serial % 12, 1 + (serial // 12 + day) % 28
    base = f"{year % 100:02d}{month:02d}{date:02d}{serial % 1000:03d}"
    return f"{year}{month:02d}{date:02d}-{base[6:]}{luhn_digit(base)}"


def new_org_number() -> str:
    """A valid organisationsnummer (NNNNNN-NNNC, third digit at least 2)."""
    serial = next(_serials)
    base = f"55{6 + serial % 4}{serial % 1000:03d}{random.randrange(1000):03d}"
    return f"{base[:6]}-{base[6:]}{luhn_digit(base)}"


def unique_name(first: str = "Test") -> str:
    return f"{first} {uuid.uuid4().hex[:10]}"


async def register(client, headers, **body):
    """POST /api/v1/contacts (a phone contact unless the body says otherwise)."""
    return await client.post("/api/v1/contacts", json={"channel": "phone", **body}, headers=headers)


@pytest.fixture(scope="session")
async def case_type(client, role_users) -> str:
    """The code of a case type the contact center may close."""
    suffix = uuid.uuid4().hex[:6]
    dept = f"PTY{suffix.upper()}"
    await org.save_department("test", dept, {"name_sv": "Parter", "name_en": "Parties"})
    code = f"fraga-{suffix}"
    await org.save_case_type(
        "test", code, {"name_sv": "Fråga", "department": dept, "rosa_level": 1}
    )
    return code
