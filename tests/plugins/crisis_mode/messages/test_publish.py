"""Publishing the approved message: during a crisis (activated through the activation area)
the IVR message in every language is switched through the core hook ``set_active_message``
(the real telephony plugin, audio by espeak-ng), an exercise labels every output ÖVNING /
EXERCISE, the event's history keeps every version with its approvals; with the telephony
plugin switched off the IVR step says it was skipped and the rest still works."""

from __future__ import annotations

from tests.plugins.crisis_mode.conftest import set_plugin
from tests.plugins.crisis_mode.messages.conftest import MESSAGES, TELEPHONY, draft_body


async def _end_crisis() -> None:
    from plugins.crisis_mode.activation import events, service

    if await events.current() is not None:
        await service.deactivate("test", "test ended")


async def test_an_approval_during_an_exercise_switches_the_ivr_in_every_language(
    client,
    app,
    clean,
    telephony,
    crisis,
    crisis_headers,
    auth_headers,  # noqa: F811
):
    from core.knowledge import service as knowledge
    from plugins.crisis_mode.activation import service as activation
    from plugins.crisis_mode.messages import service
    from plugins.telephony_centrex import messages as ivr

    await _end_crisis()
    writer = await auth_headers("supervisor")
    leader = await crisis_headers("leader")
    agent = await auth_headers("agent")
    try:
        started = await activation.activate(crisis["second"], "Övning: strömavbrott", "heightened",
                                            exercise=True)  # fmt: skip
        event = started["event"]
        # the plan's message step found nothing approved yet and said so
        step = [s for s in started["steps"] if s.get("kind", s.get("step")) == "crisis_message"]
        assert step and step[0]["status"] == "skipped", started["steps"]

        created = await client.post(MESSAGES, json=draft_body(), headers=writer)
        assert created.status_code == 201, created.text
        draft = created.json()
        assert draft["exercise"] is True  # the event is an exercise, so is its message
        actual = await client.put(
            f"{MESSAGES}/{draft['id']}", json=draft_body(exercise=False), headers=writer
        )
        assert actual.status_code == 409

        approved = await client.post(f"{MESSAGES}/{draft['id']}/approve", json={}, headers=leader)
        assert approved.status_code == 200, approved.text
        published = approved.json()["published"]
        assert published["status"] == "done", published
        ivr_steps = {s["language"]: s for s in published["steps"] if s["output"] == "ivr"}
        assert set(ivr_steps) == {"sv", "en", "fi", "ar"}
        assert all(s["status"] == "done" for s in ivr_steps.values()), ivr_steps

        for lang, label in (("sv", "ÖVNING"), ("en", "EXERCISE"), ("ar", "EXERCISE")):
            active = await ivr.active("crisis", lang)
            assert active is not None and active["status"] == "active"
            assert active["text"].startswith(f"{label}. ") and active["text"].endswith(f"{label}.")
            expected = (await service.current_approved(lang))[0]["ivr_text"]
            assert active["text"] == expected
        assert (await ivr.active("crisis", "sv"))["has_audio"] is True  # espeak-ng rendered it

        scripts = [a for a in approved.json()["knowledge"] if a["kind"] == "script"]
        article = await knowledge.get_article(scripts[0]["article_id"], True)
        assert article["title"].startswith("ÖVNING: ")
        assert "ÖVNING: det här meddelandet hör till en krisövning." in article["body"]

        current = (await client.get(f"{MESSAGES}/current", headers=agent)).json()
        assert current["active"] is True and current["exercise"] is True
        assert current["event_id"] == event["id"]
        assert current["items"][0]["label"] == "ÖVNING"
        assert current["items"][1]["label"] == "EXERCISE"

        # publishing again (the plan's step, or by hand) changes the articles no further
        again = await client.post(f"{MESSAGES}/publish", json={}, headers=leader)
        assert again.status_code == 200
        assert {s["status"] for s in again.json()["steps"] if s["output"] == "knowledge"} == {
            "unchanged"
        }

        history = await service.history(event["id"])
        ours = [h for h in history if h.get("id") == draft["id"]]
        assert len(ours) == 1
        actions = [a["action"] for a in ours[0]["approvals"]]
        assert actions[:2] == ["drafted", "approved"] and actions.count("published") == 2
        assert ours[0]["approved_by"] == crisis["leader"]
        api = await client.get(f"{MESSAGES}/history/{event['id']}", headers=agent)
        assert [h.get("id") for h in api.json()["items"]] == [h.get("id") for h in history]
    finally:
        await _end_crisis()


async def test_without_the_telephony_plugin_the_ivr_is_skipped_and_the_rest_published(
    client, app, clean, crisis, crisis_headers, auth_headers
):
    from core.plugin_admin import service as plugins
    from plugins.crisis_mode.activation import events
    from plugins.crisis_mode.messages import service

    writer = await auth_headers("supervisor")
    leader = await crisis_headers("leader")
    was_on = TELEPHONY in await plugins.enabled_names()
    if was_on:
        await set_plugin(app, TELEPHONY, False)
    try:
        draft = (await client.post(MESSAGES, json=draft_body(("sv", "en")), headers=writer)).json()
        await client.post(f"{MESSAGES}/{draft['id']}/approve", json={}, headers=leader)
        result = await service.publish(await events.current(), crisis["leader"])
        ivr_steps = [s for s in result["steps"] if s["output"] == "ivr"]
        assert [s["language"] for s in ivr_steps] == ["sv", "en"]
        assert all(s["status"] == "skipped" for s in ivr_steps)
        assert ivr_steps[0]["detail"] == "skipped: no telephony plugin enabled"
        assert "telefoni" in ivr_steps[0]["detail_sv"] and ivr_steps[0]["manual"]
        assert result["status"] == "done"
        assert {s["status"] for s in result["steps"] if s["output"] == "knowledge"} == {"unchanged"}
    finally:
        if was_on:
            await set_plugin(app, TELEPHONY, True)


async def test_publish_reports_a_mismatch_of_exercise_and_event(clean, crisis, auth_headers):
    from plugins.crisis_mode.messages import service

    assert (await service.publish(None, "test"))["status"] == "skipped"
    version = await service.create_draft("supervisor-user", service.DraftInput(
        texts=[service.TextInput("sv", "Rubrik", "Text")], exercise=False,
    ))  # fmt: skip
    await service.approve(crisis["leader"], version["id"])
    result = await service.publish({"id": 0, "exercise": True}, "test")
    assert result["status"] == "failed" and result["manual"]
