"""Answer support: articles, versions, case-type links and Swedish full-text search, through
the HTTP API on the session's real database (SQLite FTS5 or PostgreSQL tsvector).

The database is shared by the whole test session, so every search here is scoped: either by a
made-up word no other test uses, or by a case type created for this module.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from core.knowledge import search

BASE = "/api/v1/knowledge"
SV = {"Accept-Language": "sv"}


def unique(prefix: str = "zq") -> str:
    """A made-up word (letters only) that no other article contains."""
    return prefix + "".join("abcdefghij"[int(c, 16) % 10] for c in uuid.uuid4().hex[:10])


async def in_app(client, fn, *args):
    """Run the coroutine function ``fn`` on the app's event loop (where its DB pool lives)."""
    return await asyncio.to_thread(client.blocking_portal.call, fn, *args)


@pytest.fixture(scope="module")
async def case_types(client):
    """Four fresh case types of one fresh department; returns their codes."""
    from core.org.tables import CaseType, Department

    tag = uuid.uuid4().hex[:8]
    codes = [f"kb-{tag}-{n}" for n in range(4)]

    async def make():
        dept = await Department.insert(
            Department(code=f"KB{tag}", name_sv="Kunskapsnämnden", name_en="Knowledge board")
        ).returning(Department.id)
        for code in codes:
            await CaseType.insert(
                CaseType(
                    code=code,
                    name_sv=f"Ärende {code}",
                    name_en=f"Case {code}",
                    department=dept[0]["id"],
                )
            )

    await in_app(client, make)
    return codes


@pytest.fixture(scope="module")
async def manager(auth_headers):
    return await auth_headers("supervisor")


@pytest.fixture(scope="module")
async def agent(auth_headers):
    return await auth_headers("agent")


