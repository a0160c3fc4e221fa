"""Small builders so every control gets a visible shortcut and an accessible name."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QPushButton, QWidget


def shortcut_text(shortcut: str) -> str:
    """The shortcut as the platform writes it (``Ctrl+S``, ``⌘S`` on macOS)."""
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


def button(
    parent: QWidget, label: str, shortcut: str | None, slot: Callable[[], object]
) -> QPushButton:
    """A push button showing its shortcut (``Spara  Ctrl+S``), named for screen readers."""
    text = f"{label}  ({shortcut_text(shortcut)})" if shortcut else label
    widget = QPushButton(text, parent)
    widget.setAccessibleName(label)
    widget.clicked.connect(slot)
    if shortcut:
        widget.setToolTip(f"{label} ({shortcut_text(shortcut)})")
        QShortcut(QKeySequence(shortcut), parent, activated=widget.click)
    return widget


def name(widget: QWidget, accessible: str, description: str = "") -> QWidget:
    """Give ``widget`` its accessible name (and description)."""
    widget.setAccessibleName(accessible)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def label_for(text: str, buddy: QWidget, parent: QWidget) -> QLabel:
    """A label with a mnemonic (``&Sammanfattning`` → Alt+S) that moves focus to ``buddy``."""
    label = QLabel(text, parent)
    label.setBuddy(buddy)
    if not buddy.accessibleName():
        buddy.setAccessibleName(text.replace("&", ""))
    return label
