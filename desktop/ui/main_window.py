"""The main window: the contact form, case lists, knowledge, call-backs, the SLA monitor and
the plugins' panels as tabs (F2…F8), an offline banner and the outbox in the status bar."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from desktop import panels
from desktop.i18n import _
from desktop.ui import crisis_banner, crisis_tagging, tasks
from desktop.ui.callbacks import CallbacksView
from desktop.ui.case_list import CaseListsView
from desktop.ui.case_view import CaseWindow
from desktop.ui.contact_form import ContactFormView
from desktop.ui.knowledge import KnowledgeView
from desktop.ui.my_groups import MyGroupsView
from desktop.ui.reports import ReportsView
from desktop.ui.sla_monitor import SlaMonitorView
from desktop.ui.widgets import name
from desktop.viewmodels.case_view import CaseViewModel
from desktop.viewmodels.contact_form import ContactFormModel
from desktop.viewmodels.my_groups import MyGroupsModel
from desktop.viewmodels.reports import PERMISSION as REPORTS_PERMISSION
from desktop.viewmodels.reports import ReportsModel
from desktop.viewmodels.session import Session
from desktop.viewmodels.sla_monitor import SlaMonitorModel

MONITOR_PERMISSION = "cases.monitor"


class MainWindow(QMainWindow):
    def __init__(self, session: Session, on_sign_out: Callable[[], None]) -> None:
        super().__init__()
        self.session = session
        self.on_sign_out = on_sign_out
        me = session.client.me
        self.setWindowTitle(
            _("Kontaktcenter — {name}").format(name=me.get("full_name") or me.get("username"))
        )
        self.resize(1280, 800)
        name(self, self.windowTitle())

        self.banner = QLabel(
            _(
                "The server cannot be reached. What you save is kept on this computer and "
                "sent when the server answers again."
            ),
            self,
        )
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "background: #a1260d; color: white; padding: 6px; font-weight: 600;"
        )
        name(self.banner, _("Offline notice"))
        self.banner.hide()

        self.contact_model = ContactFormModel(session.client, session.outbox, session.drafts)
        self.contact_form = ContactFormView(self.contact_model, self)
        self.crisis_tagging = crisis_tagging.mount(self.contact_form, session, self.contact_model)
        self.case_type_names: dict[str, str] = {}
        self.case_lists = CaseListsView(session.client, self.open_case, self.case_type_names, self)
        self.knowledge = KnowledgeView(session.client, self)
        self.callbacks = CallbacksView(session.client, self)
        self.my_groups = MyGroupsView(
            MyGroupsModel(session.client), self, self.open_case, self.case_type_names
        )
        self.monitor_model = SlaMonitorModel()
        self.tabs = QTabWidget(self)
        name(self.tabs, _("Views"))
        views: list[tuple[QWidget, str, str]] = [
            (self.contact_form, _("Contact"), "F2"),
            (self.case_lists, _("Cases"), "F3"),
            (self.knowledge, _("Knowledge"), "F4"),
            (self.callbacks, _("Call-backs"), "F5"),
            (self.my_groups, _("My groups"), "F8"),
        ]
        if session.can(MONITOR_PERMISSION):
            self.monitor = SlaMonitorView(self.monitor_model, self)
            views.append((self.monitor, _("SLA monitor"), "F6"))
        if session.can(REPORTS_PERMISSION):
            self.reports = ReportsView(ReportsModel(session.client), self)
            self.reports.reload()
            views.append((self.reports, _("Reports"), "F11"))
        context = panels.PanelContext(session, self.contact_model, self.open_case)
        self.panels: list[QWidget] = []
        for spec in panels.enabled(session.client.permissions()):
            widget = spec.create(context, self)
            self.panels.append(widget)
            views.append((widget, _(spec.title), spec.shortcut))

        file_menu = self.menuBar().addMenu(_("&File"))
        for title, shortcut, slot in (
            (_("Send saved contacts now"), "Ctrl+Shift+S", self.flush_outbox),
            (_("Sign out"), "Ctrl+Shift+Q", self.sign_out),
        ):
            action = QAction(title, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            file_menu.addAction(action)
            self.addAction(action)

        view_menu = self.menuBar().addMenu(_("&View"))
        for widget, title, shortcut in views:
            self.tabs.addTab(widget, f"{title} ({shortcut})")
            action = QAction(title, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _checked=False, w=widget: self.show_panel(w))
            view_menu.addAction(action)
            self.addAction(action)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.crisis_banner = crisis_banner.mount(self, session, self.contact_form)
        self.user_label = QLabel(me.get("username", ""), self)
        self.outbox_label = QLabel("", self)
        name(self.outbox_label, _("Contacts waiting to be sent"))
        self.statusBar().addPermanentWidget(self.outbox_label)
        self.statusBar().addPermanentWidget(self.user_label)
        tasks.on_error(self._background_failed)

        session.subscribe(self.refresh_state)
        session.on_event(self.on_event)
        session.on_gap(self.catch_up)
        self.contact_model.subscribe(self.refresh_state)
        self.contact_model.subscribe(self._case_types_loaded)
        self.contact_model.on_sent.append(lambda answer: self.case_lists.reload())
        if self.contact_model.restore():
            self.statusBar().showMessage(_("Your unsaved contact was restored."), 8000)
        tasks.spawn(self.contact_model.load_case_types())
        self.case_lists.reload()
        self.callbacks.reload()
        self.my_groups.reload()
        self.refresh_state()

    def _case_types_loaded(self) -> None:
        if len(self.case_type_names) != len(self.contact_model.case_types):
            self.case_type_names.update(
                {t["code"]: t.get("name_sv") or t["code"] for t in self.contact_model.case_types}
            )

    def show_panel(self, widget: QWidget) -> None:
        self.tabs.setCurrentWidget(widget)

    def show_contact_form(self) -> None:
        self.tabs.setCurrentWidget(self.contact_form)
        self.contact_form.summary.setFocus()

    def open_case(self, number: str) -> None:
        window = CaseWindow(CaseViewModel(self.session.client, number), self)
        window.show()

    def on_event(self, event: dict) -> None:
        self.case_lists.apply_event(event)
        self.my_groups.apply_event(event)
        self.monitor_model.apply_event(event)
        if event.get("type") in ("system.notice", "system.lead_notice"):
            self.statusBar().showMessage((event.get("data") or {}).get("message", ""), 15000)

    def catch_up(self) -> None:
        """After the live events were interrupted: fetch what may have changed."""
        self.case_lists.reload()
        self.callbacks.reload()
        self.my_groups.reload()
        tasks.spawn(self.session.flush_outbox())

    def refresh_state(self) -> None:
        last = self.contact_model.last
        offline = not self.session.online or (last is not None and last.status == "queued")
        if self.session.online and last is not None and last.status == "queued":
            offline = len(self.session.outbox) > 0
        self.banner.setVisible(offline)
        waiting = len(self.session.outbox)
        self.outbox_label.setText(
            _("{count} contacts waiting to be sent").format(count=waiting) if waiting else ""
        )

    def flush_outbox(self) -> None:
        tasks.spawn(self.session.flush_outbox())

    def sign_out(self) -> None:
        self.on_sign_out()

    def _background_failed(self, error: BaseException) -> None:
        self.statusBar().showMessage(str(getattr(error, "detail", error)), 10000)
