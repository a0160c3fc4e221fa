"""``kontakt-desktop``: the application, its asyncio loop (qasync) and the windows."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop import i18n
from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.signin import SignInWindow

if TYPE_CHECKING:
    from desktop.api.client import ApiClient
    from desktop.ui.main_window import MainWindow
    from desktop.viewmodels.session import Session


class DesktopApp:
    """Sign-in window first; the main window while signed in; back on sign-out."""

    def __init__(self) -> None:
        self.signin: SignInWindow | None = None
        self.main: MainWindow | None = None
        self.session: Session | None = None

    def show_sign_in(self) -> SignInWindow:
        self.signin = SignInWindow(self.signed_in)
        self.signin.show()
        self.signin.activateWindow()
        QTimer.singleShot(50, preload)
        return self.signin

    def signed_in(self, client: ApiClient) -> None:
        from desktop.api import storage
        from desktop.ui.main_window import MainWindow
        from desktop.viewmodels.session import Session

        self.session = Session(client, storage.data_dir())
        client.on_expired.append(self.session_expired)
        self.session.start()
        self.main = MainWindow(self.session, self.sign_out)
        self.main.show()
        self.main.activateWindow()
        if self.signin is not None:
            self.signin.close()

    def session_expired(self) -> None:
        """The server no longer accepts the token (revoked or expired): sign in again.

        What was typed stays: the draft and the outbox are on disk and come back with the
        next sign-in."""
        self.sign_out()
        if self.signin is not None:
            self.signin.message.setText(_("Your session has ended. Please sign in again."))

    def sign_out(self) -> None:
        """Back to the sign-in window. It opens before the main window closes: with no window
        open for a moment, Qt would end the application."""
        session, self.session = self.session, None
        self.show_sign_in()
        if self.main is not None:
            self.main.close()
            self.main.deleteLater()
            self.main = None
        if session is not None:
            tasks.spawn(session.stop())


def preload() -> None:
    """Import the main window while the user types the password (sign-in is then quick)."""
    import desktop.ui.main_window  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Start the desktop client."""
    import qasync

    parser = argparse.ArgumentParser(prog="kontakt-desktop")
    parser.add_argument("--language", choices=i18n.LANGUAGES, default="sv")
    args, qt_args = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    i18n.set_language(args.language)
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Kontaktcenter")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    tasks.set_loop(loop)
    desktop = DesktopApp()
    desktop.show_sign_in()
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