async def create(client, headers, **fields) -> dict:
    body = {"kind": "faq", "status": "published", **fields}
    response = await client.post(f"{BASE}/articles", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def find(client, headers, **params) -> list[dict]:
    response = await client.get(f"{BASE}/articles", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def ids(client, headers, **params) -> list[int]:
    return [row["id"] for row in await find(client, headers, **params)]


# --- stemming -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forms",
    [
        ("ansökan", "ansökningar", "ansökning", "ansöker"),
        ("bygglov", "bygglovet", "bygglovs"),
        ("förskola", "förskolan", "förskolor", "förskolans"),
    ],
)
def test_swedish_forms_share_one_stem(forms):
    assert len({search.analyse(form) for form in forms}) == 1


def test_different_words_keep_different_stems():
    stems = {search.analyse(w) for w in ("bygglov", "förskola", "ansökan", "parkering")}
    assert len(stems) == 4


async def test_inflected_forms_find_the_article(client, manager, agent, case_types):
    ct = case_types[0]
    permit = await create(
        client,
        manager,
        title="Ansökan om bygglov",
        body="Så lämnar du in ansökan. Bygglovet prövas av byggnadsnämnden.",
        case_types=[ct],
    )
    school = await create(
        client,
        manager,
        kind="checklist",
        title="Plats i förskola",
        body="Förskolor i kommunen tar emot barn från ett år. Kön till förskolan är öppen.",
        case_types=[ct],
    )
    for query in ("ansökningar", "ansökan", "bygglovet", "bygglov", "BYGGLOVS"):
        assert await ids(client, agent, q=query, case_type=ct) == [permit["id"]], query
    for query in ("förskola", "förskolan", "förskolor"):
        assert await ids(client, agent, q=query, case_type=ct) == [school["id"]], query
    assert await ids(client, agent, q="parkeringstillstånd", case_type=ct) == []


async def test_title_match_ranks_first(client, manager, agent, case_types):
    ct = case_types[1]
    word = unique()
    in_body = await create(
        client,
        manager,
        title="Allmänt om avfall",
        body=f"Om {word} gäller: {word} hämtas varannan vecka, {word} sorteras hemma.",
        case_types=[ct],
    )
    in_title = await create(
        client,
        manager,
        title=f"Hämtning av {word}",
        body="Hämtning sker på tisdagar.",
        case_types=[ct],
    )
    rows = await find(client, agent, q=word)
    assert [r["id"] for r in rows] == [in_title["id"], in_body["id"]]
    assert rows[0]["score"] > rows[1]["score"]
    # highlights point at the word in the title and in the snippet
    start, end = rows[0]["title_highlights"][0]
    assert rows[0]["title"][start:end] == word
    assert rows[1]["highlights"]
    assert all(rows[1]["snippet"][s:e] == word for s, e in rows[1]["highlights"])


async def test_all_terms_first_then_any_term(client, manager, agent):
    a, b = unique(), unique()
    both = await create(client, manager, title=f"{a} och {b}", body="Text.")
    only_a = await create(client, manager, title=f"Bara {a}", body="Text.")
    assert await ids(client, agent, q=f"{a} {b}") == [both["id"]]
    c = unique()
    assert set(await ids(client, agent, q=f"{a} {c}")) == {both["id"], only_a["id"]}


# --- filters --------------------------------------------------------------------------------


async def test_filters(client, manager, agent, case_types):
    word = unique()
    faq = await create(client, manager, title=f"{word} fråga", body="Svar.", audience="public")
    script = await create(client, manager, kind="script", title=f"{word} manus", body="Säg.")
    english = await create(
        client, manager, title=f"{word} question", body="Answer.", language="en", audience="public"
    )
    draft = await create(
        client,
        manager,
        title=f"{word} utkast",
        body="Ej klar.",
        status="draft",
        case_types=[case_types[2]],
    )
    assert set(await ids(client, agent, q=word)) == {faq["id"], script["id"], english["id"]}
    assert await ids(client, agent, q=word, kind="script") == [script["id"]]
    assert set(await ids(client, agent, q=word, audience="public")) == {faq["id"], english["id"]}
    assert await ids(client, agent, q=word, language="en") == [english["id"]]
    # managers also see drafts, and may ask for one status
    assert draft["id"] in await ids(client, manager, q=word)
    assert await ids(client, manager, q=word, status="draft") == [draft["id"]]
    assert await ids(client, manager, q=word, case_type=case_types[2]) == [draft["id"]]
    # listing without a query uses the same filters, newest first
    listed = await ids(client, manager, kind="script", limit=100)
    assert script["id"] in listed and faq["id"] not in listed
    # agents see published articles only
    response = await client.get(
        f"{BASE}/articles", headers={**agent, **SV}, params={"status": "draft"}
    )
    assert response.status_code == 403
    # the public search sees published public articles only, and no internal fields
    response = await client.get("/api/v1/public/knowledge", params={"q": word})
    assert response.status_code == 200
    rows = response.json()
    assert {r["id"] for r in rows} == {faq["id"], english["id"]}
    assert all("status" not in r and "updated_by" not in r for r in rows)
    response = await client.get(f"/api/v1/public/knowledge/{faq['id']}")
    assert response.status_code == 200 and response.json()["body"] == "Svar."
    assert (await client.get(f"/api/v1/public/knowledge/{script['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/public/knowledge/{draft['id']}")).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "novel"},
        {"audience": "everyone"},
        {"language": "fi"},
        {"status": "deleted"},
        {"case_type": "no-such-case-type"},
        {"limit": "0"},
        {"limit": "101"},
        {"offset": "-1"},
        {"q": "bygglov " * 30},
    ],
)
async def test_bad_filters_are_400_problems(client, manager, params):
    response = await client.get(f"{BASE}/articles", headers={**manager, **SV}, params=params)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["status"] == 400 and problem["detail"]


# --- versions, index sync, status ----------------------------------------------------------


