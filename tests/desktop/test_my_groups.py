"""My groups against a real ``kontakt serve``: the answer groups the signed-in agent belongs
to (not the others), each with its queue of contacts, shown in the client's F8 view."""

from __future__ import annotations

import uuid

import pytest

from desktop.api.client import ApiClient
from desktop.ui.my_groups import MyGroupsView
from desktop.viewmodels.my_groups import MyGroupsModel
from tests.desktop.conftest import AGENT_PASSWORD, admin_http


@pytest.fixture(scope="module")
async def groups(desk_org, role_users) -> dict[str, str]:
    from core.org import service as org

    suffix = uuid.uuid4().hex[:6]
    mine, other = f"grp-mine-{suffix}", f"grp-other-{suffix}"
    await org.save_group(
        "test", mine, {"name_sv": "Skolskjuts kö", "department": desk_org["department"]}
    )
    await org.save_group("test", other, {"name_sv": "Bygglov kö"})
    await org.set_members("test", mine, [{"username": role_users["agent"]}])
    await org.set_members("test", other, [{"username": "admin"}])
    return {"mine": mine, "other": other}


def test_my_groups_with_their_queues(desk_server, desk_org, role_users, groups, run, qtbot):
    summary = f"Kö-kontakt {uuid.uuid4().hex[:6]}"
    http = admin_http(desk_server)
    answer = http.post(
        "/api/v1/contacts",
        json={
            "channel": "phone",
            "summary": summary,
            "case_type": desk_org["case_type"],
            "answer_group": groups["mine"],
            "resolved_first_contact": True,
        },
    )
    assert answer.status_code in (200, 201), answer.text
    http.close()

    async def scenario() -> MyGroupsModel:
        client = ApiClient(desk_server.url)
        await client.sign_in(role_users["agent"], AGENT_PASSWORD)
        model = MyGroupsModel(client)
        await model.load()
        await client.sign_out()
        await client.close()
        return model

    model = run(scenario())
    codes = [g["code"] for g in model.groups]
    assert groups["mine"] in codes and groups["other"] not in codes
    assert model.queue_total(groups["mine"]) >= 1
    assert summary in [item.get("summary") for item in model.queue(groups["mine"])]
    view = MyGroupsView(model)
    qtbot.addWidget(view)
    view.show_groups()
    row = codes.index(groups["mine"])
    view.groups.selectRow(row)
    assert view.groups.item(row, 0).text() == "Skolskjuts kö"
    shown = [view.queue.item(r, 3).text() for r in range(view.queue.rowCount())]
    assert summary in shown
