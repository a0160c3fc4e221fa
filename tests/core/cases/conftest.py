"""A small organisation for the case tests: departments, a group, case types, an agreement."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from core.hookspecs import hookimpl
from core.org import lookup
from core.org import service as org


@pytest.fixture(scope="session")
async def org_setup(client, role_users):
    """Codes of a department, group and two case types (one with an agreement)."""
    from core.sla import agreements

    suffix = uuid.uuid4().hex[:6].upper()
    dept = f"SBN{suffix}"
    await org.save_department(
        "test", dept, {"name_sv": "Samhällsbyggnadsnämnden", "name_en": "Planning committee"}
    )
    group = f"bygg-{suffix.lower()}"
    await org.save_group("test", group, {"name_sv": "Bygg", "department": dept})
    bygglov = f"bygglov-{suffix.lower()}"
    await org.save_case_type(
        "test", bygglov, {"name_sv": "Bygglov", "department": dept, "rosa_level": 2, "public": True}
    )
    tillsyn = f"tillsyn-{suffix.lower()}"
    await org.save_case_type(
        "test", tillsyn, {"name_sv": "Tillsyn", "department": dept, "rosa_level": 6}
    )
    dept_id = (await lookup.department(dept))["id"]
    agreement = await agreements.create_agreement(
        "test",
        department_id=dept_id,
        name="Överenskommelse",
        valid_from=dt.date(2020, 1, 1),
        valid_to=None,
    )
    case_type_id = (await lookup.case_type(bygglov))["id"]
    await agreements.create_target(
        "test",
        agreement["id"],
        case_type_id=case_type_id,
        first_response_minutes=60,
        resolution_minutes=8 * 60,
        warning_percent=80,
    )
    return {"department": dept, "group": group, "bygglov": bygglov, "tillsyn": tillsyn}


class Recorder:
    """A plugin that remembers which case hooks it was called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @hookimpl
    def contact_registered(self, contact: dict[str, Any], actor: str) -> None:
        self.calls.append(("contact_registered", contact["number"]))

    @hookimpl
    def case_created(self, case: dict[str, Any], actor: str) -> None:
        self.calls.append(("case_created", case["number"]))

    @hookimpl
    def case_changed(self, case: dict[str, Any], change: str, actor: str) -> None:
        self.calls.append(("case_changed", change))


@pytest.fixture
def recorder(app):
    """A plugin recording the contact and case hooks while the test runs."""
    plugin = Recorder()
    app.state.host.pm.register(plugin, name="test-case-hooks")
    yield plugin
    app.state.host.pm.unregister(name="test-case-hooks")