async def test_every_edit_is_a_version_and_audited(client, manager, agent):
    from core.audit.tables import AuditEntry

    first, second = unique(), unique()
    article = await create(client, manager, title="Matavfall", body=f"Första {first}", comment="ny")
    url = f"{BASE}/articles/{article['id']}"
    response = await client.patch(
        url, headers=manager, json={"body": f"Andra {second}", "comment": "rättad", "version": 1}
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    response = await client.patch(
        url, headers=manager, json={"title": "Matavfall och kompost", "kind": "checklist"}
    )
    current = response.json()
    assert (current["version"], current["title"], current["kind"]) == (
        3,
        "Matavfall och kompost",
        "checklist",
    )
    assert current["body"] == f"Andra {second}"
    # editing an old version is refused
    stale = await client.patch(url, headers=manager, json={"body": "x", "version": 2})
    assert stale.status_code == 409
    versions = (await client.get(f"{url}/versions", headers=agent)).json()
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert [v["comment"] for v in versions] == ["", "rättad", "ny"]
    assert {v["author"] for v in versions} == {"supervisor-user"}
    one = (await client.get(f"{url}/versions/1", headers=agent)).json()
    assert (one["title"], one["body"]) == ("Matavfall", f"Första {first}")
    assert (await client.get(f"{url}/versions/9", headers=agent)).status_code == 404
    # the index follows the edit
    assert await ids(client, agent, q=first) == []
    assert await ids(client, agent, q=second) == [article["id"]]

    async def audited():
        rows = (
            await AuditEntry.select(AuditEntry.action, AuditEntry.details)
            .where(
                (AuditEntry.object_type == "kb_article")
                & (AuditEntry.object_id == str(article["id"]))
            )
            .order_by(AuditEntry.seq)
        )
        return [(r["action"], json.loads(r["details"])) for r in rows]

    entries = await in_app(client, audited)
    assert [a for a, _ in entries] == ["knowledge.article.create"] + [
        "knowledge.article.update"
    ] * 2
    assert entries[2][1]["changed"] == ["kind", "title"]


async def test_archive_hides_and_publish_restores(client, manager, agent):
    word = unique()
    article = await create(client, manager, title=f"Om {word}", body="Text.")
    url = f"{BASE}/articles/{article['id']}"
    assert await ids(client, agent, q=word) == [article["id"]]
    response = await client.post(f"{url}/archive", headers=manager)
    assert response.status_code == 200 and response.json()["status"] == "archived"
    assert await ids(client, agent, q=word) == []
    assert (await client.get(url, headers=agent)).status_code == 404
    assert (await client.get(f"{url}/versions", headers=agent)).status_code == 404
    assert await ids(client, manager, q=word) == []  # managers: drafts and published by default
    assert await ids(client, manager, q=word, status="archived") == [article["id"]]
    assert (await client.post(f"{url}/archive", headers=manager)).status_code == 409
    assert (await client.post(f"{url}/publish", headers=manager)).status_code == 200
    assert await ids(client, agent, q=word) == [article["id"]]
    draft = await create(client, manager, title=f"Utkast {word}", body="Text.", status="draft")
    assert await ids(client, agent, q=word) == [article["id"]]
    assert (await client.get(f"{BASE}/articles/{draft['id']}", headers=agent)).status_code == 404
    assert (
        await client.post(f"{BASE}/articles/{draft['id']}/publish", headers=manager)
    ).status_code == 200
    assert set(await ids(client, agent, q=word)) == {article["id"], draft["id"]}


async def test_reindex_keeps_search_working(client, manager, agent):
    word = unique()
    article = await create(client, manager, title=f"Förskolan {word}", body="Text.")
    count = await in_app(client, search.reindex_all)
    assert count >= 1
    assert await ids(client, agent, q=f"förskolor {word}") == [article["id"]]


# --- case types ---------------------------------------------------------------------------


async def test_case_type_links_in_order(client, manager, agent, case_types):
    from core.knowledge import service
    from core.org.tables import CaseType

    ct = case_types[3]
    script = await create(client, manager, kind="script", title="Talmanus bygglov", body="Hej!")
    checklist = await create(client, manager, kind="checklist", title="Checklista", body="1.")
    draft = await create(client, manager, title="Utkast", body="Ej klar.", status="draft")
    for article in (checklist, script, draft):
        response = await client.post(
            f"{BASE}/articles/{article['id']}/case-types", headers=manager, json={"case_type": ct}
        )
        assert response.status_code == 200, response.text
    # move the script first
    response = await client.post(
        f"{BASE}/articles/{script['id']}/case-types",
        headers=manager,
        json={"case_type": ct, "position": -1},
    )
    assert response.status_code == 400
    await client.post(
        f"{BASE}/articles/{checklist['id']}/case-types",
        headers=manager,
        json={"case_type": ct, "position": 5},
    )
    linked = (await client.get(f"{BASE}/case-types/{ct}/articles", headers=agent)).json()
    assert [a["id"] for a in linked] == [script["id"], checklist["id"]]  # the draft is hidden
    assert linked[0]["body"] == "Hej!" and linked[0]["kind"] == "script"
    one = (await client.get(f"{BASE}/articles/{script['id']}", headers=agent)).json()
    assert [c["code"] for c in one["case_types"]] == [ct]

    async def by_id():
        row = await CaseType.select(CaseType.id).where(CaseType.code == ct).first()
        return await service.articles_for_case_type(row["id"])

    assert [a["id"] for a in await in_app(client, by_id)] == [script["id"], checklist["id"]]
    response = await client.delete(
        f"{BASE}/articles/{script['id']}/case-types/{ct}", headers=manager
    )
    assert response.status_code == 204
    linked = (await client.get(f"{BASE}/case-types/{ct}/articles", headers=agent)).json()
    assert [a["id"] for a in linked] == [checklist["id"]]
    again = await client.delete(f"{BASE}/articles/{script['id']}/case-types/{ct}", headers=manager)
    assert again.status_code == 404
    unknown = await client.get(f"{BASE}/case-types/no-such-type/articles", headers={**agent, **SV})
    assert unknown.status_code == 404
    assert "no-such-type" in unknown.json()["detail"]
    response = await client.post(
        f"{BASE}/articles",
        headers=manager,
        json={"kind": "faq", "title": "T", "body": "B", "case_types": ["no-such-type"]},
    )
    assert response.status_code == 400


# --- hostile input and permissions ----------------------------------------------------------

HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "bygglov*",
    "NEAR",
    "NEAR(bygglov förskola, 2)",
    "(",
    ")",
    "()",
    "AND",
    "OR",
    "NOT",
    "bygglov OR",
    "-bygglov",
    "^bygglov",
    "title:bygglov",
    "a:b:c",
    "'; DROP TABLE kb_article; --",
    "{}",
    "%",
    "_",
    "\\",
    "!",
    "&|!<->",
    "bygglov & | !",
    ":*",
    "ö̈",
    "😀 bygglov",
    "\x00",
    "  ",
    "or or or",
    "x" * 200,
    "å " * 99,
]


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_never_break_search(client, agent, query):
    """Every query is searched, except a NUL character: a 400 naming q."""
    expected = 400 if "\x00" in query else 200
    response = await client.get(f"{BASE}/articles", headers=agent, params={"q": query})
    assert response.status_code == expected, response.text
    if expected == 200:
        assert isinstance(response.json(), list)
    else:
        assert [e["field"] for e in response.json()["errors"]] == ["q"]
    response = await client.get("/api/v1/public/knowledge", params={"q": query})
    assert response.status_code == expected, response.text


