"""The webbdiarium's search (JSON and HTML): public fields only, whatever is typed; paged;
Swedish and English; bad input is a 400 problem."""

from __future__ import annotations

import pytest

from tests.plugins.diarium.conftest import BASE, WINDOWS, set_window
from tests.plugins.diarium.public.conftest import PROVISION, SECRETS

SEARCH = f"{BASE}/public/search"
PAGE = f"{BASE}/public/webbdiarium"

HOSTILE = [
    *SECRETS,
    "Kalle",
    "Lisa",
    "granne",
    "synpunkter",
    "protected_text:hemligtord",
    "{protected_text} : hemligtord",
    "{counterpart_protected}: Hemligsson",
    "protected_text : Orosanmälan",
    "hemligtord OR bygglov",
    '"hemligtord"',
    "NEAR(hemligtord Hemligsson)",
    "hemligt*",
    "Hemlig",
    "Orosanm",
    "1912121212",
    "19121212",
    "skyddad rubrik",
    "barnet",
]


def numbers(body: dict) -> list[str]:
    return [item["number"] for item in body["items"]]


async def test_finds_public_entries_by_stemmed_prefix_and_number(client, entries):
    public, secret = entries["public"]["number"], entries["secret"]["number"]
    response = await client.get(SEARCH, params={"series": "WEB", "q": "bygglov Storgatan"})
    assert response.status_code == 200, response.text
    assert numbers(response.json()) == [public]  # "bygglov" finds "bygglovet"
    item = response.json()["items"][0]
    assert item["text"] == "Ansökan om bygglovet för Storgatan 12"
    assert item["counterpart"] == "Per Persson"
    assert item["case_file"]["number"] == entries["case_file"]["number"]
    assert item["case_file"]["title"] == "Testakt för registreringen"
    assert item["secret"] is False and item["direction"] == "in"
    exact = (await client.get(SEARCH, params={"series": "WEB", "q": public})).json()
    assert numbers(exact) == [public] and exact["total"] == 1
    case_number = entries["case_file"]["number"]
    in_case = (await client.get(SEARCH, params={"series": "WEB", "q": case_number})).json()
    assert {public, secret} <= set(numbers(in_case))
    assert entries["alone"]["number"] not in numbers(in_case)


async def test_a_secret_marked_entry_shows_only_its_public_fields(client, entries):
    response = await client.get(SEARCH, params={"series": "WEB", "q": "socialtjänstlagen"})
    assert response.status_code == 200
    body = response.json()
    assert numbers(body) == [entries["secret"]["number"]]
    item = body["items"][0]
    assert item["secret"] is True and item["secrecy_provisions"] == [PROVISION]
    assert item["text"] == "Anmälan enligt socialtjänstlagen"
    for word in SECRETS:
        assert word.lower() not in response.text.lower(), word


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_never_reach_protected_fields(client, entries, query):
    for params in ({"series": "WEB", "q": query}, {"series": "WEB", "q": query, "lang": "en"}):
        response = await client.get(SEARCH, params=params)
        assert response.status_code == 200, response.text
        assert response.json()["items"] == [], query
    page = await client.get(PAGE, params={"series": "WEB", "q": query})
    assert page.status_code == 200
    assert 'class="entry"' not in page.text and "Inga poster" in page.text


async def test_whole_listing_never_shows_protected_text(client, entries):
    response = await client.get(SEARCH, params={"series": "WEB", "limit": 100})
    assert response.status_code == 200
    assert {entries["public"]["number"], entries["alone"]["number"]} <= set(
        numbers(response.json())
    )
    for word in SECRETS:
        assert word.lower() not in response.text.lower(), word


@pytest.mark.parametrize("window", WINDOWS)
async def test_pages_follow_the_cursor_newest_first(client, entries, window, monkeypatch):
    """With a window of one id, PostgreSQL's word search finds the older hit beyond the
    window through the GIN index (the rare-word path), page by page, whether the window is
    walked first or skipped for the rare word."""
    from plugins.diarium.public import search

    set_window(monkeypatch, search, window)
    first = (
        await client.get(SEARCH, params={"series": "WEB", "q": "bygglovet", "limit": 1})
    ).json()
    assert first["next_cursor"] and len(first["items"]) == 1 and first["total"] == 2
    second = (
        await client.get(
            SEARCH,
            params={"series": "WEB", "q": "bygglovet", "limit": 1, "cursor": first["next_cursor"]},
        )
    ).json()
    assert numbers(first) == [entries["broken"]["number"]]  # the newer one first
    assert numbers(second) == [entries["public"]["number"]]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("window", WINDOWS)
