"""Closing a case from the desktop sends the closing reason the server requires."""

from __future__ import annotations

import uuid

import pytest

from desktop.api.client import ApiClient
from desktop.api.errors import ApiError
from desktop.viewmodels.case_view import CaseViewModel
from tests.desktop.conftest import AGENT_PASSWORD


def test_a_case_is_closed_with_its_reason(desk_server, role_users, desk_org, run):
    server = desk_server
    reason = f"Frågan besvarad i telefon {uuid.uuid4().hex[:6]}"

    async def scenario() -> tuple[str, dict]:
        client = ApiClient(server.url)
        await client.sign_in(role_users["agent"], AGENT_PASSWORD)
        answer = await client.register_contact(
            {
                "channel": "phone",
                "summary": "Frågade om skolskjuts",
                "case_type": desk_org["case_type"],
                "open_case": True,
            },
            key=uuid.uuid4().hex,
        )
        number = answer["case"]["number"]
        model = CaseViewModel(client, number)
        with pytest.raises(ApiError):  # without a reason the server refuses to end the case
            await model.change_status("closed")
        await model.change_status("closed", reason=reason)
        case = await client.case(number)
        await client.close()
        return number, case

    number, case = run(scenario())
    assert case["status"] == "closed", number
    assert any(reason in str(entry) for entry in case["timeline"])
