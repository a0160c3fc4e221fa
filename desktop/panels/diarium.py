"""The shared diarium's panel for the registrator (Ctrl+Shift+D).

Shown to holders of ``diarium.register``. Three pages: the drafts queue (scanned post and
shared-mailbox drafts; open one for its OCR text and files, register it into a series and
optionally a case file with public and protected text and a secrecy marking, or discard it),
the registrator's search over the diary entries (secret-marked entries carry the warning) and
the open requests for public documents with their timers, refreshed by the live events.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _
from desktop.panels import PanelContext, PanelSpec
from desktop.ui import tasks
from desktop.ui.row_table import Column, RowTable
from desktop.ui.widgets import button, label_for, name
from desktop.viewmodels import labels, sla
from desktop.viewmodels.diarium import (
    DIRECTION,
    READ,
    REGISTER,
    REQUEST_CHANNEL,
    REQUEST_OVERDUE,
    REQUEST_STATUS,
    REQUESTS,
    SECRET_WARNING,
    SOURCE,
    DiariumModel,
    Registration,
    forget_pdf,
    request_details,
    request_state,
    requester,
)

NOTICE_MS = 30000
NEW_CASE_FILE = "new"  # the case-file choice that opens one with the registration
REQUEST_SECONDS = 60  # the timers move on: the open requests are fetched again every minute
COLOURS = {"breached": "#f8d7da", "warning": "#fff3cd"}
SECRET_COLOUR = "#f3d9fa"
DRAFT_COLUMNS: list[Column] = [
    (N_("Received"), lambda d: str(d.get("received_date") or "")),
    (N_("Source"), lambda d: labels.label(SOURCE, d.get("source"))),
    (N_("Sender (suggested)"), lambda d: str((d.get("suggestions") or {}).get("sender") or "")),
    (N_("Subject (suggested)"), lambda d: str((d.get("suggestions") or {}).get("subject") or "")),
    (
        N_("Personal ID number"),
        lambda d: _("Found") if (d.get("personnummer") or {}).get("found") else "",
    ),
]
RESULT_COLUMNS: list[Column] = [
    (N_("Reference number"), lambda r: str(r.get("number") or "")),
    (N_("Date"), lambda r: str(r.get("document_date") or "")),
    (N_("Direction"), lambda r: labels.label(DIRECTION, r.get("direction"))),
    (N_("Counterpart"), lambda r: str(r.get("counterpart_public") or "")),
    (N_("Brief content"), lambda r: str(r.get("public_text") or "")),
    (N_("Case file"), lambda r: str(r.get("case_file_number") or "")),
    (N_("Secrecy"), lambda r: _("Marked secret") if r.get("secret") else ""),
]
REQUEST_COLUMNS: list[Column] = [
    (N_("Request"), lambda r: str(r.get("number") or "")),
    (N_("Timer"), lambda r: sla.state_label(request_state(r))),
    (
        N_("Time left"),
        lambda r: sla.format_left(
            sla.seconds_left((r.get("sla") or {}).get("resolution_due"), time.time())
        ),
    ),
    (N_("Received"), lambda r: labels.local_time(r.get("received_at"))),
    (N_("Channel"), lambda r: labels.label(REQUEST_CHANNEL, r.get("channel"))),
    (N_("Requester"), requester),
    (N_("Status"), lambda r: labels.label(REQUEST_STATUS, r.get("status"))),
    (N_("Document"), lambda r: str(r.get("document_ref") or "")),
    (N_("Description"), lambda r: " ".join(str(r.get("description") or "").split())[:120]),
]


def overdue_text(event: dict[str, Any]) -> str:
    """The alarm of a ``diarium.request_overdue`` event ("" for other events)."""
    if event.get("type") != REQUEST_OVERDUE:
        return ""
    data = event.get("data") or {}
    number = data.get("number") or "?"
    if data.get("state") == "breach":
        return _("Request {number} has passed its time: handle it promptly.").format(number=number)
    return _("Request {number} is about to pass its time.").format(number=number)


_quit_hooked: set[int] = set()  # the applications told to remove the viewing copy at quit


def _forget_pdf_at_quit() -> None:
    """Remove the scan's viewing copy when the application quits (connected once per
    application, not once per panel: a panel is made at every sign-in)."""
    app = QCoreApplication.instance()
    if app is not None and id(app) not in _quit_hooked:
        _quit_hooked.add(id(app))
        app.aboutToQuit.connect(forget_pdf)


class DiariumPanel(QWidget):
    """The drafts queue, the registrator's search and the open requests."""

    def __init__(self, context: PanelContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = context.session
        self.model = DiariumModel(self.session.client)
        self.open_file: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.opened_pdf: Path | None = None
        forget_pdf()  # a copy a crash left behind
        _forget_pdf_at_quit()
        self._shown_draft: int | None = None  # the draft the form was filled from
        name(self, _("Diarium"))
        layout = QVBoxLayout(self)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        name(self.message, _("Message"))
        self.message.hide()  # shown while it has something to say
        layout.addWidget(self.message)
        self.pages = QTabWidget(self)
        name(self.pages, _("Diarium pages"))
        layout.addWidget(self.pages, 1)
        self.pages.addTab(self._drafts_page(), _("Drafts to register (Ctrl+1)"))
        self.search_page: QWidget | None = None
        self.requests_page: QWidget | None = None
        if self.session.can(READ):
            self.search_page = self._search_page()
            self.pages.addTab(self.search_page, _("Search the diarium (Ctrl+2)"))
        if self.session.can(REQUESTS):
            self.requests_page = self._requests_page()
            self.pages.addTab(self.requests_page, _("Requests for public documents (Ctrl+3)"))
            self.request_timer = QTimer(self, interval=REQUEST_SECONDS * 1000)
            self.request_timer.timeout.connect(self.reload_requests)
            self.request_timer.start()
        for number, page in enumerate((self.drafts_page, self.search_page, self.requests_page)):
            if page is not None:
                QShortcut(
                    QKeySequence(f"Ctrl+{number + 1}"),
                    self,
                    activated=lambda p=page: self.show_page(p),
                )
        self.model.subscribe(self.show_model)
        self.session.on_event(self.on_event)
        self.session.on_gap(self.reload)
        self.reload()

    # --- building --------------------------------------------------------------------------

    def _drafts_page(self) -> QWidget:
        page = self.drafts_page = QWidget(self)
        columns = QHBoxLayout(page)
        self.queue_box = QGroupBox(_("Drafts to register"), page)
        queue = QVBoxLayout(self.queue_box)
        self.drafts = RowTable(DRAFT_COLUMNS, _("Drafts to register"), lambda d: d["id"])
        self.drafts.activated.connect(lambda _index: self.open_draft())
        self.drafts.clicked.connect(lambda _index: self.open_draft())
        queue.addWidget(self.drafts, 1)
        queue.addWidget(button(self, _("Refresh the lists"), "Ctrl+Shift+T", self.reload))
        columns.addWidget(self.queue_box, 3)

        self.draft_box = QGroupBox(_("The draft"), page)
        right = QVBoxLayout(self.draft_box)
        self.heading = QLabel(_("Choose a draft and press Enter."), self.draft_box)
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: 600;")
        name(self.heading, _("The draft"))
        right.addWidget(self.heading)
        self.pnr_warning = QLabel(
            _(
                "The draft contains personal identity numbers: they are masked here; put "
                "them in the protected text when registering."
            )
        )
        self.pnr_warning.setWordWrap(True)
        self.pnr_warning.setStyleSheet("background: #fff3cd; padding: 4px;")
        name(self.pnr_warning, _("Personal identity numbers found"))
        self.pnr_warning.hide()
        right.addWidget(self.pnr_warning)
        self.text = QPlainTextEdit(self.draft_box)
        self.text.setReadOnly(True)
        self.text.setTabChangesFocus(True)
        name(self.text, _("The draft's text (OCR)"))
        right.addWidget(label_for(_("&Text of the draft"), self.text, self.draft_box))
        right.addWidget(self.text, 2)
        self.files = QLabel("", self.draft_box)
        self.files.setWordWrap(True)
        name(self.files, _("Files of the draft"))
        files_row = QHBoxLayout()
        files_row.addWidget(self.files, 1)
        files_row.addWidget(button(self, _("Open the scan (PDF)"), "Ctrl+Shift+P", self.open_pdf))
        right.addLayout(files_row)
        right.addWidget(self._register_form(), 3)
        columns.addWidget(self.draft_box, 4)
        return page

    def _register_form(self) -> QGroupBox:
        box = QGroupBox(_("Register"), self.draft_box)
        form = QFormLayout(box)
        self.series = QComboBox(box)
        self.series.currentIndexChanged.connect(lambda _i: self.load_case_files())
        self.case_file = QComboBox(box)
        self.case_file.currentIndexChanged.connect(lambda _i: self._new_case_file_shown())
        self.new_title = QLineEdit(box)
        self.new_title.setMaxLength(500)
        self.classification = QComboBox(box)
        name(self.classification, _("Classification of the new case file"))
        name(self.classification.view(), _("Classification of the new case file"))
        self.counterpart = QLineEdit(box)
        self.counterpart.setMaxLength(300)
        self.public_text = QLineEdit(box)
        self.public_text.setMaxLength(2000)
        self.document_date = QLineEdit(box)
        self.document_date.setMaxLength(10)
        self.document_date.setPlaceholderText(_("YYYY-MM-DD"))
        self.protected_text = QPlainTextEdit(box)
        self.protected_text.setTabChangesFocus(True)
        self.protected_text.setFixedHeight(60)
        self.provision = QLineEdit(box)
        self.provision.setMaxLength(200)
        self.provision.setPlaceholderText("OSL 26 kap. 1 §")
        self.authority = QLineEdit(box)
        self.authority.setMaxLength(200)
        self.discard_reason = QLineEdit(box)
        self.discard_reason.setMaxLength(500)
        form.addRow(label_for(_("Diary &series"), self.series, box), self.series)
        form.addRow(label_for(_("&Case file (optional)"), self.case_file, box), self.case_file)
        new_case_file = QHBoxLayout()
        new_case_file.addWidget(self.new_title, 1)
        new_case_file.addWidget(label_for(_("C&lassification"), self.classification, box))
        new_case_file.addWidget(self.classification, 1)
        form.addRow(label_for(_("New case file's t&itle"), self.new_title, box), new_case_file)
        self._new_case_file_shown()
        form.addRow(label_for(_("Cou&nterpart (public)"), self.counterpart, box), self.counterpart)
        form.addRow(
            label_for(_("&Public text (brief content)"), self.public_text, box), self.public_text
        )
        form.addRow(label_for(_("Document &date"), self.document_date, box), self.document_date)
        form.addRow(label_for(_("Pr&otected text"), self.protected_text, box), self.protected_text)
        form.addRow(
            label_for(_("Secrecy pro&vision (OSL, optional)"), self.provision, box),
            self.provision,
        )
        form.addRow(label_for(_("Marking a&uthority"), self.authority, box), self.authority)
        name(self.series.view(), _("Diary series"))
        name(self.case_file.view(), _("Case file (optional)"))
        form.addRow(button(self, _("Register the draft"), "Ctrl+Shift+J", self.register))
        discard = QHBoxLayout()
        discard.addWidget(label_for(_("Discard &reason"), self.discard_reason, box))
        discard.addWidget(self.discard_reason, 1)
        discard.addWidget(button(self, _("Discard the draft"), "Ctrl+Shift+Delete", self.discard))
        form.addRow(discard)
        return box

    def _search_page(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        row = QHBoxLayout()
        self.query = QLineEdit(page)
        self.query.setMaxLength(200)
        self.query.returnPressed.connect(self.search)
        self.search_series = QComboBox(page)
        name(self.search_series, _("Series to search"))
        name(self.search_series.view(), _("Series to search"))
        row.addWidget(label_for(_("Search &words or reference number"), self.query, page))
        row.addWidget(self.query, 3)
        row.addWidget(label_for(_("Ser&ies"), self.search_series, page))
        row.addWidget(self.search_series, 1)
        row.addWidget(button(self, _("Search"), None, self.search))
        column.addLayout(row)
        self.results = RowTable(
            RESULT_COLUMNS,
            _("Diary entries found"),
            lambda r: r["id"],
            lambda r: SECRET_COLOUR if r.get("secret") else "",
        )
        self.results.selectionModel().selectionChanged.connect(lambda *_a: self.show_secrecy())
        column.addWidget(self.results, 1)
        self.secrecy = QLabel("", page)
        self.secrecy.setWordWrap(True)
        self.secrecy.setStyleSheet("font-weight: 600; color: #7a1d8f;")
        name(self.secrecy, _("Secrecy warning"))
        column.addWidget(self.secrecy)
        return page

    def _requests_page(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        self.requests_box = QGroupBox(_("Open requests for public documents"), page)
        inner = QVBoxLayout(self.requests_box)
        note = QLabel(
            _(
                "A request for public documents is handled promptly (skyndsamt): red has "
                "passed its time, yellow is about to."
            ),
            self.requests_box,
        )
        note.setWordWrap(True)
        inner.addWidget(note)
        self.requests = RowTable(
            REQUEST_COLUMNS,
            _("Open requests for public documents"),
            lambda r: r["number"],
            lambda r: COLOURS.get(request_state(r), ""),
        )
        self.requests.activated.connect(lambda _index: self.open_request())
        inner.addWidget(self.requests, 2)
        self.request_text = QPlainTextEdit(self.requests_box)
        self.request_text.setReadOnly(True)
        self.request_text.setTabChangesFocus(True)
        self.request_text.setPlaceholderText(_("Choose a request and press Enter."))
        name(self.request_text, _("The request"))
        inner.addWidget(self.request_text, 1)
        column.addWidget(self.requests_box, 1)
        return page

    # --- showing ---------------------------------------------------------------------------

    def show_model(self) -> None:
        """Show what the model holds (the model's subscriber)."""
        model = self.model
        self.drafts.set_rows(model.drafts)
        self.queue_box.setTitle(_("Drafts to register ({count})").format(count=model.drafts_total))
        self._show_series()
        self._show_case_files()
        self._show_classes()
        self._show_draft()
        if self.search_page is not None:
            self.results.set_rows(model.results)
            self.show_secrecy()
        if self.requests_page is not None:
            self.requests.set_rows(model.requests)
            if model.request is not None:
                self.request_text.setPlainText("\n".join(request_details(model.request)))
            late = sum(1 for r in model.requests if request_state(r) in COLOURS)
            self.requests_box.setTitle(
                _("Open requests for public documents ({count}, {late} need attention)").format(
                    count=len(model.requests), late=late
                )
            )

    def _show_series(self) -> None:
        codes = [s["code"] for s in self.model.series]
        shown = [self.series.itemData(i) for i in range(self.series.count())]
        if shown == codes:
            return
        combos: list[tuple[QComboBox, str | None]] = [(self.series, None)]
        if self.search_page is not None:
            combos.append((self.search_series, _("All series")))
        for combo, first in combos:
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if first is not None:
                combo.addItem(first, "")
            for found in self.model.series:
                combo.addItem(f"{found['code']} — {found['name']}", found["code"])
            index = combo.findData(chosen)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self.load_case_files()

    def _show_case_files(self) -> None:
        ids = [None, NEW_CASE_FILE, *(c["id"] for c in self.model.case_files)]
        if [self.case_file.itemData(i) for i in range(self.case_file.count())] == ids:
            return
        chosen = self.case_file.currentData()
        self.case_file.clear()
        self.case_file.addItem(_("No case file (the series only)"), None)
        self.case_file.addItem(_("A new case file in the series"), NEW_CASE_FILE)
        for case_file in self.model.case_files:
            title = case_file.get("title_public") or ""
            self.case_file.addItem(f"{case_file['number']} — {title}", case_file["id"])
        self.case_file.setCurrentIndex(max(self.case_file.findData(chosen), 0))

    def _show_draft(self) -> None:
        draft = self.model.draft
        if draft is None:
            self.heading.setText(_("Choose a draft and press Enter."))
            self.text.clear()
            self.files.clear()
            self.pnr_warning.hide()
            self._shown_draft = None
            return
        if self._shown_draft == draft["id"]:
            return
        self._shown_draft = draft["id"]
        found = draft.get("suggestions") or {}
        self.heading.setText(
            _("Draft {id}, received {date} ({source}): {sender} — {subject}").format(
                id=draft["id"],
                date=draft.get("received_date") or "",
                source=labels.label(SOURCE, draft.get("source")),
                sender=found.get("sender") or "?",
                subject=found.get("subject") or "?",
            )
        )
        self.pnr_warning.setVisible(bool((draft.get("personnummer") or {}).get("found")))
        self.text.setPlainText(draft.get("text") or "")
        files = [
            f"{f.get('filename') or f.get('role', '')} ({f.get('mime') or f.get('role', '')})"
            for f in draft.get("files") or []
        ]
        self.files.setText(
            _("Files: {files}").format(files=", ".join(files)) if files else _("No files.")
        )
        self.counterpart.setText(found.get("sender") or "")
        self.public_text.setText(found.get("subject") or "")
        self.document_date.setText(draft.get("received_date") or "")
        self.protected_text.clear()
        self.new_title.clear()
        self.provision.clear()
        self.authority.clear()
        self.discard_reason.clear()
        if draft.get("series_code"):
            self.series.setCurrentIndex(max(self.series.findData(draft["series_code"]), 0))

    def show_secrecy(self) -> None:
        """The secrecy warning of the chosen entry (and how many found entries are marked)."""
        chosen = self.results.selected()
        marked = sum(1 for r in self.model.results if r.get("secret"))
        text = ""
        if chosen is not None and chosen.get("secret"):
            text = _("{number}: {warning}").format(
                number=chosen["number"], warning=_(SECRET_WARNING)
            )
        elif marked:
            text = _("{count} of the entries found are marked secret.").format(count=marked)
        self.secrecy.setText(text)

    def show_page(self, page: QWidget) -> None:
        """Show one of the pages, the focus in its first control (Ctrl+1, Ctrl+2, Ctrl+3)."""
        self.pages.setCurrentWidget(page)
        if page is self.drafts_page:
            self.drafts.setFocus()
        elif page is self.search_page:
            self.query.setFocus()
        elif page is self.requests_page:
            self.requests.setFocus()

    def say(self, text: str, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setStyleSheet("color: #a1260d; font-weight: 600;" if problem else "")

    # --- events ----------------------------------------------------------------------------

    def on_event(self, event: dict[str, Any]) -> None:
        stale = self.model.reload_for(event)
        alarm = overdue_text(event)
        if alarm and self.requests_page is not None:
            self.say(alarm, problem=True)
            window = self.window()
            if hasattr(window, "statusBar"):
                window.statusBar().showMessage(alarm, NOTICE_MS)
            QApplication.alert(window)
        if "drafts" in stale:
            self._act(self.model.load_drafts())
        if "requests" in stale and self.requests_page is not None:
            self.reload_requests()

    # --- actions ---------------------------------------------------------------------------

    def _act(self, coroutine: Coroutine[Any, Any, Any], done: str = "") -> None:
        """Run an action; its problem (in the user's language, from the server) is shown."""
        tasks.act(coroutine, self.say, done)

    def reload(self) -> None:
        if self.session.client.signed_in:
            self._act(self.model.load(requests=self.requests_page is not None))

    def reload_requests(self) -> None:
        if self.session.client.signed_in:
            self._act(self.model.load_requests())

    def load_case_files(self) -> None:
        self._act(self.model.load_case_files(self.series.currentData() or ""))

    def open_draft(self) -> None:
        chosen = self.drafts.selected()
        if chosen is None:
            self.say(_("Choose a draft in the list first."), problem=True)
            return
        self._act(self.model.open_draft(int(chosen["id"])))

    def open_request(self) -> None:
        chosen = self.requests.selected()
        if chosen is not None:
            self._act(self.model.open_request(int(chosen["id"])))

    def open_pdf(self) -> None:
        """Fetch the open draft's PDF/A and show it in the computer's PDF viewer."""
        draft = self.model.draft
        if draft is None:
            self.say(_("Open a draft first (choose it and press Enter)."), problem=True)
            return

        async def opening() -> None:
            path = await self.model.save_pdf(int(draft["id"]))
            self.opened_pdf = path
            self.open_file(QUrl.fromLocalFile(str(path)))

        self._act(opening())

    def _new_case_file_shown(self) -> None:
        """The new case file's title and classification, enabled while it is chosen."""
        chosen = self.case_file.currentData() == NEW_CASE_FILE
        self.new_title.setEnabled(chosen)
        self.classification.setEnabled(chosen)
        if chosen and not self.new_title.text():
            self.new_title.setText(self.public_text.text())

    def _show_classes(self) -> None:
        codes = [c["code"] for c in self.model.processes]
        if [self.classification.itemData(i) for i in range(self.classification.count())] == codes:
            return
        chosen = self.classification.currentData()
        self.classification.clear()
        for found in self.model.processes:
            self.classification.addItem(f"{found['code']} {found['title']}", found["code"])
        self.classification.setCurrentIndex(max(self.classification.findData(chosen), 0))

    def _registration(self) -> Registration:
        case_file = self.case_file.currentData()
        new = case_file == NEW_CASE_FILE
        return Registration(
            series_code=str(self.series.currentData() or ""),
            case_file_id=None if case_file is None or new else int(case_file),
            new_case_file=(
                {
                    "title_public": self.new_title.text().strip(),
                    "classification_code": str(self.classification.currentData() or ""),
                }
                if new
                else None
            ),
            counterpart_public=self.counterpart.text().strip(),
            public_text=self.public_text.text().strip(),
            protected_text=self.protected_text.toPlainText().strip(),
            document_date=self.document_date.text().strip(),
            provision=self.provision.text().strip(),
            authority=self.authority.text().strip(),
        )

    def register(self) -> None:
        draft = self.model.draft
        if draft is None:
            self.say(_("Open a draft first (choose it and press Enter)."), problem=True)
            return

        async def registering() -> None:
            document = await self.model.register(int(draft["id"]), self._registration())
            self.say(
                _("Registered as {number}.").format(number=document["number"])
                + (" " + _(SECRET_WARNING) if document.get("secret") else "")
            )
            self.drafts.setFocus()

        self._act(registering())

    def discard(self) -> None:
        draft = self.model.draft
        if draft is None:
            self.say(_("Open a draft first (choose it and press Enter)."), problem=True)
            return
        reason = self.discard_reason.text().strip()
        if not reason:
            self.say(_("Give the reason for discarding the draft."), problem=True)
            self.discard_reason.setFocus()
            return
        self._act(
            self.model.discard(int(draft["id"]), reason),
            _("Draft {id} is discarded.").format(id=draft["id"]),
        )
        self.drafts.setFocus()

    def search(self) -> None:
        q = self.query.text().strip()
        series_code = str(self.search_series.currentData() or "")
        if not q and not series_code:
            self.say(_("Type words or a reference number to search for."), problem=True)
            return

        async def searching() -> None:
            await self.model.search(q, series_code)
            self.say(_("{count} diary entries found.").format(count=len(self.model.results)))
            if self.model.results:
                self.results.setFocus()

        self._act(searching())


PANEL = PanelSpec(
    plugin="diarium",
    permission=REGISTER,
    title=N_("Diarium"),
    shortcut="Ctrl+Shift+D",
    create=lambda context, parent: DiariumPanel(context, parent),
)
