"""The diarium panel against a real server with the plugin on: only the registrator gets it;
a draft made by the intake is opened and registered into a case file with protected text and
a secrecy marking from the keyboard and gets its diarienummer; the registrator's search finds
it with the secrecy warning; the server's problem with a bad marking is shown; a draft is
discarded; the open requests show their timers and a request logged elsewhere arrives with
its live event."""

from __future__ import annotations

import io
import stat
import time
import uuid
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.panels.diarium import COLOURS, DiariumPanel
from desktop.ui import tasks
from desktop.ui.app import DesktopApp
from desktop.ui.row_table import RowTable
from desktop.viewmodels.diarium import DiariumModel, forget_pdf
from tests.desktop.conftest import (
    AGENT_PASSWORD,
    DIARIUM_BASE,
    make_draft,
    type_text,
    until,
    user_http,
)
from tests.desktop.test_contact_flow import open_panel_tab, sign_in, signed_in

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier
LETTER = (
    "Anna Åkesson\nStorgatan 12\n123 45 Ekeby\n\nÄrende: Ansökan om bygglov för förråd {tag}\n\n"
    "Hej!\nJag söker bygglov för ett förråd på min tomt.\nMitt personnummer är 19811218-9876.\n"
    "\nMed vänlig hälsning\nAnna Åkesson\n"
)


async def scan_pdf(tag: str) -> dict:
    """A one-page PDF stored in the diarium's file store, as the intake stores a scan's
    PDF/A (the file entry of a draft, with its bytes under ``data``)."""
    from PIL import Image, ImageDraw

    from plugins.diarium.registry import files

    page = Image.new("L", (600, 300), 255)
    ImageDraw.Draw(page).text((40, 40), f"Ansökan om bygglov {tag}", fill=0)
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=100)
    data = buffer.getvalue()
    sha256 = await files.store(data, "application/pdf")
    entry = {"filename": f"{tag}.pdf", "sha256": sha256, "mime": "application/pdf"}
    return {**entry, "size": len(data), "role": "pdfa", "data": data}


def choose(table: RowTable, key) -> None:
    """Move to the row of ``key`` with the arrow keys."""
    table.setFocus()
    QTest.keyClick(table, Qt.Key.Key_Home, CTRL)  # the first row (Home alone: first column)
    for _ in range(table.rows.rowCount()):
        chosen = table.selected()
        if chosen is not None and table.rows.key(chosen) == key:
            return
        QTest.keyClick(table, Qt.Key.Key_Down)
    chosen = table.selected()
    assert chosen is not None and table.rows.key(chosen) == key, f"{key} not in the list"


async def stop(desktop: DesktopApp) -> None:
    """Sign out once the client's background calls have finished (a call answered 401
    after the sign-out would take the main window away under pytest-qt)."""
    await until(lambda: tasks.pending() == 0, what="the background calls")
    await desktop.session.stop()


def keys(table: RowTable) -> list:
    return [table.rows.key(row) for row in table.rows.rows]


def pick(combo, data) -> None:
    """Choose ``data`` in a combo box with the arrow keys."""
    QTest.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == data:
            return
        QTest.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == data, f"{data} not in the list"


async def open_panel(desktop: DesktopApp, server, username: str, qtbot):
    tab = "Diarium (Ctrl+Shift+D)"
    return await open_panel_tab(
        desktop, server, username, qtbot, DiariumPanel, tab, Qt.Key.Key_D, CTRL_SHIFT
    )


def test_only_the_registrator_gets_the_panel(diarium_server, role_users, run, qtbot):
    server = diarium_server["server"]
    for role in ("case_officer", "agent"):  # the officer reads the diarium, registers nothing
        desktop = DesktopApp()

        async def scenario() -> None:
            sign_in(desktop, server, role_users[role])  # noqa: B023
            main = await signed_in(desktop)  # noqa: B023
            qtbot.addWidget(main)
            assert not any(isinstance(p, DiariumPanel) for p in main.panels)
            assert not any("Diarium" in main.tabs.tabText(i) for i in range(main.tabs.count()))
            await stop(desktop)  # noqa: B023

        run(scenario())


