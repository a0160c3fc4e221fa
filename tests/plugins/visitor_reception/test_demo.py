"""The plugin's demo data: hosts of the demo municipality (one in a protected unit) and a
morning of visitors, some inside, some signed out, every one a core contact."""

from __future__ import annotations

import random

from core.auth import service as auth
from core.db import raw
from plugins.visitor_reception import demo, hosts
from tests.conftest import ROLE_PASSWORD


async def test_the_demo_has_hosts_and_visitors_inside_and_out(reception):
    for username, role in (("lena.ek", "reception"), ("lars.eklund", "case_officer"),
                           ("ahmed.yusuf", "case_officer")):  # fmt: skip
        try:
            await auth.get_user(username)
        except Exception:
            await auth.create_user("test", username, username.title(), ROLE_PASSWORD, [role])
    try:
        assert await demo.seed(random.Random(7), "demo") == len(demo.VISITORS)
        assert await demo.seed(random.Random(7), "demo") == 0  # once is enough
        rows = await raw.fetch(
            "SELECT v.status, v.protected, v.needs_assistance, c.channel FROM visitor_visit v "
            "JOIN contact c ON c.number = v.contact_number WHERE v.registered_by = 'lena.ek'"
        )
        assert len(rows) == len(demo.VISITORS)
        assert {r["channel"] for r in rows} == {"visit"}
        assert sum(1 for r in rows if r["status"] == "out") == 2
        assert any(r["protected"] for r in rows) and any(r["needs_assistance"] for r in rows)
    finally:
        for username in ("lars.eklund", "ahmed.yusuf"):  # out of the other tests' searches
            await hosts.save("test", username, "", "", False, False)
