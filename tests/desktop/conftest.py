"""Fixtures of the desktop client's tests: Qt on the offscreen platform, the qasync loop the
client runs on, a small organisation on the server (a case type with an agreement, its
script, checklist and FAQ, a caller), and real ``kontakt serve`` processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx  # noqa: E402
import pytest  # noqa: E402

from tests.conftest import ROLE_PASSWORD  # noqa: E402
from tests.support import services  # noqa: E402


@pytest.fixture(scope="session")
def qloop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop of the Qt application (as ``kontakt-desktop`` runs it)."""
    import qasync

    from desktop.ui import tasks

    loop = qasync.QEventLoop(qapp)
    tasks.set_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.close()  # stops its QThread executor (Qt aborts on a QThread alive at exit)


@pytest.fixture
def run(qloop) -> Iterator[Callable[..., Any]]:
    """``run(coroutine)``: run it on the client's loop, Qt events flowing meanwhile."""

    from desktop.ui import tasks

    async def drained(coroutine: Coroutine[Any, Any, Any]) -> Any:
        result = await coroutine
        # the client's short background calls finish here, while the loop runs: outside
        # run_until_complete, Qt would step them with no running loop (the app's loop never
        # stops, so this concerns the tests only)
        await until(lambda: tasks.pending() == 0, within=15, what="background calls")
        return result

    def runner(coroutine: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        return qloop.run_until_complete(asyncio.wait_for(drained(coroutine), timeout))

    yield runner
    # what a test left running (a live-event stream, a keep-alive) ends inside the loop, so
    # that no callback of it runs later while pytest-qt processes events for other tests
    left = [task for task in asyncio.all_tasks(qloop) if not task.done()]
    for task in left:
        task.cancel()
    if left:
        qloop.run_until_complete(asyncio.wait(left, timeout=5))


async def until(predicate: Callable[[], Any], within: float = 15, what: str = "") -> Any:
    """Wait (serving Qt and asyncio) until ``predicate()`` is truthy; returns its value."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def type_text(widget, text: str) -> None:
    """Type ``text`` key by key (QTest.keyClicks cannot type ä or ö: Qt asserts)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
        else:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click,
                widget,
                Qt.Key.Key_unknown,
                char,
                Qt.KeyboardModifier.NoModifier,
            )


@pytest.fixture(autouse=True)
def desktop_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test keeps its outbox and drafts in a folder of its own."""
    folder = tmp_path / "desktop-data"
    monkeypatch.setenv("KONTAKT_DESKTOP_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
async def desk_org(client, role_users) -> dict[str, Any]:
    """A department with an agreement, a case type with published support texts, a caller."""
    from core.knowledge import service as knowledge
    from core.org import lookup
    from core.org import service as org
    from core.parties import service as parties
    from core.sla import agreements

    suffix = uuid.uuid4().hex[:6]
    dept = f"DSK{suffix.upper()}"
    await org.save_department("test", dept, {"name_sv": "Utbildningsförvaltningen"})
    code = f"skolskjuts-{suffix}"
    await org.save_case_type(
        "test",
        code,
        {"name_sv": "Skolskjuts", "department": dept, "rosa_level": 3, "kc_may_close": True},
    )
    agreement = await agreements.create_agreement(
        "test",
        department_id=(await lookup.department(dept))["id"],
        name="Överenskommelse skola",
        valid_from=dt.date(2020, 1, 1),
        valid_to=None,
    )
    await agreements.create_target(
        "test",
        agreement["id"],
        case_type_id=(await lookup.case_type(code))["id"],
        first_response_minutes=60,
        resolution_minutes=5 * 24 * 60,
        warning_percent=80,
    )
    titles = {}
    for kind, title, body in (
        ("script", "Talmanus skolskjuts", "Fråga efter elevens namn, skola och adress."),
        ("checklist", "Checklista skolskjuts", "Avstånd till skolan\nBeslut om skolplacering"),
        ("faq", "Vem har rätt till skolskjuts?", "Elever i grundskolan med lång skolväg."),
    ):
        await knowledge.create_article(
            "test", kind=kind, title=title, body=body, status="published", case_types=[code]
        )
        titles[kind] = title
    phone = f"+4670{uuid.uuid4().int % 10**7:07d}"
    party = await parties.create_party(
        "test", {"kind": "person", "name": "Astrid Lindqvist", "phone": phone}
    )
    return {
        "case_type": code,
        "department": dept,
        "titles": titles,
        "phone": phone,
        "party": party,
    }


@pytest.fixture(scope="session")
def desk_server(desk_org, tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.Process]:
    """One ``kontakt serve`` shared by the desktop tests that only talk to a server (the client
    is what they test): they neither stop it nor need an environment of their own. It starts
    once the organisation exists; a test that stops its server or enables a plugin for it
    starts its own (``server_factory``, ``start_on``)."""
    server = services.start_server(tmp_path_factory.mktemp("desk-server"))
    yield server
    server.stop()


def start_on(port: int, log_dir: Path, extra_env: dict[str, str] | None = None):
    """``kontakt serve`` on a given port (to restart a server where the client expects it)."""
    log = log_dir / f"serve-{port}-{time.monotonic_ns()}.log"
    server = services.start_kontakt(["serve", "--port", str(port)], log, extra_env)
    server.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.log()}")
        try:
            if httpx.get(server.url + "/api/v1/health", timeout=2).status_code in (200, 503):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log()}")


def admin_http(server) -> httpx.Client:
    """An HTTP client signed in as the administrator, to check what reached the server."""
    from tests.conftest import ADMIN_PASSWORD

    http = httpx.Client(base_url=server.url, timeout=30)
    answer = http.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return http


AGENT_PASSWORD = ROLE_PASSWORD


RECEPTION = "visitor_reception"
RECEPTION_BASE = "/api/v1/plugins/visitor_reception"


@pytest.fixture(scope="module")
async def reception_server(
    runtime, role_users, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    """A ``kontakt serve`` with the visitor reception plugin enabled (persisted, migrations
    run, as the admin API does it), two hosts accepting visitors (one in a protected unit,
    both able to sign in to the desktop) and a paired kiosk; at the end the hosts no longer
    accept visitors, the kiosk is revoked and the plugin's earlier state is restored."""
    from core.auth import service as auth
    from core.plugin_admin import service
    from plugins.visitor_reception import hosts, kiosks

    was_enabled = RECEPTION in await service.enabled_names()
    await service.set_enabled("test", RECEPTION, True)
    suffix = uuid.uuid4().hex[:6]
    made = {}
    for key, full_name, unit, protected in (
        ("host", f"Vilma Värd {suffix}", "Bygglov", False),
        ("social", f"Sune Social {suffix}", "Individ- och familjeomsorg", True),
    ):
        username = f"desk-{key}-{suffix}"
        await auth.create_user("test", username, full_name, ROLE_PASSWORD, ["case_officer"])
        made[key] = await hosts.save("test", username, unit, "Plan 2", protected, True)
    kiosk = await kiosks.pair("test", f"Entrén {suffix}", "Huvudentrén")
    server = services.start_server(tmp_path_factory.mktemp("reception-server"))
    try:
        yield {**made, "kiosk_token": kiosk["token"], "server": server}
    finally:
        server.stop()
        # the session's database is shared: later tests search hosts and use kiosks
        for key, row in made.items():
            await hosts.save("test", f"desk-{key}-{suffix}", row["unit"], "Plan 2", False, False)
        await kiosks.revoke("test", kiosk["id"])
        if not was_enabled:
            await service.set_enabled("test", RECEPTION, False)