async def test_filters_and_languages(client, entries, window, monkeypatch):
    """A period is found the same within the newest ids and beyond them (PostgreSQL: the
    date index in its fence)."""
    from plugins.diarium.public import search

    set_window(monkeypatch, search, window)
    body = (
        await client.get(SEARCH, params={"direction": "drawn_up", "series": "WEB", "lang": "en"})
    ).json()
    assert entries["alone"]["number"] in numbers(body)
    assert all(item["direction"] == "drawn_up" for item in body["items"])
    assert body["items"][0]["direction_label"] == "Drawn up" and body["language"] == "en"
    sv = await client.get(
        SEARCH, params={"series": "WEB", "direction": "in"}, headers={"Accept-Language": "sv"}
    )
    assert sv.json()["items"][0]["direction_label"] == "Inkommande"
    day = {"series": "WEB", "date_from": "2026-11-21", "date_to": "2026-11-21"}
    dated = (await client.get(SEARCH, params=day)).json()
    assert numbers(dated) == [entries["secret"]["number"]] and dated["total"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"date_from": "2026-13"}, "date_from"),
        ({"date_from": "2026-11-22", "date_to": "2026-11-01"}, "from"),
        ({"cursor": "not-a-cursor"}, None),
        ({"series": "NOSUCH"}, "series"),
        ({"colour": "blue"}, None),
        ({"q": "x" * 201}, None),
    ],
)
async def test_bad_input_is_a_problem(client, entries, params, field):
    response = await client.get(SEARCH, params=params, headers={"Accept-Language": "sv"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field == "series":
        assert "Okänd diarieserie" in response.json()["detail"]
    english = await client.get(SEARCH, params=params, headers={"Accept-Language": "en"})
    assert english.status_code == 400


async def test_the_search_page_works_without_script(client, entries):
    response = await client.get(PAGE, params={"series": "WEB", "q": "bygglov", "lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-language"] == "en"
    assert "<script" not in response.text
    assert entries["public"]["number"] in response.text
    assert "Ask for a copy" in response.text and "Storgatan 12" in response.text
    sv = await client.get(PAGE, headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert sv.status_code == 200 and 'lang="sv"' in sv.text and "Webbdiarium" in sv.text
    bad = await client.get(PAGE, params={"series": "WEB", "direction": "sideways", "lang": "sv"})
    assert bad.status_code == 400 and "Okänd riktning" in bad.text
    css = await client.get(f"{BASE}/public/static/webbdiarium.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert (await client.get(f"{BASE}/public/static/other.js")).status_code == 404


async def test_random_text_never_fails_nor_reaches_protected_fields(client, entries):
    """Many random queries of FTS5 and tsquery syntax, quotes, unicode and protected words."""
    import random

    rng = random.Random(20261202)
    pieces = [
        *SECRETS, "bygglov", "OR", "AND", "NOT", "NEAR(", ")", "(", '"', "'", "*", ":", "{", "}",
        "^", "-", "+", "&", "|", "!", "<->", "\\", "%", "_", "ö", "ß", "İ", "𝔘", "😀", "\u200b",
        "protected_text", "counterpart_protected", "  ", "12", "1912",
    ]  # fmt: skip
    for _ in range(150):
        q = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(1, 6)))
        response = await client.get(SEARCH, params={"series": "WEB", "q": q[:200]})
        assert response.status_code == 200, (q, response.text)
        for item in response.json()["items"]:
            assert item["number"] in {entries["public"]["number"], entries["broken"]["number"]}, q
        for word in SECRETS:
            assert word.lower() not in response.text.lower(), (q, word)


def test_the_postgresql_tsquery_goes_into_the_statement_text_only_as_plain_terms():
    """Planned for its own words (a bound tsquery gets a generic plan after five runs), so
    nothing but letters and digits may reach the literal."""
    from plugins.diarium.public.search import terms, tsquery_sql

    found = terms("Bygglovet för Åsa-vägen")
    assert tsquery_sql(found) == (
        "to_tsquery('simple'::regconfig, '''bygglov'':* & ''åsa'':* & ''väg'':*')"
    )
    for bad in (["x'); DROP TABLE diarium_document; --"], ["a b"], ["a:*"], [""], []):
        with pytest.raises(ValueError):
            tsquery_sql(bad)
