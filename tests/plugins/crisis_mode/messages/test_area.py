"""The messages area as a whole: every one of its routes in the permission matrix (the
crisis page and the CAP feed public, nothing else), a Swedish text for every message of the
area, the languages setting, and the demo data (an approved exercise message in Swedish,
English, Arabic and Finnish, written by one user and approved by another)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.errors import Unavailable
from core.i18n import catalogue
from tests.conftest import ROLE_PASSWORD, login
from tests.plugins.crisis_mode.messages.conftest import MESSAGES, PUBLIC
from tests.support import permission_matrix
from tests.support.msgids import scan

ROOT = Path(__file__).resolve().parents[4]
AREA = ROOT / "plugins" / "crisis_mode" / "messages"
TEMPLATE_MSGID = r"""(?:_|ui)\((["'])(.+?)\1\)"""


def ours(op: permission_matrix.Operation) -> bool:
    return op.path.startswith((MESSAGES, PUBLIC))


async def test_every_route_is_in_the_permission_matrix(
    client, app, auth_headers, role_users, crisis
):
    async def fresh(role: str) -> dict[str, str]:
        return await login(client, role_users[role], ROLE_PASSWORD)

    schema = (await client.get("/api/schema/openapi.json")).json()
    operations = [op for op in permission_matrix.operations(app, schema) if ours(op)]
    assert len(operations) == 14
    assert {op.path for op in operations if op.public} == {
        f"{PUBLIC}/page",
        f"{PUBLIC}/cap.xml",
        f"{PUBLIC}/cap/{{identifier}}",
        f"{PUBLIC}/alerts.atom",
    }
    assert all(op.public or op.permission for op in operations)
    assert await permission_matrix.check(client, app, auth_headers, fresh, only=ours) == []


def test_every_message_of_the_area_has_a_swedish_text(crisis):
    found, problems = scan(AREA, ROOT)
    assert problems == []
    texts = {m.text for m in found}
    for template in (AREA / "templates").glob("*.html"):
        texts |= {m[1] for m in re.findall(TEMPLATE_MSGID, template.read_text())}
    swedish = catalogue("sv")
    assert len(texts) > 40
    assert sorted(t for t in texts if t not in swedish) == []


def test_the_languages_setting_puts_swedish_first_and_refuses_a_bad_code(monkeypatch):
    from plugins.crisis_mode import runtime
    from plugins.crisis_mode.messages import service

    monkeypatch.setitem(runtime.CONFIG, "languages", "en, ar,sv,ar")
    assert service.languages() == ["sv", "en", "ar"]
    monkeypatch.setitem(runtime.CONFIG, "languages", "en,arabic!")
    with pytest.raises(Unavailable):
        service.languages()


async def test_the_demo_data_is_an_approved_exercise_message_in_four_languages(
    clean, crisis, role_users
):
    from core.auth import service as auth
    from plugins.crisis_mode.messages import demo, service

    try:
        await auth.get_user(demo.APPROVER)
    except Exception:
        await auth.create_user("test", demo.APPROVER, "Göran Wik", ROLE_PASSWORD, ["crisis_team"])
    # the demo seeds only into an empty area; here it runs on the shared session's tables
    version = await service.create_draft(role_users["supervisor"], demo.draft())
    result = await service.approve(demo.APPROVER, version["id"])
    assert result["version"]["status"] == "approved" and result["version"]["exercise"] is True
    items = await service.current_approved()
    assert [i["language"] for i in items] == ["sv", "en", "fi", "ar"]
    assert all(i["title"] and i["body"] and i["instruction"] for i in items)
    assert items[0]["ivr_text"].startswith("ÖVNING. Koka dricksvattnet")
    assert await demo.seed("demo") is None  # a message exists: the demo adds nothing