def test_the_registrator_registers_searches_and_discards(
    diarium_server, role_users, desktop_dir, run, qtbot
):
    server, case_file = diarium_server["server"], diarium_server["case_file"]
    tag = uuid.uuid4().hex[:8]
    registrator = user_http(server, role_users["registrator"])

    async def scenario() -> None:
        pdf = await scan_pdf(tag)
        entry = {key: value for key, value in pdf.items() if key != "data"}
        letter = await make_draft(LETTER.format(tag=tag), files=[entry])
        spam = await make_draft(f"Köp billiga klockor nu {tag}\nwww.exempel.test\n")
        desktop = DesktopApp()
        main, panel = await open_panel(desktop, server, role_users["registrator"], qtbot)
        await until(lambda: letter["id"] in keys(panel.drafts), what="the drafts queue")
        shown = keys(panel.drafts)
        assert shown.index(spam["id"]) < shown.index(letter["id"])  # newest first
        text = panel.drafts.rows.text()
        assert "Anna Åkesson" in text and f"Ansökan om bygglov för förråd {tag}" in text
        assert "Hittade" in text  # the personnummer flag

        # open the letter with Enter: its OCR text (personnummer masked) and the suggestions
        choose(panel.drafts, letter["id"])
        QTest.keyClick(panel.drafts, Qt.Key.Key_Return)
        await until(lambda: (panel.model.draft or {}).get("id") == letter["id"], what="draft")
        await until(lambda: panel.text.toPlainText(), what="the draft's text")
        assert "Storgatan 12" in panel.text.toPlainText()
        assert "19811218-9876" not in panel.text.toPlainText()
        assert panel.pnr_warning.isVisibleTo(panel)
        assert panel.counterpart.text() == "Anna Åkesson"
        assert panel.public_text.text() == f"Ansökan om bygglov för förråd {tag}"
        assert f"{tag}.pdf" in panel.files.text()

        # Ctrl+Shift+P: the scan's PDF/A is fetched and handed to the computer's PDF viewer
        opened: list[QUrl] = []
        panel.open_file = opened.append
        QTest.keyClick(main, Qt.Key.Key_P, CTRL_SHIFT)
        await until(lambda: opened, what="the PDF")
        kept = Path(opened[0].toLocalFile())
        assert kept == desktop_dir / "diarium" / "utkast.pdf"
        assert kept.read_bytes() == pdf["data"]  # noqa: ASYNC240 (a small file, in a test)
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # noqa: ASYNC240 (it may show pnr)
        forget_pdf()  # what quitting the client does
        assert not kept.exists()  # noqa: ASYNC240

        # the series and the case file with Alt+letter and the arrow keys, protected text and
        # a secrecy marking typed, Ctrl+Shift+J registers
        QTest.keyClick(main, Qt.Key.Key_S, ALT)
        assert panel.series.hasFocus()
        pick(panel.series, "TKS")
        await until(lambda: panel.case_file.findData(case_file["id"]) >= 0, what="the case files")
        QTest.keyClick(main, Qt.Key.Key_A, ALT)
        assert panel.case_file.hasFocus()
        pick(panel.case_file, case_file["id"])
        QTest.keyClick(main, Qt.Key.Key_K, ALT)
        assert panel.protected_text.hasFocus()
        type_text(panel.protected_text, "Anna Åkesson, 19811218-9876")
        QTest.keyClick(main, Qt.Key.Key_B, ALT)
        type_text(panel.provision, "OSL 21 kap. 1 §")
        QTest.keyClick(main, Qt.Key.Key_Y, ALT)
        type_text(panel.authority, "Byggnadsnämnden")
        QTest.keyClick(main, Qt.Key.Key_J, CTRL_SHIFT)
        document = await until(lambda: panel.model.last_registered, what="the registration")
        number = document["number"]
        assert number.startswith(f"{case_file['number']}-") or number.startswith("TKS ")
        await until(lambda: f"Registrerad som {number}." in panel.message.text(), what="text")
        await until(lambda: letter["id"] not in keys(panel.drafts), what="the queue")
        on_server = registrator.get(f"{DIARIUM_BASE}/drafts/{letter['id']}").json()
        assert on_server["status"] == "registered"
        assert on_server["registration"]["number"] == number
        entry = registrator.get(f"{DIARIUM_BASE}/documents/{document['id']}").json()
        assert entry["case_file_id"] == case_file["id"]
        assert entry["secrecy"]["marked"] and "21 kap. 1 §" in entry["secrecy"]["text_sv"]

        # the registrator's search (Ctrl+2) finds it by its number, with the secrecy warning
        QTest.keyClick(main, Qt.Key.Key_2, CTRL)
        assert panel.pages.currentWidget() is panel.search_page and panel.query.hasFocus()
        type_text(panel.query, tag)
        QTest.keyClick(panel.query, Qt.Key.Key_Return)
        await until(lambda: document["id"] in keys(panel.results), what="the search")
        choose(panel.results, document["id"])
        assert "Sekretessmarkerad" in panel.results.rows.text()
        assert panel.secrecy.text() == (
            f"{number}: Sekretessmarkerad: sekretessprövning krävs före utlämnande."
        )

        # a bad marking: the server's problem is shown in Swedish, nothing is registered
        QTest.keyClick(main, Qt.Key.Key_1, CTRL)
        assert panel.pages.currentWidget() is panel.drafts_page
        choose(panel.drafts, spam["id"])
        QTest.keyClick(panel.drafts, Qt.Key.Key_Return)
        await until(lambda: (panel.model.draft or {}).get("id") == spam["id"], what="draft")
        QTest.keyClick(main, Qt.Key.Key_M, ALT)  # no sender was found in it: the server asks
        assert panel.counterpart.hasFocus() and panel.counterpart.text() == ""
        type_text(panel.counterpart, "Klockhandeln AB")
        QTest.keyClick(main, Qt.Key.Key_B, ALT)
        type_text(panel.provision, "hemligt")
        QTest.keyClick(main, Qt.Key.Key_Y, ALT)
        type_text(panel.authority, "Kommunstyrelsen")
        QTest.keyClick(main, Qt.Key.Key_J, CTRL_SHIFT)
        await until(
            lambda: "offentlighets- och sekretesslagen" in panel.message.text(),
            what="the problem",
        )
        spam_now = registrator.get(f"{DIARIUM_BASE}/drafts/{spam['id']}").json()
        assert spam_now["status"] == "new"
        QTest.keyClick(main, Qt.Key.Key_P, CTRL_SHIFT)  # a mail without a scan: the 404 shown
        await until(lambda: "PDF" in panel.message.text(), what="the missing PDF")
        assert len(opened) == 1

        # discarding needs a reason (Alt+V), then Ctrl+Shift+Delete
        QTest.keyClick(main, Qt.Key.Key_Delete, CTRL_SHIFT)
        assert panel.message.text() == "Ange varför utkastet kastas."
        QTest.keyClick(main, Qt.Key.Key_V, ALT)
        assert panel.discard_reason.hasFocus()
        type_text(panel.discard_reason, "Reklam")
        QTest.keyClick(main, Qt.Key.Key_Delete, CTRL_SHIFT)
        await until(lambda: spam["id"] not in keys(panel.drafts), what="the discard")
        gone = registrator.get(f"{DIARIUM_BASE}/drafts/{spam['id']}").json()
        assert gone["status"] == "discarded" and gone["discarded"]["reason"] == "Reklam"

        # every control of the panel a user can reach has an accessible name
        kinds = QAbstractButton | QComboBox | QLineEdit | QPlainTextEdit | QAbstractItemView
        unnamed = [
            type(widget).__name__
            for widget in panel.findChildren(QWidget)
            if isinstance(widget, kinds)
            and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
            and not widget.accessibleName()
        ]
        assert unnamed == []
        await stop(desktop)

    run(scenario(), timeout=90)


