"""``kontakt demo`` against a throwaway installation (own data directory; on the postgres
backend its own database), run as real subprocesses; checked with plain SQL, with
``kontakt audit verify`` and through the HTTP API of a started server."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from statistics import mean
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.citizen.notify import build_message
from core.settings import load_settings
from tests.support import services

DAYS = 14
ADMIN_PASSWORD = "demo-admin-password-1"
SEED_CASE_TYPES = (
    "bygglov",
    "agarbyte-avfall",
    "forskoleplats",
    "parkeringstillstand",
    "serveringstillstand",
    "trasiga-lekredskap",
    "fixartjanst",
    "fardtjanst",
)


@dataclass
class Install:
    data_dir: Path
    database_url: str
    output: str = ""

    @property
    def env(self) -> dict[str, str]:
        postgres = bool(self.database_url)
        return {
            "KONTAKT_DATA_DIR": str(self.data_dir),
            "KONTAKT_DATABASE_URL": self.database_url,
            "KONTAKT_REDIS_URL": services.REDIS_URL if postgres else "",
            "KONTAKT_INSTANCE_NAME": f"demo{uuid.uuid4().hex[:8]}",
            "KONTAKT_SQLITE_SYNCHRONOUS": "NORMAL",
            "KONTAKT_CONFIG": "",
        }

    def kontakt(self, *args: str, input: str | None = None):
        return services.run_kontakt(*args, input=input, extra_env=self.env, timeout=180)

    def sql(self, query: str) -> list[dict[str, Any]]:
        """Rows of one read-only query, straight from the installation's database."""
        if not self.database_url:
            conn = sqlite3.connect(self.data_dir / "kontakt.sqlite3")
            conn.row_factory = sqlite3.Row
            try:
                return [dict(r) for r in conn.execute(query).fetchall()]
            finally:
                conn.close()
        return asyncio.run(_pg_fetch(self.database_url, query))

    def one(self, query: str) -> Any:
        return next(iter(self.sql(query)[0].values()))


async def _pg_fetch(url: str, query: str) -> list[dict[str, Any]]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return [dict(r) for r in await conn.fetch(query)]
    finally:
        await conn.close()


def _found(pattern: str, text: str) -> re.Match:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in output:\n{text}"
    return match


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    url = services.create_pg_database() if services.backend() == "postgres" else ""
    install = Install(tmp_path_factory.mktemp("demo"), url)
    try:
        done = install.kontakt("init", "--admin-password-stdin", input=ADMIN_PASSWORD + "\n")
        assert done.returncode == 0, done.stdout + done.stderr
        done = install.kontakt("demo", "--days", str(DAYS), "--seed", "7")
        assert done.returncode == 0, done.stdout + done.stderr
        install.output = done.stdout
        yield install
    finally:
        if url:
            services.drop_pg_database(url)


