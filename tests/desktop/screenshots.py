"""Screenshots of the main views for docs/desktop.md (not part of the suite; run it by name,
under Xvfb; Qt draws with the desktop tests' offscreen platform unless QT_QPA_PLATFORM=xcb is
given and the X11 plugin's libraries, libxcb-icccm4 and libxcb-cursor0, are installed):

    KONTAKT_TEST_BACKEND=sqlite xvfb-run -a -s "-screen 0 1400x900x24" \\
        .venv/bin/python -m pytest -q -p no:cacheprovider tests/desktop/screenshots.py

Against a real server with the telephony plugin on: a few contacts and cases typed through
the API as the agent, a call posted to the plugin's webhook for the screen pop. The SLA
monitor shows events of the server's shape (``sla.warning`` / ``sla.breach``) for real cases,
fed to its view model, since a breach would otherwise take the agreed hours to happen.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path

import httpx
import pytest

from desktop.ui import tasks
from desktop.ui.app import DesktopApp
from desktop.ui.case_view import CaseWindow
from tests.desktop.conftest import (
    AGENT_PASSWORD,
    DIARIUM_BASE,
    RECEPTION_BASE,
    kiosk_check_in,
    make_draft,
    type_text,
    until,
    user_http,
)
from tests.desktop.test_diarium_panel import scan_pdf
from tests.desktop.test_screen_pop import PLUGIN, TOKEN, telephony_on  # noqa: F401

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
CONTACTS = (  # summary, whether it opens a case, channel
    ("Vill veta när bygglovet för garaget på Ekvägen 4 beslutas", "open", "phone"),
    ("Fråga om hämtning av grovsopor i Norrby, bokad tid saknas", "open", "email"),
    ("Klagomål på snöröjningen på Skolgatan, ingen plogning sedan i fredags", "open", "phone"),
    ("Ansökan om skolskjuts för elev i årskurs 2, Björkskolan", "open", "visit"),
    ("Frågade om öppettiderna för simhallen under jullovet", "none", "phone"),
    ("Undrade var man hämtar ut parkeringstillstånd för rörelsehindrade", "none", "chat"),
    ("Ville ha blanketten för ansökan om färdtjänst hemskickad", "none", "letter"),
)


def save(widget, name: str) -> None:
    """Write ``docs/images/<name>.png`` (only the names in ``KONTAKT_SCREENSHOTS``, comma
    separated, when it is set: to redo some pictures without touching the others)."""
    chosen = [n.strip() for n in os.environ.get("KONTAKT_SCREENSHOTS", "").split(",") if n]
    if chosen and name not in chosen:
        return
    IMAGES.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(IMAGES / f"{name}.png"))


async def signed_in_main(desktop: DesktopApp, server, username: str, qtbot, size=(1280, 800)):
    """Sign ``username`` in through the sign-in window; the main window, at ``size``."""
    window = desktop.show_sign_in()
    window.address.setText(server.url)
    window.username.setText(username)
    window.password.setText(AGENT_PASSWORD)
    window.start_sign_in()
    main = await until(lambda: desktop.main, what="the main window")
    qtbot.addWidget(main)
    main.resize(*size)
    return main


@pytest.fixture(scope="module")
async def shot_group(desk_org, role_users) -> str:
    """The agent's answer group, where the contacts of the pictures are handled."""
    from core.org import service as org

    code = f"medborgarservice-{uuid.uuid4().hex[:4]}"
    await org.save_group(
        "test", code, {"name_sv": "Medborgarservice", "department": desk_org["department"]}
    )
    await org.set_members(
        "test", code, [{"username": role_users["agent"]}, {"username": role_users["supervisor"]}]
    )
    return code