def test_a_draft_opens_a_new_case_file(diarium_server, role_users, run, qtbot):
    server = diarium_server["server"]
    tag = uuid.uuid4().hex[:8]
    registrator = user_http(server, role_users["registrator"])

    async def scenario() -> None:
        letter = await make_draft(
            f"Bengt Ek\nLindvägen 3\n\nÄrende: Synpunkt på snöröjningen {tag}\n\nBengt Ek\n"
        )
        desktop = DesktopApp()
        main, panel = await open_panel(desktop, server, role_users["registrator"], qtbot)
        await until(lambda: letter["id"] in keys(panel.drafts), what="the drafts queue")
        choose(panel.drafts, letter["id"])
        QTest.keyClick(panel.drafts, Qt.Key.Key_Return)
        await until(lambda: (panel.model.draft or {}).get("id") == letter["id"], what="draft")
        assert not panel.new_title.isEnabled()
        QTest.keyClick(main, Qt.Key.Key_S, ALT)
        pick(panel.series, "TKS")
        QTest.keyClick(main, Qt.Key.Key_A, ALT)
        pick(panel.case_file, "new")
        assert panel.new_title.isEnabled()  # the public text as its first title
        assert panel.new_title.text() == f"Synpunkt på snöröjningen {tag}"
        QTest.keyClick(main, Qt.Key.Key_R, ALT)
        assert panel.new_title.hasFocus()
        QTest.keyClick(panel.new_title, Qt.Key.Key_End)  # Alt+letter selected the whole title
        type_text(panel.new_title, " vid Lindvägen")
        QTest.keyClick(main, Qt.Key.Key_L, ALT)
        assert panel.classification.hasFocus()
        await until(lambda: panel.classification.findData("1.2.2") >= 0, what="the plan")
        pick(panel.classification, "1.2.2")
        QTest.keyClick(main, Qt.Key.Key_M, ALT)
        QTest.keyClick(panel.counterpart, Qt.Key.Key_A, CTRL)
        type_text(panel.counterpart, "Bengt Ek")
        QTest.keyClick(main, Qt.Key.Key_J, CTRL_SHIFT)
        document = await until(lambda: panel.model.last_registered, what="the registration")
        case_file = registrator.get(f"{DIARIUM_BASE}/case-files/{document['case_file_id']}").json()
        assert case_file["title_public"] == f"Synpunkt på snöröjningen {tag} vid Lindvägen"
        assert case_file["classification_code"] == "1.2.2"
        assert document["number"].startswith(case_file["number"])
        # the new case file is there to choose for the next draft
        await until(
            lambda: panel.case_file.findData(case_file["id"]) >= 0, what="the new case file"
        )
        await stop(desktop)

    run(scenario(), timeout=90)


