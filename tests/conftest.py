"""Shared fixtures: one provisioned installation per test session, on SQLite or on
PostgreSQL + Redis (``KONTAKT_TEST_BACKEND=postgres``), with a user for every role."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from core import db
from core.contracts import ROLES
from core.settings import Settings, load_settings
from tests.support import services

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "admin-password-123"
ROLE_PASSWORD = "role-password-123"


# Tests that run in one pass only, to keep the suite under 15 minutes: the desktop client
# speaks HTTP only, and its tests run against a server on SQLite (as the desktop issue asks);
# schemathesis walks the whole API against a server on PostgreSQL + Redis, where the
# database's own errors (out-of-range values, data errors) are the ones to catch.
ONE_PASS = {"tests/desktop/": "sqlite", "tests/core/test_schemathesis.py": "postgres"}


def pytest_report_header(config) -> str:
    backend = services.backend()
    elsewhere = [path for path, only in ONE_PASS.items() if only != backend]
    return f"kontakt test backend: {backend} (in the other pass only: {', '.join(elsewhere)})"


def pytest_collection_modifyitems(config, items) -> None:
    """Leave out the tests that run in the other pass only (listed in the report header and
    counted as deselected, never skipped silently)."""
    backend = services.backend()
    elsewhere = tuple(path for path, only in ONE_PASS.items() if only != backend)
    kept, left = [], []
    for item in items:
        path = Path(str(item.path)).resolve().relative_to(ROOT).as_posix()
        (left if path.startswith(elsewhere) else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """This session's settings; also exported as KONTAKT_* so child processes share them."""
    data_dir = tmp_path_factory.mktemp("kontakt-data")
    env = {
        "KONTAKT_DATA_DIR": str(data_dir),
        "KONTAKT_INSTANCE_NAME": f"kt{uuid.uuid4().hex[:8]}",
        "KONTAKT_SQLITE_SYNCHRONOUS": "NORMAL",
        # the in-process app must not sweep the shared database behind the servers' backs
        "KONTAKT_SLA_SWEEP_SECONDS": "0",
    }
    database_url = ""
    if services.backend() == "postgres":
        database_url = services.create_pg_database()
        env["KONTAKT_DATABASE_URL"] = database_url
        env["KONTAKT_REDIS_URL"] = services.REDIS_URL
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield load_settings()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if database_url:
            services.drop_pg_database(database_url)


@pytest.fixture(scope="session")
async def runtime(settings: Settings):
    """A provisioned installation: keys, migrations, the admin user; bootstrapped."""
    from core import provision
    from core.runtime import bootstrap_async

    provision.prepare(settings)
    await provision.initialize(settings, "admin", ADMIN_PASSWORD)
    result = await bootstrap_async(settings)
    yield result
    await db.close_pool()


@pytest.fixture(scope="session")
async def app(runtime):
    from core.app import create_app

    return create_app(runtime)


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator[AsyncTestClient]:
    """An in-process HTTP client for the app (runs its startup and shutdown)."""
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
async def role_users(client) -> dict[str, str]:
    """One active user per role, named '<role>-user'; returns role -> username."""
    from core.auth import service

    names = {}
    for role in ROLES:
        username = f"{role.replace('_', '-')}-user"
        try:
            await service.get_user(username)
        except Exception:
            await service.create_user("test", username, f"Test {role}", ROLE_PASSWORD, [role])
        names[role] = username
    return names


_tokens: dict[str, str] = {}


async def login(client, username: str, password: str) -> dict[str, str]:
    """Authorization headers for a fresh login."""
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture(scope="session")
async def auth_headers(client, role_users):
    """``await auth_headers("agent")`` -> Authorization headers for that role (cached)."""

    async def get(role: str) -> dict[str, str]:
        if role == "admin":
            username, password = "admin", ADMIN_PASSWORD
        else:
            username, password = role_users[role], ROLE_PASSWORD
        if username not in _tokens:
            _tokens[username] = (await login(client, username, password))["Authorization"]
        return {"Authorization": _tokens[username]}

    return get


@pytest.fixture
def relay_socket() -> Iterator[Path]:
    """A live-event relay socket path of the test's own (short enough for a socket name),
    removed with its folder afterwards."""
    with tempfile.TemporaryDirectory(prefix="kt-relay-") as folder:
        yield Path(folder) / "live.sock"


@pytest.fixture
def server_factory(tmp_path: Path, runtime):
    """Start real ``kontakt serve`` processes against this session's database."""
    started: list[services.Process] = []

    def start(extra_env: dict[str, str] | None = None) -> services.Process:
        server = services.start_server(tmp_path, extra_env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def http(server: services.Process) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30)
