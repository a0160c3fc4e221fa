"""Persisted plugin state; a plugin without a row is disabled."""

from piccolo.columns import BigInt, Boolean, Varchar
from piccolo.table import Table


class PluginState(Table, tablename="plugin_state"):
    name = Varchar(length=100, unique=True, index=True)
    enabled = Boolean(default=False)
    changed_by = Varchar(length=150, default="")
    changed_at = BigInt(default=0)
