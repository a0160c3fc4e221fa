"""The visitor reception plugin's Piccolo app (its own migrations, after the core's)."""

import os

from piccolo.conf.apps import AppConfig

from plugins.visitor_reception.tables import (
    VisitorHost,
    VisitorKiosk,
    VisitorRollCall,
    VisitorVisit,
)

APP_CONFIG = AppConfig(
    app_name="visitor_reception",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=[VisitorKiosk, VisitorHost, VisitorVisit, VisitorRollCall],
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
