"""Piccolo's configuration module (``PICCOLO_CONF=core.piccolo_conf``).

Used by ``kontakt migrate`` and by the piccolo CLI when a developer writes a migration. The
engine is the process's configured one; the app registry lists the core and every plugin that
is installed (enabled or not), so each plugin's migrations can be found.
"""

from piccolo.conf.apps import AppRegistry

from core import db
from core.plugin_host import installed_piccolo_apps
from core.settings import load_settings

try:
    DB = db.get_engine()
except db.DatabaseNotConfigured:
    DB = db.configure(load_settings())

APP_REGISTRY = AppRegistry(apps=["core.piccolo_app", *installed_piccolo_apps()])
