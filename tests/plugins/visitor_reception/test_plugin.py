"""The plugin as a whole: found by name with a valid manifest, every route in the permission
matrix (the kiosk's routes behind their own token), setup broken on a bad sign-out time, and
a Swedish text for every message."""

from __future__ import annotations

from pathlib import Path

from core.i18n import catalogue
from core.plugin_host import PluginHost, discover
from tests.conftest import ROLE_PASSWORD, login
from tests.plugins.visitor_reception.conftest import BASE
from tests.support import permission_matrix
from tests.support.msgids import scan

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE_MSGID = r"""_\((["'])(.+?)\1\)"""


def test_the_plugin_is_found_by_name_with_a_valid_manifest():
    info = discover()["visitor_reception"]
    assert info.source == "first-party" and info.manifest is not None
    assert info.piccolo_app == "plugins.visitor_reception.piccolo_app"


async def test_every_route_is_in_the_permission_matrix(
    client, app, auth_headers, role_users, reception
):
    async def fresh(role: str) -> dict[str, str]:
        return await login(client, role_users[role], ROLE_PASSWORD)

    schema = (await client.get("/api/schema/openapi.json")).json()
    ours = [op for op in permission_matrix.operations(app, schema) if BASE in op.path]
    assert len(ours) >= 15 and all(op.public or op.permission for op in ours)
    kiosk = {
        f"{BASE}/kiosk/{name}"
        for name in ("hosts", "notice", "check-in", "badge", "arrive", "sign-out")
    }
    assert {op.path for op in ours if op.own_token} == kiosk
    # the only public route without the kiosk's token draws a given code as a QR image
    assert {op.path for op in ours if op.public and not op.own_token} == {f"{BASE}/invitation-qr"}
    # the plugin's own routes; the core's are walked by tests/core/test_permission_matrix.py
    problems = await permission_matrix.check(
        client, app, auth_headers, fresh, only=lambda op: BASE in op.path
    )
    assert problems == []


async def test_a_bad_sign_out_time_breaks_the_setup(reception, settings, monkeypatch):
    monkeypatch.setenv("KONTAKT_PLUGIN_VISITOR_RECEPTION_AUTO_SIGNOUT_TIME", "25:00")
    host = PluginHost()
    host.load({"visitor_reception"}, settings)
    status = host.status["visitor_reception"]
    assert status.state == "broken" and "25:00" in status.reason


def test_every_message_of_the_plugin_has_a_swedish_text(reception):
    import re

    found, problems = scan(ROOT / "plugins" / "visitor_reception", ROOT)
    assert problems == []
    texts = {m.text for m in found}
    for template in (ROOT / "plugins" / "visitor_reception" / "templates").glob("*.html"):
        texts |= {m[1] for m in re.findall(TEMPLATE_MSGID, template.read_text())}
    swedish = catalogue("sv")
    assert len(texts) > 50
    assert sorted(t for t in texts if t not in swedish) == []