def test_catalogue_is_a_municipality(demo: Install) -> None:
    codes = {r["code"]: r["kind"] for r in demo.sql("SELECT code, kind FROM department")}
    assert {"KS", "BUN", "SN", "ÄN", "SBN", "TN", "KFN", "MN"} <= set(codes)
    assert "company" in codes.values() and "external" in codes.values()
    types = {r["code"]: r for r in demo.sql("SELECT * FROM case_type")}
    assert set(SEED_CASE_TYPES) <= set(types)
    assert all(1 <= t["rosa_level"] <= 8 and t["unit_price_ore"] > 0 for t in types.values())
    aid = types["ekonomiskt-bistand"]
    assert aid["rosa_level"] == 6 and not aid["kc_may_close"] and not aid["public"]
    assert types["bygglov"]["public"]
    groups = {r["code"] for r in demo.sql("SELECT code FROM answer_group")}
    assert {"vaxel", "aldreomsorg", "forskola-skola", "bygg-miljo"} <= groups
    assert demo.one("SELECT COUNT(*) FROM answer_group_member") >= 12
    # Competence profiles, and every role staffed.
    assert demo.one('SELECT COUNT(DISTINCT "user") FROM competence') >= 10
    roles = " ".join(
        r["roles"] for r in demo.sql("SELECT CAST(roles AS TEXT) AS roles FROM kc_user")
    )
    for role in (
        "agent",
        "reception",
        "registrator",
        "head_registrator",
        "case_officer",
        "supervisor",
        "crisis_team",
    ):
        assert role in roles
    # Agreements with targets per case type, escalating to the supervisor.
    assert demo.one("SELECT COUNT(*) FROM sla_agreement WHERE base_fee_ore > 0") >= 8
    targets = demo.sql("SELECT CAST(escalation AS TEXT) AS e, warning_percent FROM sla_target")
    assert len(targets) >= 20
    assert all(t["warning_percent"] == 80 and "helena.strand" in t["e"] for t in targets)
    notes = [r["note"] for r in demo.sql("SELECT note FROM calendar_exception WHERE closed")]
    assert any(n.startswith("Klämdag") for n in notes)
    # Knowledge: a script for bygglov, every common case type answered by an article.
    scripts = demo.sql(
        "SELECT a.title FROM kb_article a JOIN kb_article_case_type l ON l.article = a.id "
        "JOIN case_type t ON t.id = l.case_type WHERE t.code = 'bygglov' AND a.kind = 'script'"
    )
    assert scripts
    linked = {r["code"] for r in demo.sql(
        "SELECT DISTINCT t.code FROM kb_article_case_type l JOIN case_type t ON t.id = l.case_type"
    )}  # fmt: skip
    assert set(SEED_CASE_TYPES) <= linked
    assert demo.one("SELECT COUNT(*) FROM effect_goal") >= 3


def test_the_municipality_is_named_ekeby_kommun_everywhere(demo: Install, tmp_path: Path) -> None:
    import tomllib

    config = tomllib.loads((demo.data_dir / "kontakt.toml").read_text(encoding="utf-8"))
    assert config["municipality_name"] == "Ekeby kommun"
    assert config["port"] == 8080  # what kontakt init wrote is still there
    assert f'wrote municipality_name = "Ekeby kommun" to {demo.data_dir}' in demo.output
    server = services.start_server(tmp_path, demo.env)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            page = http.get("/mina-arenden")
            assert page.status_code == 200, page.text
            assert "– Ekeby kommun</title>" in page.text and "Exempelkommun" not in page.text
            discovery = http.get("/open311/discovery.json")
            assert discovery.status_code == 200, discovery.text
            assert discovery.json()["contact"] == "Kontaktcenter, Ekeby kommun"
    finally:
        server.stop()
    # Sara Nilsson's receipt from the demo, and the sender the worker puts on every e-mail.
    (receipt,) = demo.sql(
        "SELECT * FROM outbound_message WHERE recipient = 'sara.nilsson@example.org'"
    )
    assert receipt["template"] == "receipt" and receipt["status"] == "queued"
    assert "Kontaktcenter, Ekeby kommun" in receipt["body"], receipt["body"]
    sender = build_message(load_settings(env=demo.env), receipt)["From"]
    assert sender.startswith("Kontaktcenter Ekeby kommun <"), sender
    # A second run finds the name in place and leaves the file alone.
    before = (demo.data_dir / "kontakt.toml").read_text(encoding="utf-8")
    again = demo.kontakt("demo", "--days", str(DAYS))
    assert again.returncode == 0 and "wrote municipality_name" not in again.stdout
    assert (demo.data_dir / "kontakt.toml").read_text(encoding="utf-8") == before


