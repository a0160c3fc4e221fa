"""Crisis tagging in the contact form against a real ``kontakt serve`` with the crisis mode
plugin on and a crisis active: the box appears under the form, the contact the agent saves
is the one to tag, nothing is sent without a topic, and Ctrl+T tags it on the server with its
topic, area and the question that had no approved answer."""

from __future__ import annotations

import time
import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop.ui.app import DesktopApp
from tests.desktop.conftest import type_text, until
from tests.desktop.test_contact_flow import sign_in, signed_in

PLUGIN = "crisis_mode"


@pytest.fixture
async def crisis_active(runtime):
    """The plugin enabled for servers started afterwards, two topics and an area, and an
    active crisis event (as the activation area stores it); all ended afterwards."""
    from core import db
    from core.db import raw
    from core.plugin_admin import service
    from plugins.crisis_mode.situation import topics

    await service.set_enabled("test", PLUGIN, True)
    suffix = uuid.uuid4().hex[:6]
    water = await topics.create("test", f"vatten-{suffix}", "Dricksvatten", "Drinking water")
    school = await topics.create("test", f"skola-{suffix}", "Skola", "School")
    area = await topics.create("test", f"hamn-{suffix}", "Hamnen", "", "area")
    async with db.transaction():
        event_id = await raw.insert(
            "crisis_event",
            {"status": "active", "level": "heightened", "exercise": True,
             "reason": "Vattenläcka", "activated_by": "kris-ledare",
             "activated_at": int(time.time()) - 120},
        )  # fmt: skip
    yield {"event_id": event_id, "water": water, "school": school, "area": area}
    async with db.transaction():
        await raw.fetch(
            "UPDATE crisis_event SET status = 'ended', deactivated_at = ? WHERE id = ?",
            int(time.time()) + 1,
            event_id,
        )
    await service.set_enabled("test", PLUGIN, False)


def test_an_agent_tags_the_contact_just_saved(
    crisis_active, server_factory, role_users, run, qtbot
):
    from core.db import raw

    server = server_factory()
    desktop = DesktopApp()
    summary = f"Undrar om vattnet går att dricka {uuid.uuid4().hex[:6]}"

    async def scenario() -> dict:
        sign_in(desktop, server, role_users["agent"])
        main = await signed_in(desktop)
        qtbot.addWidget(main)
        box = main.crisis_tagging
        assert box is not None
        await until(lambda: box.model.active and box.topics.count() >= 2, what="the topics")
        assert box.isVisibleTo(main) and box.title() == "Kris: tagga kontakten"
        assert not box.tag_button.isEnabled()  # nothing saved yet
        form = main.contact_form
        QTest.keyClick(main, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
        type_text(form.summary, summary)
        QTest.keyClick(main, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        number = await until(lambda: box.model.contact_number, what="the saved contact")
        assert box.contact.text() == number and box.tag_button.isEnabled()

        QTest.keyClick(main, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: box.model.last, what="the refusal")
        assert box.model.last.status == "refused" and "Välj minst ett ämne" in box.outcome.text()

        QTest.keyClick(main, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Ä&mnen
        assert box.topics.hasFocus()
        wanted = crisis_active["water"]["id"]
        row = next(
            i
            for i in range(box.topics.count())
            if box.topics.item(i).data(Qt.ItemDataRole.UserRole) == wanted
        )
        box.topics.setCurrentRow(row)
        QTest.keyClick(box.topics, Qt.Key.Key_Space)  # ticks the topic
        assert box.topics.item(row).checkState() == Qt.CheckState.Checked
        assert box.model.chosen == {wanted}
        QTest.keyClick(main, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # Områ&de
        assert box.area.hasFocus()
        while box.area.currentData() != crisis_active["area"]["id"]:
            QTest.keyClick(box.area, Qt.Key.Key_Down)
        QTest.keyClick(main, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # &Fråga …
        assert box.question.hasFocus()
        type_text(box.question, "Kan jag koka vattnet?")
        QTest.keyClick(main, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: box.model.last and box.model.last.status == "tagged",
                    what="the tagging")  # fmt: skip
        assert box.outcome.text() == f"Kontakt {number} är taggad."
        await desktop.session.stop()
        return {"number": number}

    done = run(scenario(), timeout=90)

    async def stored() -> dict:
        tag = await raw.fetchrow(
            "SELECT id, event_id, area_id, question, tagged_by FROM crisis_tag "
            "WHERE contact_number = ?",
            done["number"],
        )
        topics = await raw.fetch(
            "SELECT topic_id FROM crisis_tag_topic WHERE tag_id = ?", tag["id"]
        )
        return {**tag, "topics": [t["topic_id"] for t in topics]}

    tag = run(stored())
    assert tag["event_id"] == crisis_active["event_id"]
    assert tag["topics"] == [crisis_active["water"]["id"]]
    assert tag["area_id"] == crisis_active["area"]["id"]
    assert tag["question"] == "Kan jag koka vattnet?" and tag["tagged_by"] == role_users["agent"]
