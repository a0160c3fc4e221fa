"""Crisis messages through the API: a draft in four languages, approved in two steps by
another user, versioned (a new version supersedes, history kept), the knowledge base's script
and FAQ written and updated without retyping, the agents' view, and bad input refused in
Swedish and English without changing anything."""

from __future__ import annotations

from core.db import raw
from tests.plugins.crisis_mode.messages.conftest import MESSAGES, draft_body


async def _counts() -> tuple[int, int, int]:
    versions = await raw.fetchrow("SELECT COUNT(*) AS n FROM crisis_message_version")
    texts = await raw.fetchrow("SELECT COUNT(*) AS n FROM crisis_message_text")
    entries = await raw.fetchrow("SELECT COUNT(*) AS n FROM audit_entry")
    return int(versions["n"]), int(texts["n"]), int(entries["n"])


async def test_a_draft_is_approved_by_another_user_and_becomes_the_kb_script_and_faq(
    client, clean, crisis, crisis_headers, auth_headers, role_users
):
    from core.knowledge import service as knowledge

    writer = await auth_headers("supervisor")  # crisis.write, not crisis.manage
    leader = await crisis_headers("leader")
    agent = await auth_headers("agent")

    created = await client.post(MESSAGES, json=draft_body(), headers=writer)
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["status"] == "draft" and draft["version"] >= 1
    assert [t["language"] for t in draft["texts"]] == ["sv", "en", "fi", "ar"]  # setting order
    assert {t["language"]: t["dir"] for t in draft["texts"]}["ar"] == "rtl"
    assert draft["authors"] == [role_users["supervisor"]]

    # nothing is approved yet: agents see no text
    current = (await client.get(f"{MESSAGES}/current", headers=agent)).json()
    assert current["items"] == []

    # the author cannot approve (the supervisor lacks crisis.manage anyway)
    assert (
        await client.post(f"{MESSAGES}/{draft['id']}/approve", json={}, headers=writer)
    ).status_code == 403
    # a crisis team member who edited it cannot approve it either
    edit = draft_body(tag="")
    edit["texts"][0]["body"] += " Mer information kommer."
    edited = await client.put(f"{MESSAGES}/{draft['id']}", json=edit, headers=leader)
    assert edited.status_code == 200, edited.text
    assert edited.json()["authors"] == [role_users["supervisor"], crisis["leader"]]
    refused = await client.post(
        f"{MESSAGES}/{draft['id']}/approve", json={}, headers={**leader, "Accept-Language": "sv"}
    )
    assert refused.status_code == 403
    assert "godkänna" in refused.json()["detail"]

    second = await crisis_headers("second")
    approved = await client.post(f"{MESSAGES}/{draft['id']}/approve", json={}, headers=second)
    assert approved.status_code == 200, approved.text
    result = approved.json()
    assert result["version"]["status"] == "approved"
    assert result["version"]["msg_type"] == "Alert"
    assert result["published"] is None  # no crisis active: the IVR is left alone
    articles = {(a["kind"], a["language"]): a for a in result["knowledge"]}
    assert set(articles) == {("script", "sv"), ("faq", "sv"), ("script", "en"), ("faq", "en")}

    script = await knowledge.get_article(articles[("script", "sv")]["article_id"], True)
    assert script["kind"] == "script" and script["status"] == "published"
    assert "Strömavbrott i norra Ekeby" in script["title"]
    assert "Mer information kommer." in script["body"]
    assert "انقطاع التيار الكهربائي" in script["body"]  # the other languages for the agent
    faq = await knowledge.get_article(articles[("faq", "en")]["article_id"], True)
    assert faq["kind"] == "faq" and "Do not use candles." in faq["body"]

    # the agents' view: the approved text per language
    current = (await client.get(f"{MESSAGES}/current", headers=agent)).json()
    assert [i["language"] for i in current["items"]] == ["sv", "en", "fi", "ar"]
    sv = current["items"][0]
    assert sv["title"] == "Strömavbrott i norra Ekeby"
    assert sv["approved_by"] == "kris-andra" and sv["approved_at"].endswith("Z")
    assert sv["ivr_text"].startswith("Strömavbrott i norra Ekeby Ett fel i elnätet")
    only_ar = (await client.get(f"{MESSAGES}/current?language=ar", headers=agent)).json()
    assert [i["language"] for i in only_ar["items"]] == ["ar"]
    assert only_ar["items"][0]["dir"] == "rtl"

    # a new version supersedes the first; the articles get a new version, not a new article
    v2 = draft_body(tag="Uppdatering: ")
    second_draft = (await client.post(MESSAGES, json=v2, headers=writer)).json()
    assert second_draft["version"] == draft["version"] + 1
    assert second_draft["message_id"] == draft["message_id"]
    again = await client.post(f"{MESSAGES}/{second_draft['id']}/approve", json={}, headers=leader)
    assert again.status_code == 200, again.text
    assert again.json()["version"]["msg_type"] == "Update"
    updated = {(a["kind"], a["language"]): a for a in again.json()["knowledge"]}
    assert updated[("script", "sv")]["article_id"] == articles[("script", "sv")]["article_id"]
    script = await knowledge.get_article(articles[("script", "sv")]["article_id"], True)
    assert script["version"] == 2 and "Uppdatering: Strömavbrott" in script["title"]

    first = (await client.get(f"{MESSAGES}/{draft['id']}", headers=agent)).json()
    assert first["status"] == "superseded" and first["superseded_at"]
    assert [e["action"] for e in first["log"]] == ["drafted", "edited", "approved", "superseded"]
    listing = (await client.get(f"{MESSAGES}?limit=1", headers=agent)).json()
    assert listing["items"][0]["id"] == second_draft["id"] and listing["next_cursor"]
    page2 = await client.get(f"{MESSAGES}?limit=1&cursor={listing['next_cursor']}", headers=agent)
    assert page2.json()["items"][0]["id"] == draft["id"]

    # an approved version cannot be edited or approved again
    assert (
        await client.put(f"{MESSAGES}/{draft['id']}", json=draft_body(), headers=writer)
    ).status_code == 409
    assert (
        await client.post(f"{MESSAGES}/{second_draft['id']}/approve", json={}, headers=second)
    ).status_code == 409


