"""The document states what a channel code looks like (2 to 12 lowercase letters), on the
contact body and on the contact list's filter, and the server refuses anything else."""

from __future__ import annotations

import re

CHANNEL = r"^[a-z]{2,12}$"


async def test_the_channel_format_is_in_the_document(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    body = schema["components"]["schemas"]["ContactBody"]["properties"]["channel"]
    assert body["pattern"] == CHANNEL
    listing = schema["paths"]["/api/v1/contacts"]["get"]["parameters"]
    (channel,) = [p for p in listing if p["name"] == "channel"]
    assert channel["schema"]["pattern"] == CHANNEL or any(
        s.get("pattern") == CHANNEL for s in channel["schema"].get("oneOf", [])
    )


async def test_a_channel_outside_the_format_is_refused_naming_the_field(client, auth_headers):
    agent = await auth_headers("agent")
    for value in ("", "Phone", "p", "phone1"):
        assert not re.match(CHANNEL, value)
        listed = await client.get("/api/v1/contacts", headers=agent, params={"channel": value})
        assert listed.status_code == 400, (value, listed.text)
        assert [e["field"] for e in listed.json()["errors"]] == ["channel"]
        posted = await client.post(
            "/api/v1/contacts", headers=agent, json={"channel": value, "summary": "Fråga"}
        )
        assert posted.status_code == 400, (value, posted.text)
        assert [e["field"] for e in posted.json()["errors"]] == ["channel"]
    listed = await client.get("/api/v1/contacts", headers=agent, params={"channel": "phone"})
    assert listed.status_code == 200, listed.text
