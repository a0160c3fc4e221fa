"""Fixtures for the plugin-host tests: the fixture plugins installed as entry points, and a
helper that enables or disables a plugin the way the admin API does (persisted + applied to
the session's app)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from tests.core.plugins import fixture_plugins

# Dependants first, so that disabling in this order never hits a dependency conflict.
TEARDOWN_ORDER = (
    "kt_needs_sample",
    "kt_not_ready",
    "kt_bad_creds",
    "kt_broken",
    "kt_sample",
)

SetState = Callable[[str, bool], Awaitable[dict]]


@pytest.fixture(scope="session")
def fixture_plugins_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/plugins/* installed as third-party plugins (entry points) for the session."""
    return fixture_plugins.install(tmp_path_factory.mktemp("kt-site"))


@pytest.fixture(scope="session")
def bad_manifest_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site folder declaring kt_bad_manifest (not on the path unless a test asks)."""
    site = tmp_path_factory.mktemp("kt-bad-site")
    fixture_plugins.write_dist_info(site, fixture_plugins.BAD_DIST_NAME, fixture_plugins.BAD_NAMES)
    return site


@pytest.fixture
def bad_manifest_installed(fixture_plugins_site, bad_manifest_site) -> Iterator[dict[str, str]]:
    """kt_bad_manifest installed for this test only; yields the env for subprocesses."""
    sys.path.append(str(bad_manifest_site))
    importlib.invalidate_caches()
    try:
        yield fixture_plugins.subprocess_env(bad_manifest_site)
    finally:
        sys.path.remove(str(bad_manifest_site))
        importlib.invalidate_caches()


async def apply_state(app, name: str, enabled: bool, actor: str = "test") -> dict:
    """Persist (audited, migrations on enable) and apply to the in-process app."""
    from core.plugin_admin import runtime, service

    result = await service.set_enabled(actor, name, enabled)
    return {**result, **await runtime.apply(app, name, enabled, actor)}


@pytest.fixture(scope="module")
async def set_state(fixture_plugins_site, app, client) -> AsyncIterator[SetState]:
    """``await set_state(name, enabled)``; every fixture plugin is disabled again afterwards,
    so the session's shared app and database are left as the module found them."""

    async def change(name: str, enabled: bool) -> dict:
        return await apply_state(app, name, enabled)

    yield change
    await disable_all(app)


async def disable_all(app) -> None:
    """Disable every fixture plugin in the database and in the in-process app."""
    for name in TEARDOWN_ORDER:
        await apply_state(app, name, False)
