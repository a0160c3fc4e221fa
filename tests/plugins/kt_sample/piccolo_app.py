"""The sample plugin's Piccolo app (its own migrations, after the core's)."""

import os

from piccolo.conf.apps import AppConfig

from kt_sample.tables import KtSampleItem

APP_CONFIG = AppConfig(
    app_name="kt_sample",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=[KtSampleItem],
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