def kiosk_check_in(server, token: str, host_id: int, visitor: str, **fields: Any) -> dict:
    """A visitor checks in at the kiosk over HTTP (as the entrance tablet does)."""
    answer = httpx.post(
        f"{server.url}{RECEPTION_BASE}/kiosk/check-in",
        json={"visitor_name": visitor, "host_id": host_id, **fields},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["visit"]


def user_http(server, username: str, password: str = ROLE_PASSWORD) -> httpx.Client:
    """An HTTP client signed in as ``username``."""
    http = httpx.Client(base_url=server.url, timeout=30)
    answer = http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return http


DIARIUM = "diarium"
DIARIUM_BASE = "/api/v1/plugins/diarium"


@pytest.fixture(scope="module")
async def diarium_server(
    runtime, role_users, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    """A ``kontakt serve`` with the diarium enabled (persisted, migrations run, as the admin
    API does it), the diarium tests' series ``TKS`` and classification plan, and an open case
    file in the series; at the end the plugin's earlier state is restored."""
    from core.plugin_admin import service
    from plugins.diarium.registry import casefiles, classification, series
    from tests.plugins.diarium.conftest import PLAN_CSV, SERIES

    was_enabled = DIARIUM in await service.enabled_names()
    await service.set_enabled("test", DIARIUM, True)
    try:
        found = await series.get_by_code(SERIES["code"])
    except Exception:
        found = await series.create("test", **SERIES)
    await classification.import_plan("test", PLAN_CSV.encode(), "plan.csv", plan_version="test")
    case_file = await casefiles.open_case_file(
        "test",
        series_code=SERIES["code"],
        title_public="Bygglov för förråd, Storgatan 12",
        classification_code="1.2.1",
        officer=role_users["case_officer"],
    )
    # the API process sweeps the timers every second (one box): a late request's alarm
    # (diarium.request_overdue) comes at once
    server = services.start_server(
        tmp_path_factory.mktemp("diarium-server"), {"KONTAKT_SLA_SWEEP_SECONDS": "1"}
    )
    try:
        yield {"server": server, "series": found, "case_file": case_file}
    finally:
        server.stop()
        if not was_enabled:
            await service.set_enabled("test", DIARIUM, False)


async def make_draft(text: str, source: str = "upload", **extra: Any) -> dict[str, Any]:
    """A draft made by the intake's own service from text (no OCR), as its tests make them."""
    from tests.plugins.diarium.drafts import make_draft as make

    return await make(text, source, **extra)