def test_history_has_rhythm_and_service_levels(demo: Install) -> None:
    contacts = demo.sql(
        "SELECT number, channel, received_at, local_day, local_hour, local_weekday, "
        "resolved_first_contact, forwarded, wait_seconds, handle_seconds, agent, case_type "
        "FROM contact"
    )
    assert len(contacts) > 100 * DAYS // 2
    zone = ZoneInfo("Europe/Stockholm")
    for c in contacts:
        local = datetime.fromtimestamp(c["received_at"], zone)
        assert (c["local_day"], c["local_hour"], c["local_weekday"]) == (
            local.strftime("%Y-%m-%d"),
            local.hour,
            local.weekday(),
        )
        assert re.fullmatch(r"K\d{4}-\d{7}", c["number"])
        assert (c["wait_seconds"] is not None) == (c["channel"] == "phone")
    assert len({c["local_day"] for c in contacts}) >= 10
    assert any(c["resolved_first_contact"] for c in contacts)
    assert any(c["forwarded"] for c in contacts)
    share = sum(bool(c["resolved_first_contact"]) for c in contacts) / len(contacts)
    assert 0.55 < share < 0.85
    channels = {c["channel"] for c in contacts}
    assert {"phone", "email", "web", "visit"} <= channels
    phone = sum(c["channel"] == "phone" for c in contacts) / len(contacts)
    assert 0.4 < phone < 0.7
    # Office hours: spoken contacts only when the contact center is open.
    spoken = [c for c in contacts if c["channel"] in ("phone", "visit")]
    assert all(8 <= c["local_hour"] < 17 for c in spoken)
    # Open days carry the volume; weekends and holidays only a trickle of written contacts.
    per_day = Counter(c["local_day"] for c in contacts)
    open_days = {c["local_day"] for c in spoken}
    closed = [n for day, n in per_day.items() if day not in open_days]
    opened = [n for day, n in per_day.items() if day in open_days]
    assert closed and opened and max(closed) * 3 < min(opened)
    # Monday is the busiest day (except around Christmas, when everything is lower).
    by_weekday: dict[int, list[int]] = {}
    for day, n in per_day.items():
        if day in open_days:
            by_weekday.setdefault(date.fromisoformat(day).weekday(), []).append(n)
    christmas = any(d[5:] >= "12-27" or d[5:] <= "01-05" for d in per_day)
    if not christmas and by_weekday.get(0) and by_weekday.get(4):
        assert mean(by_weekday[0]) > mean(by_weekday[4])

    now = time.time()
    cases = demo.sql(
        "SELECT number, status, sla_state, created_at, closed_at, first_response_at, "
        "resolution_due, first_response_due FROM kc_case"
    )
    states = {c["status"] for c in cases}
    assert "closed" in states and states & {"in_progress", "investigating", "waiting"}
    assert any(c["sla_state"] == "breached" for c in cases)
    assert any(c["sla_state"] == "met" for c in cases)
    assert all(re.fullmatch(r"KC-\d{4}-\d{6}", c["number"]) for c in cases)
    for c in cases:
        if c["status"] == "closed":
            assert c["closed_at"] >= c["created_at"]
        if c["sla_state"] == "breached" and c["status"] != "closed":
            # Some line was crossed: the first response came (or is still) late, or the
            # resolution time has passed.
            first_late = c["first_response_due"] is not None and (
                (c["first_response_at"] or now) > c["first_response_due"]
            )
            assert first_late or c["resolution_due"] < now
    kinds = {r["kind"] for r in demo.sql("SELECT DISTINCT kind FROM case_event")}
    assert {"status", "forward", "contact", "note", "sla"} <= kinds
    assert demo.one("SELECT COUNT(*) FROM case_event WHERE kind = 'note' AND public") > 0


