"""The answer-group filters of GET /api/v1/cases: ``answer_group=<code>`` (cases forwarded to
the group or with a contact handled in it) and ``my_groups=true`` (the same for every group
the signed-in user is a member of), with secrecy, paging and bad input."""

from __future__ import annotations

import uuid

import pytest

from core.org import service as org
from tests.core.cases.test_case_flow import open_case, register
from tests.core.cases.test_case_search import cases, new_party, numbers

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
async def two_groups(org_setup, role_users) -> dict[str, str]:
    """Two fresh answer groups: the agent is a member of ``mine``, the supervisor of
    ``other``."""
    suffix = uuid.uuid4().hex[:6]
    mine, other = f"grp-a-{suffix}", f"grp-b-{suffix}"
    for code, member in ((mine, "agent"), (other, "supervisor")):
        await org.save_group(
            "test", code, {"name_sv": f"Grupp {code}", "department": org_setup["department"]}
        )
        await org.set_members("test", code, [{"username": role_users[member]}])
    return {"mine": mine, "other": other}


async def scenario(client, auth_headers, org_setup, groups) -> dict[str, object]:
    """One citizen's cases: in the agent's group by an opening contact, by a later contact
    joining the case, by a forward to the group; one in the other group; one in none; a
    secret one in the agent's group that the agent may not see."""
    agent, registrator = await auth_headers("agent"), await auth_headers("registrator")
    party = await new_party(client, agent)
    kind = org_setup["bygglov"]
    opened = await open_case(client, agent, kind, party_id=party, answer_group=groups["mine"])
    joined = await open_case(client, agent, kind, party_id=party)
    answer = await register(
        client,
        agent,
        channel="email",
        party_id=party,
        answer_group=groups["mine"],
        join_case=joined,
    )
    assert answer.status_code == 201, answer.text
    forwarded = await open_case(client, agent, kind, party_id=party)
    moved = await client.post(
        f"/api/v1/cases/{forwarded}/forward",
        headers=agent,
        json={"kind": "group", "target": groups["mine"], "reason": "Gruppen tar det"},
    )
    assert moved.status_code == 200, moved.text
    elsewhere = await open_case(client, agent, kind, party_id=party, answer_group=groups["other"])
    nowhere = await open_case(client, agent, kind, party_id=party)
    secret = await open_case(
        client, registrator, kind, party_id=party, answer_group=groups["mine"], secret=True
    )
    return {
        "party": party,
        "mine": [forwarded, joined, opened],  # newest first
        "elsewhere": elsewhere,
        "nowhere": nowhere,
        "secret": secret,
    }


async def test_answer_group_and_my_groups(client, auth_headers, org_setup, two_groups):
    made = await scenario(client, auth_headers, org_setup, two_groups)
    agent, supervisor = await auth_headers("agent"), await auth_headers("supervisor")
    party = made["party"]

    in_mine = await cases(client, agent, party=party, answer_group=two_groups["mine"])
    assert numbers(in_mine) == made["mine"] and in_mine["total"] == 3
    in_other = await cases(client, agent, party=party, answer_group=two_groups["other"])
    assert numbers(in_other) == [made["elsewhere"]]
    # the secret case is in the group, but only for who may see it
    seen_by_supervisor = await cases(
        client, supervisor, party=party, answer_group=two_groups["mine"]
    )
    assert numbers(seen_by_supervisor) == [made["secret"], *made["mine"]]

    agents_groups = await cases(client, agent, party=party, my_groups="true")
    assert numbers(agents_groups) == made["mine"]
    supervisors_groups = await cases(client, supervisor, party=party, my_groups="true")
    assert numbers(supervisors_groups) == [made["elsewhere"]]
    everything = await cases(client, agent, party=party)
    assert made["nowhere"] in numbers(everything)
    assert made["nowhere"] not in numbers(agents_groups) + numbers(in_mine)

    # with the other filters: a closed status leaves them out, a narrower group finds none
    closed = await cases(
        client, agent, party=party, answer_group=two_groups["mine"], status="closed"
    )
    assert closed["items"] == []
    both = await cases(
        client, agent, party=party, answer_group=two_groups["other"], my_groups="true"
    )
    assert both["items"] == []


async def test_group_pages_cover_everything_once(client, auth_headers, org_setup, two_groups):
    made = await scenario(client, auth_headers, org_setup, two_groups)
    agent = await auth_headers("agent")
    for params in ({"answer_group": two_groups["mine"]}, {"my_groups": "true"}):
        seen, cursor = [], None
        while True:
            page = await cases(
                client,
                agent,
                party=made["party"],
                limit=1,
                **params,
                **({"cursor": cursor} if cursor else {}),
            )
            assert len(page["items"]) <= 1 and page["total"] == 3
            seen += numbers(page)
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == made["mine"], params


async def test_unknown_group_and_roles(client, auth_headers, org_setup):
    agent = await auth_headers("agent")
    unknown = f"ingen-grupp-{uuid.uuid4().hex[:6]}"
    for language, text in (("sv", "Okänd svarsgrupp"), ("en", "Unknown answer group")):
        response = await client.get(
            "/api/v1/cases",
            headers={**agent, "Accept-Language": language},
            params={"answer_group": unknown},
        )
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        assert text in response.text and unknown in response.text
    for params in (
        {"answer_group": "x" * 65},
        {"answer_group": "a\x00b"},
        {"my_groups": "kanske"},
    ):
        response = await client.get("/api/v1/cases", headers=agent, params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    it_admin = await auth_headers("it_admin")
    refused = await client.get(
        "/api/v1/cases", headers=it_admin, params={"answer_group": org_setup["group"]}
    )
    assert refused.status_code == 403
