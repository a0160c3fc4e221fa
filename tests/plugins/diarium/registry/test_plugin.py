"""The registry's routes in the permission matrix (every role), and every message of the
registry with a Swedish text."""

from __future__ import annotations

from pathlib import Path

from core.i18n import catalogue
from tests.conftest import ROLE_PASSWORD, login
from tests.plugins.diarium.conftest import BASE
from tests.support import permission_matrix
from tests.support.msgids import scan

ROOT = Path(__file__).resolve().parents[4]
PREFIXES = tuple(
    f"{BASE}/{name}"
    for name in ("series", "case-files", "documents", "classification", "retention-plan", "files",
                 "search")
)  # fmt: skip


def _ours(op) -> bool:
    return op.path.startswith(PREFIXES)


async def test_every_registry_route_is_in_the_permission_matrix(
    client, app, auth_headers, role_users, diarium
) -> None:
    async def fresh(role: str) -> dict[str, str]:
        return await login(client, role_users[role], ROLE_PASSWORD)

    schema = (await client.get("/api/schema/openapi.json")).json()
    ours = [op for op in permission_matrix.operations(app, schema) if _ours(op)]
    assert len(ours) >= 30
    assert all(op.permission and not op.public for op in ours)
    by_path = {(op.method, op.path): op.permission for op in ours}
    assert by_path[("post", f"{BASE}/series")] == "diarium.admin"
    assert by_path[("post", f"{BASE}/documents")] == "diarium.register"
    assert by_path[("get", f"{BASE}/search")] == "diarium.read"
    problems = await permission_matrix.check(client, app, auth_headers, fresh, only=_ours)
    assert problems == []


def test_roles_are_kept_apart() -> None:
    from plugins.diarium.permissions import PERMISSIONS

    holders = {p.name: set(p.roles) for p in PERMISSIONS}
    assert "head_registrator" in holders["diarium.admin"]
    assert "registrator" not in holders["diarium.admin"]
    assert "case_officer" not in holders["diarium.register"] | holders["diarium.secret"]
    for name in ("diarium.admin", "diarium.archive", "diarium.secret", "diarium.register",
                 "diarium.read"):  # fmt: skip
        assert "head_registrator" in holders[name], name


def test_every_registry_message_has_a_swedish_text(diarium_plugin) -> None:
    found, problems = scan(ROOT / "plugins" / "diarium" / "registry", ROOT)
    assert problems == []
    texts = {m.text for m in found}
    assert len(texts) > 60
    swedish = catalogue("sv")
    assert sorted(t for t in texts if t not in swedish) == []


async def test_demo_data(diarium_plugin) -> None:
    import random

    from core.db import raw
    from plugins.diarium.registry import demo

    # another area's demo test in this session may have seeded the registry's part already
    before = await raw.fetch("SELECT id FROM diarium_series WHERE code = 'KS'")
    made = await demo.seed(random.Random(7), "demo")
    assert made == (0 if before else 7)
    assert await demo.seed(random.Random(7), "demo") == 0  # seeded once
    codes = {r["code"] for r in await raw.fetch("SELECT code FROM diarium_series")}
    assert {"KS", "BUN", "SBN"} <= codes
    marked = await raw.fetch(
        "SELECT d.number FROM diarium_document d JOIN diarium_secrecy s ON s.document_id = d.id "
        "WHERE d.number LIKE 'KS %' OR d.number LIKE 'BUN-%' OR d.number LIKE 'SBN%'"
    )  # the demo's series only: other tests of the session mark their own documents
    assert len(marked) == 1 and marked[0]["number"].startswith("BUN-")
    unclassified = await raw.fetch(
        "SELECT number FROM diarium_case_file c WHERE NOT EXISTS (SELECT 1 FROM diarium_class k "
        "WHERE k.code = c.classification_code AND k.level = 'process')"
    )
    assert unclassified == []
