"""The sign-in window: server address, certificate fingerprint, username, password."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop import i18n
from desktop.api.errors import ApiError, Unreachable
from desktop.api.tls import FingerprintMismatch
from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.widgets import button, label_for, name

if TYPE_CHECKING:
    from desktop.api.client import ApiClient
from desktop.viewmodels.signin import SignInModel


class SignInWindow(QWidget):
    """Calls ``on_signed_in(client)`` once the user is signed in."""

    def __init__(self, on_signed_in: Callable[[ApiClient], None]) -> None:
        super().__init__()
        self.on_signed_in = on_signed_in
        self.model = SignInModel(i18n.language())
        self.settings = QSettings("Kontaktcenter", "desktop")
        self.setWindowTitle(_("Kontaktcenter — sign in"))
        self.setMinimumWidth(460)
        name(self, _("Sign in to Kontaktcenter"))

        title = QLabel(_("Kontaktcenter"), self)
        title.setObjectName("title")
        title.setStyleSheet("font-size: 20pt; font-weight: 600;")
        subtitle = QLabel(_("One way in — sign in to the contact center"), self)

        self.address = QLineEdit(str(self.settings.value("address", "")), self)
        self.address.setPlaceholderText("https://kontaktcenter.kommun.se")
        self.fingerprint = QLineEdit(str(self.settings.value("fingerprint", "")), self)
        self.fingerprint.setPlaceholderText("AB:CD:EF:…")
        name(
            self.fingerprint,
            _("Certificate fingerprint"),
            _("The SHA-256 fingerprint the installer printed (for a self-signed certificate)"),
        )
        self.username = QLineEdit(str(self.settings.value("username", "")), self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.language = QComboBox(self)
        self.language.addItem("Svenska", "sv")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(0 if i18n.language() == "sv" else 1)

        form = QFormLayout()
        form.addRow(label_for(_("&Server address"), self.address, self), self.address)
        form.addRow(label_for(_("&Fingerprint"), self.fingerprint, self), self.fingerprint)
        form.addRow(label_for(_("&Username"), self.username, self), self.username)
        form.addRow(label_for(_("&Password"), self.password, self), self.password)
        form.addRow(label_for(_("&Language"), self.language, self), self.language)

        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a1260d;")
        name(self.message, _("Sign-in message"))
        self.submit = button(self, _("Sign in") + "  (Enter)", None, self.start_sign_in)
        self.submit.setAccessibleName(_("Sign in"))
        for field in (self.address, self.fingerprint, self.username, self.password):
            field.returnPressed.connect(self.start_sign_in)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.submit, alignment=Qt.AlignmentFlag.AlignRight)
        (self.username if self.address.text() else self.address).setFocus()
        if self.address.text() and self.username.text():
            self.password.setFocus()

    def start_sign_in(self) -> None:
        problems = self.model.problems(
            self.address.text(), self.username.text(), self.password.text(), self.fingerprint.text()
        )
        if problems:
            self.message.setText(" ".join(problems))
            return
        i18n.set_language(self.language.currentData())
        self.model.language = i18n.language()
        self.submit.setEnabled(False)
        self.message.setText(_("Signing in…"))
        tasks.spawn(self._sign_in())

    async def _sign_in(self) -> None:
        try:
            client = await self.model.sign_in(
                self.address.text(),
                self.username.text(),
                self.password.text(),
                self.fingerprint.text(),
            )
        except FingerprintMismatch as exc:
            self.message.setText(_("The certificate does not match the fingerprint: ") + str(exc))
        except ssl.SSLError as exc:
            self.message.setText(_("The server's certificate is not trusted: ") + str(exc))
        except Unreachable:
            self.message.setText(_("The server cannot be reached."))
        except ApiError as exc:
            self.message.setText(exc.detail)
        else:
            for key, field in (
                ("address", self.address),
                ("fingerprint", self.fingerprint),
                ("username", self.username),
            ):
                self.settings.setValue(key, field.text())
            self.password.clear()
            self.on_signed_in(client)
        finally:
            self.submit.setEnabled(True)
