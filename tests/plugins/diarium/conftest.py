"""Fixtures shared by the diarium's tests: the plugin enabled in the session's app (as the
admin API does it: persisted, migrations run), a diary series, a classification plan in the
KLASSA structure and an open case file in the series.

Each area keeps its own fixtures in its own subfolder's conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

NAME = "diarium"
BASE = "/api/v1/plugins/diarium"

#: The test plan: one verksamhetsområde, two processgrupper, three processes (KLASSA CSV).
PLAN_CSV = (
    "kod;nivå;rubrik;beskrivning\n"
    "1;verksamhetsomrade;Styra och leda;Kommunens ledning\n"
    "1.1;processgrupp;Planera och styra;\n"
    "1.1.1;process;Ta fram mål och budget;\n"
    "1.2;processgrupp;Ge stöd;\n"
    "1.2.1;process;Hantera allmänna handlingar;Registrering och utlämnande\n"
    "1.2.2;process;Hantera synpunkter;\n"
)
SERIES = {
    "code": "TKS",
    "name": "Kommunstyrelsens diarium (test)",
    "board": "Kommunstyrelsen",
    "pattern": "{code} {year}/{seq}",
}


#: How a PostgreSQL search asks its newest window in a test (SQLite has none): over the whole
#: table (the window is larger than it); one id, or more as the planner's estimate of the
#: matches says; or one id whatever the planner guesses (the estimate left out).
WINDOWS = ("whole", "estimated", "fixed")


def set_window(monkeypatch: pytest.MonkeyPatch, search: Any, how: str) -> None:
    """Make ``search`` (a search module with a ``WINDOW``) ask its window as ``how`` says."""
    if how == "whole":
        return
    from core.db import raw

    monkeypatch.setattr(search, "WINDOW", 1)
    if how == "fixed":

        async def no_estimate(sql: str, *args: Any) -> None:
            return None

        monkeypatch.setattr(raw, "estimated_rows", no_estimate)


async def set_plugin(app, enabled: bool) -> dict[str, Any]:
    """Persist (audited, migrations on enable) and apply to the in-process app."""
    from core.plugin_admin import runtime, service

    result = await service.set_enabled("test", NAME, enabled)
    return {**result, **await runtime.apply(app, NAME, enabled, "test")}


@pytest.fixture(scope="session")
async def diarium_plugin(app, client, role_users) -> AsyncIterator[dict[str, Any]]:
    """The diarium loaded in the session's app (unloaded at the end)."""
    state = await set_plugin(app, True)
    assert state["state"] == "loaded", state
    yield state
    await set_plugin(app, False)


@pytest.fixture(scope="session")
async def diarium(diarium_plugin, role_users) -> dict[str, Any]:
    """A series ``TKS`` (``{code} {year}/{seq}``), the test plan (version ``test``) and an
    open case file classified 1.2.1 with the case officer as its officer. Yields
    ``{"series", "plan", "case_file", "officer", "registrator"}``."""
    from plugins.diarium.registry import casefiles, classification, series

    try:
        found = await series.get_by_code(SERIES["code"])
    except Exception:
        found = await series.create("test", **SERIES)
    plan = await classification.import_plan(
        "test", PLAN_CSV.encode(), "plan.csv", plan_version="test"
    )
    case_file = await casefiles.open_case_file(
        "test",
        series_code=SERIES["code"],
        title_public="Testakt för registreringen",
        title_protected="Testakt, skyddad rubrik",
        classification_code="1.2.1",
        officer=role_users["case_officer"],
    )
    return {
        "series": found,
        "plan": plan,
        "case_file": case_file,
        "officer": role_users["case_officer"],
        "registrator": role_users["registrator"],
    }