async def test_permissions(client, manager, agent, auth_headers):
    body = {"kind": "faq", "title": "Obehörig", "body": "Text."}
    assert (await client.post(f"{BASE}/articles", json=body)).status_code == 401
    assert (await client.post(f"{BASE}/articles", headers=agent, json=body)).status_code == 403
    article = await create(client, manager, title="Behörig", body="Text.")
    url = f"{BASE}/articles/{article['id']}"
    assert (await client.patch(url, headers=agent, json={"body": "x"})).status_code == 403
    assert (await client.post(f"{url}/archive", headers=agent)).status_code == 403
    for role in ("reception", "registrator", "case_officer", "crisis_team", "it_admin"):
        response = await client.get(url, headers=await auth_headers(role))
        assert response.status_code == 200, role
    it_admin = await auth_headers("it_admin")
    assert (await client.post(f"{url}/archive", headers=it_admin)).status_code == 200
    assert (await client.get(f"{BASE}/articles/999999", headers=manager)).status_code == 404
    bad = await client.post(
        f"{BASE}/articles", headers={**manager, **SV}, json={**body, "kind": "novel"}
    )
    assert bad.status_code == 400, bad.text
    assert bad.json()["detail"] == "Begärans innehåll eller parametrar är ogiltiga"
    (error,) = bad.json()["errors"]
    assert error == {
        "field": "kind",
        "source": "body",
        "message": "Okänt värde 'novel'; giltiga värden: checklist, faq, script",
    }
    empty = await client.post(f"{BASE}/articles", headers=manager, json={**body, "title": " "})
    assert empty.status_code == 400


async def test_selective_filter_beyond_the_ranked_candidates(client, manager, agent, monkeypatch):
    """SQLite ranks a capped candidate list before filtering; a filter that only the
    lowest-ranked match passes must still find it."""
    monkeypatch.setattr(search, "CANDIDATES", 1)  # cap = 10 * limit
    word = unique()
    for n in range(11):
        await create(client, manager, title=f"{word} fråga {n}", body=f"Om {word}.")
    script = await create(client, manager, kind="script", title="Manus", body=f"Om {word}.")
    assert await ids(client, agent, q=word, kind="script", limit=1) == [script["id"]]
    assert len(await ids(client, agent, q=word, limit=5)) == 5
    assert (await find(client, agent, q=word, limit=12))[-1]["id"] == script["id"]
