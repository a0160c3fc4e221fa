"""Fixture plugin ``kt_bad_creds``: setup raises PluginAuthFailed."""

from __future__ import annotations

from core.contracts import PluginAuthFailed
from core.hookspecs import hookimpl


@hookimpl
def plugin_setup() -> None:
    raise PluginAuthFailed("the mail server refused the user kt-fixture")
