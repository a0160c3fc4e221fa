"""The core's Piccolo app: its tables and migrations (plugins depend on it)."""

import os

from piccolo.conf.apps import AppConfig

from core.audit.tables import AuditCheckpoint, AuditEntry
from core.auth.tables import AuthToken, User
from core.plugin_admin.tables import PluginState

CORE_TABLES = [AuditEntry, AuditCheckpoint, User, AuthToken, PluginState]

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "db", "migrations"),
    table_classes=CORE_TABLES,
    migration_dependencies=[],
    commands=[],
)
