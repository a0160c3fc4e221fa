"""Fixture plugin ``kt_needs_sample``: depends on ``kt_sample`` (manifest ``dependencies``)."""

from __future__ import annotations

from core.hookspecs import hookimpl

SET_UP: list[bool] = []


@hookimpl
def plugin_setup() -> None:
    SET_UP.append(True)
