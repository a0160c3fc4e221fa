"""Panels that come with server plugins: one module per plugin, shown only when it is on.

A panel module defines ``PANEL = PanelSpec(...)``. The server registers a plugin's
permissions only while the plugin is enabled, so a panel is shown when the signed-in user
holds the panel's ``permission`` (``GET /api/v1/auth/me``). First-party panels are listed in
:data:`FIRST_PARTY`; others come from the entry-point group ``kontakt.desktop_panels``. A new
plugin adds its panel as a module, without touching the others or the main window.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.viewmodels.contact_form import ContactFormModel
    from desktop.viewmodels.session import Session

log = logging.getLogger(__name__)

FIRST_PARTY = ("desktop.panels.telephony", "desktop.panels.reception", "desktop.panels.diarium")
ENTRY_POINT_GROUP = "kontakt.desktop_panels"


@dataclass
class PanelContext:
    """What a panel may use: the session, the contact form, opening a case."""

    session: Session
    contact_form: ContactFormModel
    open_case: Callable[[str], None]


@dataclass(frozen=True)
class PanelSpec:
    plugin: str
    permission: str
    title: str  # a msgid of the desktop catalogue
    shortcut: str
    create: Callable[[PanelContext, Any], QWidget]


def discover() -> list[PanelSpec]:
    """Every panel this installation knows (first-party and from entry points)."""
    specs = []
    modules: list[Any] = []
    for path in FIRST_PARTY:
        modules.append(importlib.import_module(path))
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            modules.append(point.load())
        except Exception:
            log.exception("desktop panel %s could not be loaded", point.name)
    for module in modules:
        spec = getattr(module, "PANEL", None)
        if isinstance(spec, PanelSpec):
            specs.append(spec)
    return specs


def enabled(permissions: frozenset[str], specs: list[PanelSpec] | None = None) -> list[PanelSpec]:
    """The panels whose plugin is on and which this user may use."""
    return [
        spec for spec in (discover() if specs is None else specs) if spec.permission in permissions
    ]