def test_second_run_changes_nothing_and_the_audit_chain_holds(demo: Install) -> None:
    before = (
        demo.one("SELECT COUNT(*) FROM contact"),
        demo.one("SELECT COUNT(*) FROM audit_entry"),
    )
    again = demo.kontakt("demo", "--days", str(DAYS))
    assert again.returncode == 0, again.stderr
    assert "already here" in again.stdout
    after = (demo.one("SELECT COUNT(*) FROM contact"), demo.one("SELECT COUNT(*) FROM audit_entry"))
    assert after == before
    verified = demo.kontakt("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    batches = demo.one("SELECT COUNT(*) FROM audit_entry WHERE action = 'demo.batch'")
    assert batches >= 3


def test_demo_accounts_work_and_force_spares_real_cases(demo: Install, tmp_path: Path) -> None:
    password = _found(r"demo password \(every demo account\): (\S+)", demo.output).group(1)
    agent = _found(r"agent: ([a-z.]+)", demo.output).group(1)
    number, code = _found(r"Mina ärenden: case (\S+) access code (\S+)", demo.output).groups()

    # --force on demo data only: seeded again, chain still intact.
    forced = demo.kontakt("demo", "--days", "3", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    days = demo.one("SELECT COUNT(DISTINCT local_day) FROM contact")
    assert days <= 4
    number, code = _found(r"Mina ärenden: case (\S+) access code (\S+)", forced.stdout).groups()
    # The receipt of the wiped demo case went with it; the new one waits.
    receipts = demo.sql(
        "SELECT case_number FROM outbound_message WHERE recipient = 'sara.nilsson@example.org'"
    )
    assert len(receipts) == 1 and receipts[0]["case_number"].startswith("KC-"), receipts

    server = services.start_server(tmp_path, demo.env)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            login = http.post("/api/v1/auth/login", json={"username": agent, "password": password})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            listed = http.get("/api/v1/cases", headers=headers, params={"limit": 500})
            assert listed.status_code == 200, listed.text
            assert number in {c["number"] for c in listed.json()["items"]}
            status = http.post("/api/v1/public/case-status", json={"number": number, "code": code})
            assert status.status_code == 200, status.text
            assert "Lars Eklund" in status.text
            # A real case registered by an agent: --force must leave it alone.
            real = http.post(
                "/api/v1/contacts",
                headers=headers,
                json={
                    "channel": "phone",
                    "summary": "Riktigt ärende",
                    "case_type": "bygglov",
                    "open_case": True,
                },
            )
            assert real.status_code in (200, 201), real.text
    finally:
        server.stop()
    refused = demo.kontakt("demo", "--force")
    assert refused.returncode != 0
    assert "Refusing --force: 1 case(s)" in refused.stderr
    assert demo.one("SELECT COUNT(*) FROM kc_case WHERE subject = 'Riktigt ärende'") == 1
    verified = demo.kontakt("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_name_goes_into_kontakt_toml_and_nothing_else_changes(tmp_path: Path) -> None:
    import tomllib

    from core.demo.config import name_municipality, write_setting
    from core.settings import Settings

    path = tmp_path / "kontakt.toml"
    path.write_text(
        '# comment kept\nport = 8080\nmunicipality_name = "Exempelkommun"\n\n'
        '[plugins.telephony_centrex]\nswitch = "asterisk"\n',
        encoding="utf-8",
    )
    write_setting(path, "municipality_name", 'Ekeby "norra" kommun')
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# comment kept\nport = 8080\n")
    doc = tomllib.loads(text)
    assert doc["municipality_name"] == 'Ekeby "norra" kommun'
    assert doc["plugins"] == {"telephony_centrex": {"switch": "asterisk"}}
    # Without the line, it goes before the first table (a top-level key, not a plugin's).
    path.write_text('port = 8080\n[plugins.x]\na = "b"\n', encoding="utf-8")
    write_setting(path, "municipality_name", "Ekeby kommun")
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert doc["municipality_name"] == "Ekeby kommun" and doc["plugins"] == {"x": {"a": "b"}}
    # A municipality's own name is kept.
    own = Settings(data_dir=tmp_path, municipality_name="Norrby kommun")
    kept, note = name_municipality(own)
    assert kept is own and "'Norrby kommun'" in note and "kept" in note
