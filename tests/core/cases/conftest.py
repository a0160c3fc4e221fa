"""A small organisation for the case tests: departments, a group, case types, an agreement."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

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
