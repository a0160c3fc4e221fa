"""Personnummer in registry texts: a public field may not carry one (422); in a protected
field each is replaced by a placeholder and the numbers are kept only encrypted (AES-GCM,
the core's field keys), put back for those allowed to read the protected text."""

from __future__ import annotations

import json
import re
from typing import Any

from personnummer import personnummer as _pnr

from core.secrets import fields
from plugins.diarium.registry.errors import Unprocessable

CANDIDATE = re.compile(r"(?<![\d-])((?:19|20)?\d{6}[-+ ]?\d{4})(?![\d])")
PLACEHOLDER = "[personnummer {n}]"
PLACEHOLDER_RE = re.compile(r"\[personnummer (\d+)\]")
CONTEXT = "diarium.personnummer"  # as registered for key rotation in tables.py


def found(text: str) -> list[str]:
    """The valid personnummer (and samordningsnummer) in ``text``."""
    out = []
    for match in CANDIDATE.finditer(text or ""):
        value = match.group(1).replace(" ", "")
        try:
            if _pnr.valid(value):
                out.append(match.group(1))
        except Exception:  # the package raises on odd input; not a number then
            continue
    return out


def refuse_in_public(values: dict[str, str]) -> None:
    """422 when a public field carries a personnummer."""
    for field, text in values.items():
        if found(text):
            raise Unprocessable(
                "The public field {field} contains a personnummer; put it in the protected text",
                field=field,
                location=("body", field),
            )


def seal(values: dict[str, str]) -> tuple[dict[str, str], str]:
    """The protected fields with each personnummer replaced by a placeholder, and the
    numbers encrypted (empty string when there were none)."""
    numbers: list[str] = []
    out = {}
    for field, text in values.items():

        def swap(match: re.Match[str]) -> str:
            value = match.group(1)
            try:
                if not _pnr.valid(value.replace(" ", "")):
                    return match.group(0)
            except Exception:
                return match.group(0)
            numbers.append(value)
            return PLACEHOLDER.format(n=len(numbers))

        out[field] = CANDIDATE.sub(swap, text or "")
    if not numbers:
        return out, ""
    return out, fields.encrypt(json.dumps(numbers), CONTEXT)


def unseal(values: dict[str, Any], cipher: str) -> dict[str, Any]:
    """The protected fields with their personnummer put back."""
    if not cipher:
        return values
    numbers = json.loads(fields.decrypt(cipher, CONTEXT))

    def back(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return numbers[n - 1] if 0 < n <= len(numbers) else match.group(0)

    return {k: PLACEHOLDER_RE.sub(back, v) if isinstance(v, str) else v for k, v in values.items()}
