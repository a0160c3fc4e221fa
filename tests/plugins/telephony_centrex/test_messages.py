"""Talsvar messages: versioned drafts, espeak-ng rendering, uploads, activation with export,
audit, the set_active_message hook; bad input refused."""

from __future__ import annotations

import base64
import inspect
import shutil

import pytest

from core.audit.tables import AuditEntry
from core.cases.service import plugin_host
from plugins.telephony_centrex import messages

MESSAGES = "/api/v1/plugins/telephony_centrex/messages"
WAV = b"RIFF" + (36).to_bytes(4, "little") + b"WAVEfmt " + bytes(32)


async def _audits(action: str, message_id: int) -> int:
    return await AuditEntry.count().where(
        (AuditEntry.action == action) & (AuditEntry.object_id == str(message_id))
    )


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_a_typed_message_is_rendered_activated_and_exported(client, auth_headers, telephony):
    lead = await auth_headers("supervisor")
    body = {"kind": "closed", "language": "sv", "text": "Kontaktcenter är stängt. Välkommen åter."}
    draft = await client.post(MESSAGES, json=body, headers=lead)
    assert draft.status_code == 201, draft.text
    first = draft.json()
    assert first["status"] == "draft" and first["has_audio"] is False
    rendered = await client.post(f"{MESSAGES}/{first['id']}/render", headers=lead)
    assert rendered.status_code == 200, rendered.text
    assert rendered.json()["audio_source"] == "tts" and len(rendered.json()["audio_sha256"]) == 64
    active = await client.post(f"{MESSAGES}/{first['id']}/activate", headers=lead)
    assert active.json()["status"] == "active" and active.json()["delivery"] == "export"
    audio = await client.get(f"{MESSAGES}/{first['id']}/audio", headers=lead)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert audio.headers["content-type"].startswith("audio/wav")
    second = (await client.post(MESSAGES, json={**body, "text": "Ny text"}, headers=lead)).json()
    assert second["version"] == first["version"] + 1
    await client.post(f"{MESSAGES}/{second['id']}/render", headers=lead)
    await client.post(f"{MESSAGES}/{second['id']}/activate", headers=lead)
    assert (await messages.get(first["id"]))["status"] == "archived"
    assert (await messages.active("closed", "sv"))["id"] == second["id"]
    assert await _audits("telephony.message_activate", first["id"]) == 1
    refused = await client.post(f"{MESSAGES}/{first['id']}/activate", headers=lead)
    assert refused.status_code == 409


async def test_an_uploaded_recording_and_the_menu(client, auth_headers, telephony):
    lead = await auth_headers("supervisor")
    draft = (
        await client.post(MESSAGES, json={"kind": "overload", "language": "en"}, headers=lead)
    ).json()
    wav = base64.b64encode(WAV).decode()
    uploaded = await client.put(f"{MESSAGES}/{draft['id']}/audio", json={"wav": wav}, headers=lead)
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["audio_source"] == "upload"
    not_wav = base64.b64encode(b"ID3 an mp3 file here........................").decode()
    bad = await client.put(f"{MESSAGES}/{draft['id']}/audio", json={"wav": not_wav}, headers=lead)
    assert bad.status_code == 400
    menu = {
        "kind": "menu",
        "language": "sv",
        "text": "Välkommen",
        "menu": [
            {"key": "1", "label": "Äldreomsorg", "group": telephony["group"]},
            {"key": "0", "label": "Växeln"},
        ],
    }
    created = await client.post(MESSAGES, json=menu, headers=lead)
    assert created.status_code == 201, created.text
    assert [c["key"] for c in created.json()["menu"]] == ["1", "0"]
    listed = await client.get(MESSAGES, params={"kind": "menu"}, headers=lead)
    assert created.json()["id"] in [m["id"] for m in listed.json()]


async def test_the_hook_switches_the_active_message(telephony):
    result = plugin_host().hook.set_active_message(
        kind="crisis", text="Vi känner till störningen.", actor="crisis-user", language="sv"
    )
    if inspect.isawaitable(result):
        result = await result
    assert result["status"] == "active" and result["kind"] == "crisis"
    assert (await messages.active("crisis", "sv"))["id"] == result["id"]
    assert await _audits("telephony.message_activate", result["id"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "jingle"},
        {"kind": "closed", "language": "swedish"},
        {"kind": "closed", "text": "x" * 5001},
        {"kind": "closed", "menu": [{"key": "1", "label": "Ett"}]},
        {"kind": "menu", "menu": [{"key": "11", "label": "Elva"}]},
        {"kind": "menu", "menu": [{"key": "1", "label": "A"}, {"key": "1", "label": "B"}]},
        {"kind": "menu", "menu": [{"key": "2", "label": ""}]},
        {"kind": "menu", "menu": [{"key": "3", "label": "C", "group": "no-such-group"}]},
        {"kind": "closed", "text": "nul \x00 byte"},
        {"kind": "closed", "colour": "red"},
    ],
)
async def test_bad_messages_are_refused(client, auth_headers, telephony, body):
    response = await client.post(MESSAGES, json=body, headers=await auth_headers("supervisor"))
    assert response.status_code == 400, response.text


async def test_message_permissions_and_bad_ids(client, auth_headers, telephony):
    agent = await auth_headers("agent")
    assert (await client.get(MESSAGES, headers=agent)).status_code == 403
    assert (await client.post(MESSAGES, json={"kind": "closed"}, headers=agent)).status_code == 403
    lead = await auth_headers("supervisor")
    assert (await client.get(f"{MESSAGES}/0", headers=lead)).status_code == 400
    for missing in (2**31 - 1, 2**52):
        assert (await client.get(f"{MESSAGES}/{missing}", headers=lead)).status_code == 404
    assert (await client.get(f"{MESSAGES}/{2**60}", headers=lead)).status_code == 400
    assert (await client.get(MESSAGES, params={"kind": "x"}, headers=lead)).status_code == 400
    empty = (await client.post(MESSAGES, json={"kind": "closed"}, headers=lead)).json()
    assert (await client.post(f"{MESSAGES}/{empty['id']}/render", headers=lead)).status_code == 400
    assert (
        await client.post(f"{MESSAGES}/{empty['id']}/activate", headers=lead)
    ).status_code == 400
    assert (await client.get(f"{MESSAGES}/{empty['id']}/audio", headers=lead)).status_code == 404
    assert (
        await client.put(f"{MESSAGES}/{empty['id']}/audio", json={"wav": "!!"}, headers=lead)
    ).status_code == 400
