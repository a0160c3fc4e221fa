"""Suggestions read from a letter's text: sender, subject, the letter's own date, and the
personnummer in it (validated with the ``personnummer`` package, Luhn and date).

Plain heuristics over the layout of a Swedish letter (the sender's address block with a
postal code, "Ärende:"/"Angående" lines, the signature after "Med vänlig hälsning"); the
registrator checks every suggestion before registering.
"""

from __future__ import annotations

import re
from datetime import date

from personnummer import personnummer as pnr

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "january", "jan"),
            ("februari", "february", "feb"),
            ("mars", "march", "mar"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("augusti", "august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
CANDIDATE = re.compile(r"(?<![\d-])((?:19|20)?\d{6})\s?([-+])?\s?(\d{4})(?![\d-])")
ISO_DATE = re.compile(r"(?<!\d)(20\d{2})-(\d{2})-(\d{2})(?!\d)")
WORD_DATE = re.compile(r"(?<!\d)(\d{1,2})\s+([A-Za-zåäöÅÄÖ]{3,9})\.?\s+(20\d{2})(?!\d)")
POSTAL = re.compile(r"(?<!\d)\d{3}\s?\d{2}\s+\S")
SUBJECT = re.compile(
    r"^\s*(?:ärende|angående|ang\.?|betr(?:äffande)?\.?|rubrik|ämne|re|subject)\s*[:.]\s*(.+)$",
    re.IGNORECASE,
)
CLOSING = re.compile(
    r"^\s*(?:med\s+vänlig(?:a)?\s+hälsning(?:ar)?|vänliga\s+hälsningar|hälsningar|mvh"
    r"|kind\s+regards|best\s+regards|regards)\s*[,!.]?\s*$",
    re.IGNORECASE,
)
SALUTATION = re.compile(r"^\s*(?:hej|hejsan|god\s+dag|till|dear|hello)\b.*$", re.IGNORECASE)
MAX_SUGGESTION = 300


def personnummer(text: str) -> list[str]:
    """The valid personnummer and samordningsnummer in ``text``, as 12 digits, unique, in order
    of appearance."""
    found: list[str] = []
    for match in CANDIDATE.finditer(text):
        number = _valid(match)
        if number and number not in found:
            found.append(number)
    return found


def _valid(match: re.Match[str]) -> str | None:
    digits, sep, last = match.group(1), match.group(2) or "-", match.group(3)
    try:
        parsed = pnr.parse(f"{digits}{sep}{last}")
    except Exception:  # PersonnummerException and friends: not a valid number
        return None
    return parsed.format(True)


def mask(number: str) -> str:
    """A personnummer shown masked: the date part, the last four digits hidden
    (``19811218-****``)."""
    digits = re.sub(r"\D", "", number)
    return f"{digits[:8]}-****" if len(digits) == 12 else "********-****"


def masked_text(text: str) -> str:
    """``text`` with every valid personnummer in it masked (the stored, searchable text)."""

    def replace(match: re.Match[str]) -> str:
        number = _valid(match)
        return mask(number) if number else match.group(0)

    return CANDIDATE.sub(replace, text)


def letter_date(text: str) -> str:
    """The first plausible date written in the letter (YYYY-MM-DD), or ''."""
    candidates: list[tuple[int, str]] = []
    for match in ISO_DATE.finditer(text):
        candidates.append((match.start(), _iso(*map(int, match.groups()))))
    for match in WORD_DATE.finditer(text):
        month = MONTHS.get(match.group(2).lower())
        if month:
            candidates.append(
                (match.start(), _iso(int(match.group(3)), month, int(match.group(1))))
            )
    for _, value in sorted(candidates):
        if value:
            return value
    return ""


def _iso(year: int, month: int, day: int) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def sender(text: str) -> str:
    """Who wrote the letter: the name under the closing greeting, else the first line of the
    first address block (a block with a postal code), else ''."""
    lines = _lines(text)
    for index, line in enumerate(lines):
        if CLOSING.match(line):
            for following in lines[index + 1 : index + 4]:
                if following and not POSTAL.search(following):
                    return following[:MAX_SUGGESTION]
    for block in _blocks(lines):
        if any(POSTAL.search(line) for line in block[1:]):
            return block[0][:MAX_SUGGESTION]
    return ""


def subject(text: str) -> str:
    """What the letter is about: an "Ärende:"/"Angående" line, else the first line after the
    salutation, else the first line of the longest paragraph."""
    lines = _lines(text)
    for line in lines:
        match = SUBJECT.match(line)
        if match and match.group(1).strip():
            return match.group(1).strip()[:MAX_SUGGESTION]
    for index, line in enumerate(lines):
        if SALUTATION.match(line):
            for following in lines[index + 1 : index + 4]:
                if following:
                    return following[:MAX_SUGGESTION]
    blocks = _blocks(lines)
    if not blocks:
        return ""
    longest = max(blocks, key=lambda block: sum(map(len, block)))
    return longest[0][:MAX_SUGGESTION]