def test_requests_show_their_timers_and_arrive_live(diarium_server, role_users, run, qtbot):
    server = diarium_server["server"]
    tag = uuid.uuid4().hex[:8]
    officer = user_http(server, role_users["case_officer"])

    def log(**body) -> str:
        answer = officer.post(f"{DIARIUM_BASE}/requests", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()["number"]

    async def scenario() -> None:
        desktop = DesktopApp()
        main, panel = await open_panel(desktop, server, role_users["registrator"], qtbot)
        QTest.keyClick(main, Qt.Key.Key_3, CTRL)
        assert panel.pages.currentWidget() is panel.requests_page

        # a request logged at the desk (over HTTP) arrives with diarium.request_received
        fresh = log(channel="desk", description=f"Protokoll från nämnden {tag}")
        await until(lambda: fresh in keys(panel.requests), what="the received event")
        row = next(r for r in panel.requests.rows.rows if r["number"] == fresh)
        assert panel.requests.rows.columns[5][1](row) == "Anonym"
        assert panel.requests.rows.columns[1][1](row) == "I tid"

        # one phoned in 20 days ago: past its time when logged; the server's sweep raises its
        # breach and diarium.request_overdue reaches the registrator at once
        late = log(
            channel="phone",
            description=f"Kopia av bygglovsbeslut {tag}",
            requester_name="Olle Ödman",
            received_at=int(time.time()) - 20 * 86400,
        )
        await until(lambda: late in keys(panel.requests), what="the late request")
        await until(
            lambda: f"Begäran {late} har passerat sin tid" in panel.message.text(),
            within=20,
            what="the overdue event",
        )
        assert f"Begäran {late} har passerat sin tid" in main.statusBar().currentMessage()
        row = next(r for r in panel.requests.rows.rows if r["number"] == late)
        cells = [panel.requests.rows.columns[c][1](row) for c in range(3)]
        assert cells == [late, "Överskriden", cells[2]] and cells[2].startswith("\u2212")
        order = keys(panel.requests)  # what is breached comes first
        assert order.index(late) < order.index(fresh)
        assert "Olle Ödman" in panel.requests.rows.text()
        assert COLOURS["breached"] == panel.requests.rows.colour(row)

        # Enter opens the request: who asked, for what, its timer and its history
        choose(panel.requests, late)
        QTest.keyClick(panel.requests, Qt.Key.Key_Return)
        await until(lambda: late in panel.request_text.toPlainText(), what="the request")
        details = panel.request_text.toPlainText()
        assert "Den som begär: Olle Ödman" in details
        assert f"Begär: Kopia av bygglovsbeslut {tag}" in details
        assert "Tid: Överskriden; ska besvaras senast" in details
        assert f"Mottaget ({role_users['case_officer']})" in details
        await stop(desktop)

    run(scenario(), timeout=90)


def test_an_overdue_event_marks_the_request_and_asks_for_the_list_again():
    model = DiariumModel(client=None)  # type: ignore[arg-type]
    model.requests = [
        {"number": "BAH 2026/1", "sla": {"state": "ok"}},
        {"number": "BAH 2026/2", "sla": None},
    ]
    event = {
        "type": "diarium.request_overdue",
        "data": {"number": "BAH 2026/1", "case": "KC-1", "state": "breach", "level": 1},
    }
    assert model.reload_for(event) == ("requests",)
    assert model.requests[0]["sla"]["state"] == "breached"
    warning = {**event, "data": {**event["data"], "state": "warning"}}
    model.reload_for(warning)  # a warning never takes a breach back
    assert model.requests[0]["sla"]["state"] == "breached"
    assert model.reload_for({"type": "diarium.request_received", "data": {}}) == ("requests",)
    assert model.reload_for({"type": "diarium.draft_created", "data": {}}) == ("drafts",)
    assert model.reload_for({"type": "case.updated", "data": {}}) == ()


def test_the_problems_come_in_the_users_language(diarium_server, role_users, run):
    """The view model over an English session: the server's problem in English, the draft
    left as it was."""
    from desktop.api.client import ApiClient
    from desktop.api.errors import ApiError
    from desktop.viewmodels.diarium import Registration

    server = diarium_server["server"]

    async def scenario() -> None:
        draft = await make_draft(f"Hej!\nEn fråga om bygglov {uuid.uuid4().hex[:8]}\n")
        client = ApiClient(server.url, language="en")
        await client.sign_in(role_users["registrator"], AGENT_PASSWORD)
        model = DiariumModel(client)
        await model.load()
        assert draft["id"] in [d["id"] for d in model.drafts]
        assert "TKS" in [s["code"] for s in model.series]
        marking = Registration(
            "TKS",
            counterpart_public="Per Olsson",
            public_text="Fråga om bygglov",
            provision="secret",
            authority="KS",
        )
        assert "counterpart_public" not in Registration("TKS").body()  # the suggestion
        try:
            await model.register(draft["id"], marking)
        except ApiError as exc:
            assert exc.status == 422
            assert exc.detail.startswith("A secrecy marking names the provision"), exc.detail
        else:
            raise AssertionError("registered with a bad marking")
        assert (await client.get(f"{DIARIUM_BASE}/drafts/{draft['id']}"))["status"] == "new"
        assert model.last_registered is None
        await client.sign_out()
        await client.close()

    run(scenario())
