"""The telephony plugin's Piccolo app (its own migrations, after the core's)."""

import os

from piccolo.conf.apps import AppConfig

from plugins.telephony_centrex.tables import (
    TelephonyAgentState,
    TelephonyCall,
    TelephonyCallEvent,
    TelephonyMessage,
)

APP_CONFIG = AppConfig(
    app_name="telephony_centrex",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=[TelephonyCall, TelephonyCallEvent, TelephonyAgentState, TelephonyMessage],
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
