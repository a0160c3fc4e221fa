"""My groups against a real ``kontakt serve``: the answer groups the signed-in agent belongs
to (not the others), each with its open cases (timers ticking) and its queue of contacts,
shown in the client's F8 view; and the case list "My groups" of every group at once."""

from __future__ import annotations

import uuid

import pytest

from desktop.api.client import ApiClient
from desktop.ui.case_list import CaseListsView
from desktop.ui.case_table import SLA_COLUMN
from desktop.ui.my_groups import MyGroupsView
from desktop.viewmodels.case_list import CaseListModel
from desktop.viewmodels.my_groups import MY_GROUPS_LIST, MyGroupsModel
from tests.desktop.conftest import AGENT_PASSWORD, admin_http, until


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


def register(http, desk_org, group: str, summary: str, open_case: bool) -> dict:
    body = {
        "channel": "phone",
        "summary": summary,
        "case_type": desk_org["case_type"],
        "answer_group": group,
    }
    body |= (
        {"open_case": True, "subject": summary} if open_case else {"resolved_first_contact": True}
    )
    answer = http.post("/api/v1/contacts", json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def test_my_groups_with_their_cases_and_queues(
    desk_server, desk_org, role_users, groups, run, qtbot
):
    tag = uuid.uuid4().hex[:6]
    summary = f"Kö-kontakt {tag}"
    http = admin_http(desk_server)
    register(http, desk_org, groups["mine"], summary, open_case=False)
    in_mine = register(http, desk_org, groups["mine"], f"Skolskjuts {tag}", True)["case"]
    in_other = register(http, desk_org, groups["other"], f"Bygglov {tag}", True)["case"]
    http.close()
    opened: list[str] = []

    async def scenario() -> MyGroupsModel:
        client = ApiClient(desk_server.url)
        await client.sign_in(role_users["agent"], AGENT_PASSWORD)
        model = MyGroupsModel(client)
        await model.load()
        everything = CaseListModel(client, MY_GROUPS_LIST)
        await everything.reload()
        while not everything.exhausted:
            await everything.fetch_more()
        shown = [row["number"] for row in everything.rows]
        assert in_mine["number"] in shown and in_other["number"] not in shown

        view = MyGroupsView(model, open_case=opened.append)
        qtbot.addWidget(view)
        view.show()
        view.show_groups()
        codes = [g["code"] for g in model.groups]
        row = codes.index(groups["mine"])
        view.groups.selectRow(row)
        table = view.cases.currentWidget()
        cases = table.model()
        await until(lambda: cases.rowCount() >= 1, what="the group's cases")
        numbers = [cases.row(r)["number"] for r in range(cases.rowCount())]
        assert in_mine["number"] in numbers and in_other["number"] not in numbers
        assert int(view.groups.item(row, 3).text().rstrip("+")) >= 1
        queue = [view.queue.item(r, 3).text() for r in range(view.queue.rowCount())]
        assert summary in queue
        at = numbers.index(in_mine["number"])
        left = cases.data(cases.index(at, SLA_COLUMN))
        assert " d " in left  # days to resolve (business time), counting down
        await until(lambda: cases.data(cases.index(at, SLA_COLUMN)) != left, what="a tick")
        table.setCurrentIndex(cases.index(at, 0))
        table.activated.emit(cases.index(at, 0))
        assert opened == [in_mine["number"]]

        # the case list tab "My groups" in the case lists (F3)
        lists = CaseListsView(client, opened.append, {})
        qtbot.addWidget(lists)
        assert [lists.tabText(i) for i in range(lists.count())] == [
            "Mina ärenden",
            "Mina grupper",
            "Mina uppföljningar",
            "Försenade",
            "Alla öppna ärenden",
        ]
        lists.reload()
        mine_tab = lists.tables[1].model()
        await until(lambda: mine_tab.rowCount() >= 1 or mine_tab.canFetchMore(), what="rows")
        await until(lambda: lists.models[1].rows, what="the my-groups list")
        assert in_mine["number"] in [r["number"] for r in lists.models[1].rows]
        await client.sign_out()
        await client.close()
        return model

    model = run(scenario())
    codes = [g["code"] for g in model.groups]
    assert groups["mine"] in codes and groups["other"] not in codes
    assert model.queue_total(groups["mine"]) >= 1
    assert summary in [item.get("summary") for item in model.queue(groups["mine"])]
