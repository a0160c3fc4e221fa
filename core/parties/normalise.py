"""Search keys of party texts: what duplicate detection and name/address search compare.

SQLite's ``lower()`` folds ASCII letters only, so ``Åsa`` and ``åsa`` would differ in the
database. The keys are folded in Python instead (NFKC, ``casefold``, runs of white space as one
space) and stored beside the text, so both engines compare them with plain ``=`` and ``LIKE``.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def text_key(value: str) -> str:
    """The folded form of a name or address: ``"  Åsa   ÖBERG "`` → ``"åsa öberg"``."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value or "").casefold()).strip()


def like_pattern(value: str, *, prefix_only: bool = False) -> str:
    """A ``LIKE … ESCAPE '\\'`` pattern matching keys that contain (or start with) the folded
    ``value``; ``%``, ``_`` and ``\\`` in the value match themselves."""
    key = text_key(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{key}%" if prefix_only else f"%{key}%"
