"""The diarium plugin's Piccolo app (its own migrations, after the core's).

Each area of the plugin lists its table classes in its package (``tables()``).
"""

import os

from piccolo.conf.apps import AppConfig

from plugins.diarium import areas

APP_CONFIG = AppConfig(
    app_name="diarium",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=[table for area in areas.modules() for table in area.tables()],
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
