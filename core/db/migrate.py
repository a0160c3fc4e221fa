"""Running Piccolo migrations for the core and plugins (idempotent)."""

from __future__ import annotations

import contextlib
import io
import os

from core.plugin_host import discover

PICCOLO_CONF = "core.piccolo_conf"


class MigrationFailed(RuntimeError):
    pass


async def _forwards(app_name: str) -> str:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)
    import importlib
    import sys

    from core import db

    conf = sys.modules.get(PICCOLO_CONF) or importlib.import_module(PICCOLO_CONF)
    conf.DB = db.get_engine()  # the installation configured in this process, not the first one
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = await run_forwards(app_name=app_name)
    if not result.success:
        raise MigrationFailed(f"migrations of {app_name!r} failed: {result.message}")
    return output.getvalue()


async def migrate_core() -> str:
    return await _forwards("core")


async def migrate_apps(plugin_names: list[str]) -> list[str]:
    """Bring the core and the named plugins' apps forward; returns the app names migrated."""
    await migrate_core()
    done = ["core"]
    installed = discover()
    for name in plugin_names:
        info = installed.get(name)
        if info is None or info.manifest is None or not info.piccolo_app:
            continue
        from importlib import import_module

        app_config = import_module(info.piccolo_app).APP_CONFIG
        await _forwards(app_config.app_name)
        done.append(app_config.app_name)
    return done