def test_screenshots(telephony_on, server_factory, role_users, desk_org, shot_group, run, qtbot):  # noqa: F811
    server = server_factory()
    agent = role_users["agent"]
    with httpx.Client(base_url=server.url, timeout=30) as http:
        token = http.post(
            "/api/v1/auth/login", json={"username": agent, "password": AGENT_PASSWORD}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        numbers = []
        for summary, mode, channel in CONTACTS:
            body = {
                "channel": channel,
                "summary": summary,
                "case_type": desk_org["case_type"],
                "answer_group": shot_group,
            }
            if mode == "open":
                body |= {"open_case": True, "subject": summary[:60], "party_id": desk_org["party"]}
            answer = http.post("/api/v1/contacts", json=body, headers=headers).json()
            if answer.get("case"):
                numbers.append(answer["case"]["number"])
        http.post(
            f"/api/v1/cases/{numbers[0]}/notes",
            json={"text": "Handläggaren på bygglov återkommer senast på torsdag."},
            headers=headers,
        )

    desktop = DesktopApp()

    async def scenario() -> None:
        window = desktop.show_sign_in()
        window.resize(520, 330)
        window.address.setText("https://kontaktcenter.norrby.se")
        window.username.setText(agent)
        window.fingerprint.setText("3F:A2:9C:41:0B:77:DE:12:8A:5C:E0:46:B9:13:7D:F2:" * 2)
        window.fingerprint.setText(window.fingerprint.text().rstrip(":"))
        window.password.setText("********")
        await asyncio.sleep(0.2)
        save(window, "signin")
        window.address.setText(server.url)
        window.fingerprint.clear()
        window.password.setText(AGENT_PASSWORD)
        window.start_sign_in()
        main = await until(lambda: desktop.main, what="the main window")
        qtbot.addWidget(main)
        main.resize(1280, 800)
        await until(lambda: desktop.session.live.connected, what="the live events")
        form = main.contact_form
        await until(lambda: form.case_type.count() > 1, what="case types")
        form.case_type.setCurrentIndex(form.case_type.findData(desk_org["case_type"]))
        await form.model.choose_case_type(desk_org["case_type"])
        form.model.choose_party({"id": desk_org["party"], "name": "Astrid Lindqvist"})
        form.summary.setFocus()
        type_text(form.summary, "Undrar om hennes son har rätt till skolskjuts från Ekbacken")
        await asyncio.sleep(0.5)
        save(main, "contact-form")

        main.show_panel(main.case_lists)
        table = main.case_lists.tables[0]
        await until(lambda: table.model().rowCount() >= 4, what="my cases")
        await asyncio.sleep(1.1)
        save(main, "case-list")

        main.open_case(numbers[0])
        await asyncio.sleep(0.2)
        case_window = main.findChildren(CaseWindow)[0]
        case_window.resize(900, 700)
        await until(lambda: case_window.model.case, what="the case")
        await asyncio.sleep(0.2)
        save(case_window, "case-view")
        case_window.close()

        main.show_panel(main.my_groups)
        groups = main.my_groups
        await until(lambda: groups.model.groups, what="my groups")
        groups.show_groups()
        cases = groups.cases.currentWidget().model()
        await until(lambda: cases.rowCount() >= 4, what="the group's cases")
        await asyncio.sleep(1.1)
        save(main, "my-groups")

        async with httpx.AsyncClient(base_url=server.url) as http:
            await http.post(
                f"/api/v1/plugins/{PLUGIN}/webhook/centrex",
                data={
                    "event": "newCall",
                    "from": desk_org["phone"],
                    "to": "0850050000",
                    "direction": "in",
                    "callId": f"shot-{uuid.uuid4().hex[:8]}",
                    "user": agent,
                },
                headers={"X-Kontakt-Token": TOKEN},
            )
        panel = main.panels[0]
        await until(lambda: panel.pop.pop, what="the screen pop")
        panel._presence("ready")
        await until(lambda: panel.presence.mine, what="presence")
        panel.refresh_wall()
        await asyncio.sleep(0.5)
        save(main, "screen-pop")
        await desktop.session.stop()

    run(scenario(), timeout=120)

    supervisor = DesktopApp()

    async def monitor() -> None:
        main = await signed_in_main(supervisor, server, role_users["supervisor"], qtbot)
        now = time.time()
        for offset, (number, state) in enumerate(
            zip(numbers, ("warning", "breach", "warning", "breach"), strict=False)
        ):
            main.monitor_model.apply_event(
                {
                    "type": f"sla.{state}",
                    "data": {"number": number, "state": state, "owner": agent, "assignee": None},
                },
                now=now - 600 + offset * 97,
            )
        main.show_panel(main.monitor)
        await asyncio.sleep(0.3)
        save(main, "sla-monitor")

        reports = main.reports
        await until(lambda: reports.model.available, what="the list of reports")
        await until(lambda: reports.report.count(), what="the report choice")
        reports.report.setCurrentIndex(reports.report.findData("contacts"))
        reports.show_report()
        await until(lambda: reports.model.report, what="the report")
        reports.model.choose_table("by_channel")
        main.show_panel(reports)
        await asyncio.sleep(0.3)
        save(main, "reports")
        await supervisor.session.stop()

    run(monitor(), timeout=60)
    assert {p.stem for p in IMAGES.glob("*.png")} >= {
        "signin",
        "case-list",
        "my-groups",
        "sla-monitor",
        "reports",
    }


SCANNED = (
    (
        "Anna Åkesson\nStorgatan 12\n123 45 Norrby\n\nNorrby kommun\nKommunstyrelsen\n\n"
        "Norrby den 1 december 2026\n\nÄrende: Ansökan om bygglov för förråd\n\nHej!\n"
        "Jag söker bygglov för ett förråd på min tomt, Storgatan 12.\n"
        "Mitt personnummer är 19811218-9876.\nJag bifogar ritningar och en situationsplan.\n\n"
        "Med vänlig hälsning\nAnna Åkesson\n",
        "scan",
    ),
    (
        "Bengt Ek\nLindvägen 3\n123 46 Norrby\n\nÄrende: Synpunkt på snöröjningen på "
        "Lindvägen\n\nVägen har inte plogats sedan i fredags.\n\nBengt Ek\n",
        "mail",
    ),
    (
        "Norrby Bygg AB\nIndustrigatan 8\n\nÄrende: Anbud på renovering av Björkskolans kök\n"
        "\nHärmed lämnar vi vårt anbud enligt förfrågningsunderlaget.\n\nNorrby Bygg AB\n",
        "scan",
    ),
)


def test_diarium_screenshots(diarium_server, role_users, run, qtbot):
    """The registrator's diarium panel: the drafts queue with a letter opened, and the open
    requests for public documents with their timers."""
    from desktop.panels.diarium import DiariumPanel

    server = diarium_server["server"]
    officer = user_http(server, role_users["case_officer"])
    for days, channel, who, what in (
        (12, "phone", "Olle Ödman", "Bygglovsbeslut för Ekvägen 4"),
        (0, "email", "", "Protokoll från kommunstyrelsen 24 november"),
        (1, "desk", "Redaktionen, Norrby Tidning", "Avtal om skolskjuts 2026"),
    ):
        answer = officer.post(
            f"{DIARIUM_BASE}/requests",
            json={
                "channel": channel,
                "description": what,
                "requester_name": who,
                "received_at": int(time.time()) - days * 86400 - 600,
            },
        )
        assert answer.status_code == 201, answer.text
    desktop = DesktopApp()

    async def scenario() -> None:
        scan = await scan_pdf("skanning-2026-12-01-0007")
        scan.pop("data")
        made = [
            await make_draft(text, source, files=[scan] if n == 0 else [])
            for n, (text, source) in enumerate(SCANNED)
        ]
        main = await signed_in_main(desktop, server, role_users["registrator"], qtbot)
        panel = next(p for p in main.panels if isinstance(p, DiariumPanel))
        main.show_panel(panel)
        await until(lambda: made[0]["id"] in [d["id"] for d in panel.model.drafts], what="drafts")
        panel.drafts.select_key(made[0]["id"])
        panel.open_draft()
        await until(lambda: panel.text.toPlainText(), what="the letter")
        await until(lambda: panel.case_file.count() > 1, what="the case files")
        panel.case_file.setCurrentIndex(panel.case_file.findData(diarium_server["case_file"]["id"]))
        panel.protected_text.setPlainText("Anna Åkesson, 19811218-9876")
        await asyncio.sleep(0.3)
        save(main, "diarium")
        panel.show_page(panel.requests_page)
        await until(lambda: len(panel.model.requests) >= 3, what="the requests")
        panel.requests.selectRow(0)
        panel.open_request()
        await until(lambda: panel.request_text.toPlainText(), what="the request")
        await asyncio.sleep(0.3)
        save(main, "diarium-requests")
        await until(lambda: tasks.pending() == 0, what="the background calls")
        await desktop.session.stop()

    run(scenario(), timeout=90)


@pytest.fixture
async def shot_hosts(reception_server, role_users) -> dict[str, int]:
    """Hosts with plain names for the picture (the fixture's hosts carry a random suffix);
    afterwards they no longer accept visitors."""
    from core.auth import service as auth
    from plugins.visitor_reception import hosts

    suffix = uuid.uuid4().hex[:6]
    made = {}
    for key, full_name, unit, protected in (
        ("bygg", "Vilma Lund", "Bygglov", False),
        ("social", "Sune Berg", "Individ- och familjeomsorg", True),
    ):
        username = f"shot-{key}-{suffix}"
        await auth.create_user("test", username, full_name, AGENT_PASSWORD, ["case_officer"])
        made[key] = (username, await hosts.save("test", username, unit, "Plan 2", protected, True))
    yield {key: row["id"] for key, (_username, row) in made.items()}
    for username, row in made.values():
        await hosts.save("test", username, row["unit"], "Plan 2", False, False)


def test_reception_screenshot(reception_server, shot_hosts, role_users, run, qtbot):
    """The reception desk: who is inside, registering, the roll call with one ticked off."""
    from desktop.panels.reception import ReceptionPanel

    server, token = reception_server["server"], reception_server["kiosk_token"]
    greta = kiosk_check_in(
        server, token, shot_hosts["bygg"], "Greta Gran", organisation="Ekeby Bygg AB"
    )
    kiosk_check_in(server, token, shot_hosts["bygg"], "Hugo Holm", needs_assistance=True)
    kiosk_check_in(server, token, shot_hosts["social"], "Sonja Skyddad")
    kiosk_check_in(server, token, shot_hosts["bygg"], "Maja Nord", organisation="Norrby Tidning")
    desk = user_http(server, role_users["reception"])
    roll = desk.post(f"{RECEPTION_BASE}/roll-calls", json={"reason": "Brandövning"})
    assert roll.status_code in (200, 201), roll.text
    roll_id = roll.json()["roll_call"]["id"]
    ticked = desk.put(
        f"{RECEPTION_BASE}/roll-calls/{roll_id}/safe/{greta['number']}", json={"safe": True}
    )
    assert ticked.status_code == 200, ticked.text
    desktop = DesktopApp()

    async def scenario() -> None:
        # the desk's lists and the roll call need the height
        main = await signed_in_main(desktop, server, role_users["reception"], qtbot, (1280, 960))
        panel = next(p for p in main.panels if isinstance(p, ReceptionPanel))
        main.show_panel(panel)
        await until(lambda: panel.model.roll and panel.model.safe(), what="the roll call")
        panel.visitor.setText("Per Sandberg")
        panel.organisation.setText("Länsstyrelsen")
        await asyncio.sleep(0.3)
        save(main, "reception")
        await until(lambda: tasks.pending() == 0, what="the background calls")
        await desktop.session.stop()

    run(scenario(), timeout=90)
