"""The demo municipality's name in ``kontakt.toml``, so that Mina ärenden, the Open311
discovery document and the e-mails' signatures say Ekeby kommun, in this process and in every
server and worker started afterwards."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from core.demo import data
from core.settings import Settings

SETTING = "municipality_name"


def name_municipality(settings: Settings) -> tuple[Settings, str]:
    """Write ``municipality_name = "Ekeby kommun"`` into the config file unless a name of the
    municipality's own is configured; returns the settings to seed with and what was done
    (a line for the command's output, empty when nothing needed doing)."""
    if settings.municipality_name == data.MUNICIPALITY:
        return settings, ""
    if settings.municipality_name != Settings.municipality_name:
        return settings, (
            f"{SETTING} is {settings.municipality_name!r} in the settings and is kept; "
            f"the demo data describe {data.MUNICIPALITY}"
        )
    path = settings.config_path
    write_setting(path, SETTING, data.MUNICIPALITY)
    return settings.replace(municipality_name=data.MUNICIPALITY), (
        f'wrote {SETTING} = "{data.MUNICIPALITY}" to {path}'
    )


def write_setting(path: Path, key: str, value: str) -> None:
    """Set the top-level string ``key`` in the TOML file at ``path`` (made if missing): an
    existing ``key = …`` line is replaced, otherwise the line is added before any table; the
    rest of the file, comments included, stays as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    line = f"{key} = {_toml_string(value)}"
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=.*$", re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(line.replace("\\", "\\\\"), text, count=1)
    else:
        table = re.search(r"^\s*\[", text, re.MULTILINE)
        at = table.start() if table else len(text)
        head = text[:at]
        if head and not head.endswith("\n"):
            head += "\n"
        text = head + line + "\n" + text[at:]
    tomllib.loads(text)  # never leave a file the settings cannot read
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
