"""The archive's demo data: a closed case file whose export passes both validators, and a
disposal proposal of what the plan lets go, awaiting its decision; seeded once."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from core.db import raw
from plugins.diarium.archive import demo, exports
from tests.plugins.diarium.archive import validators

pytestmark = pytest.mark.timeout(120)


async def test_demo_data(diarium_plugin, role_users, tmp_path):
    from plugins.diarium.registry import demo as registry_demo

    await registry_demo.seed(random.Random(7), "demo")
    assert await demo.seed(random.Random(7), "demo") == 2
    assert await demo.seed(random.Random(7), "demo") == 0  # seeded once

    ready = await raw.fetchrow(
        "SELECT id, status FROM diarium_case_file WHERE title_public = ?", demo.EXPORT_TITLE
    )
    assert ready["status"] == "closed"
    made = await exports.export("demo", ready["id"], "zip")
    path, _name, _mime = await exports.download("demo", made["id"])
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as package:
        erms = next(n for n in package.namelist() if n.endswith("descriptive/erms.xml"))
        assert validators.erms_problems(package.read(erms)) == []
        assert any(n.endswith("ansokan-bygglov.pdf") for n in package.namelist())

    old = await raw.fetchrow(
        "SELECT id FROM diarium_case_file WHERE title_public = ?", demo.DISPOSAL_TITLE
    )
    run = await raw.fetchrow(
        "SELECT r.status, COUNT(i.id) AS items FROM diarium_disposal_run r "
        "JOIN diarium_disposal_item i ON i.run_id = r.id WHERE i.case_file_id = ? "
        "GROUP BY r.id, r.status",
        old["id"],
    )
    assert run["status"] == "proposed" and run["items"] == 2