async def test_bad_drafts_are_refused_in_swedish_and_english_and_change_nothing(
    client, clean, crisis_headers, auth_headers
):
    writer = await auth_headers("supervisor")
    before = await _counts()
    cases = [
        (draft_body(languages=("en", "fi")), "svenska text", "Swedish text"),
        (draft_body(languages=("sv", "xx")), "inte ett av meddelandespråken", "not one of"),
        (draft_body(languages=("sv", "sv")), "två gånger", "twice"),
        (draft_body(category="Weather"), None, None),
        (draft_body(web="javascript:alert(1)"), "http(s)-adress", "http(s) address"),
        (draft_body(expires_at=1000), "framtiden", "future"),
        ({**draft_body(), "colour": "red"}, None, None),
        (draft_body(texts=[]), None, None),
    ]
    for body, swedish, english in cases:
        for lang, expected in (("sv", swedish), ("en", english)):
            response = await client.post(
                MESSAGES, json=body, headers={**writer, "Accept-Language": lang}
            )
            assert response.status_code == 400, (body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            if expected:
                assert expected in response.json()["detail"], response.json()
    blank = draft_body()
    blank["texts"][0]["title"] = "   "
    response = await client.post(MESSAGES, json=blank, headers={**writer, "Accept-Language": "sv"})
    assert response.status_code == 400 and "title" in response.json()["detail"]
    assert await _counts() == before

    # one draft at a time: a second one is a conflict
    first = await client.post(MESSAGES, json=draft_body(), headers=writer)
    assert first.status_code == 201
    second = await client.post(
        MESSAGES, json=draft_body(), headers={**writer, "Accept-Language": "sv"}
    )
    assert second.status_code == 409 and "utkast" in second.json()["detail"]
    # unknown ids are 404, rejecting needs crisis.manage, a rejected draft stays in the history
    leader = await crisis_headers("leader")
    assert (await client.get(f"{MESSAGES}/987654", headers=writer)).status_code == 404
    assert (
        await client.post(f"{MESSAGES}/{first.json()['id']}/reject", json={}, headers=writer)
    ).status_code == 403
    rejected = await client.post(
        f"{MESSAGES}/{first.json()['id']}/reject", json={"reason": "Fel område"}, headers=leader
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reject_reason"] == "Fel område"


async def test_an_approval_is_announced_to_connected_users(
    client, clean, crisis_headers, auth_headers, monkeypatch
):
    """After the commit, the live event goes to ``core.events.publish`` (which still sends
    it; the recording keeps a copy of what was sent)."""
    from core import events

    writer = await auth_headers("supervisor")
    leader = await crisis_headers("leader")
    draft = (await client.post(MESSAGES, json=draft_body(("sv", "ar")), headers=writer)).json()
    sent: list = []
    publish = events.publish

    def recording(event) -> None:
        publish(event)
        sent.append(event)

    monkeypatch.setattr(events, "publish", recording)
    await client.post(f"{MESSAGES}/{draft['id']}/approve", json={}, headers=leader)
    announced = [e for e in sent if e.type == "crisis.message_approved"]
    assert len(announced) == 1
    assert announced[0].data["version_id"] == draft["id"]
    assert announced[0].data["languages"] == ["sv", "ar"]
    assert "crisis.message_approved" in {t.name for t in events.event_types()}


async def test_two_approvals_at_once_approve_the_draft_once(
    client, clean, crisis_headers, auth_headers
):
    import asyncio

    writer = await auth_headers("supervisor")
    leader = await crisis_headers("leader")
    second = await crisis_headers("second")
    draft = (await client.post(MESSAGES, json=draft_body(("sv",)), headers=writer)).json()
    url = f"{MESSAGES}/{draft['id']}/approve"
    answers = await asyncio.gather(
        client.post(url, json={}, headers=leader), client.post(url, json={}, headers=second)
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    log = (await client.get(f"{MESSAGES}/{draft['id']}", headers=writer)).json()["log"]
    assert [e["action"] for e in log] == ["drafted", "approved"]
