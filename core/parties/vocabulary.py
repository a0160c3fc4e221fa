"""The closed lists of party fields, as types (for the OpenAPI enums) and as tuples."""

from __future__ import annotations

from typing import Literal, get_args

Kind = Literal["person", "organisation", "anonymous"]
Channel = Literal["email", "phone", "sms", "letter", "none"]
# Swedish, English, the national minority languages and the languages most often asked for
# by interpreters in Swedish municipalities (ISO 639-1, or 639-2/3 where there is no -1 code).
Language = Literal[
    "sv", "en", "fi", "se", "sma", "smj", "yi", "rom", "fit", "ar", "so", "fa", "prs", "ps",
    "ti", "am", "ku", "tr", "pl", "bs", "hr", "sr", "sq", "ru", "uk", "es", "de", "fr", "th",
    "vi", "zh", "sw", "ur", "hi", "bn", "ta", "et", "lv", "lt", "ro", "el", "it", "pt", "da",
    "no", "is", "nl", "hu", "cs", "sk", "sl", "mn", "ka", "hy", "az", "uz", "tl", "my", "ne",
]  # fmt: skip

KINDS: tuple[str, ...] = get_args(Kind)
CHANNELS: tuple[str, ...] = get_args(Channel)
LANGUAGES: tuple[str, ...] = get_args(Language)
