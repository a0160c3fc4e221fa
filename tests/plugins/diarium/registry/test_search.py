"""The registrator's search: words over public fields (protected ones only for holders of
diarium.secret), filters, keyset paging, and bad input refused."""

from __future__ import annotations

import pytest

from tests.plugins.diarium.conftest import BASE, WINDOWS, set_window


async def _register(client, headers, **fields) -> dict:
    body = {
        "series_code": "TSÖK",
        "direction": "in",
        "document_date": "2026-03-10",
        "counterpart_public": "Föreningen Lärkan",
        "public_text": "Ansökan om föreningsbidrag",
        **fields,
    }
    response = await client.post(f"{BASE}/documents", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_search_words_filters_and_paging(client, diarium, auth_headers) -> None:
    from plugins.diarium.registry import series

    await series.create(
        "test", code="TSÖK", name="Söktest", board="Kommunstyrelsen", pattern="{code} {year}/{seq}"
    )
    registrator = await auth_headers("registrator")
    a = await _register(client, registrator, protected_text="Hemlig adress Björkvägen 7")
    b = await _register(
        client, registrator, direction="out", document_date="2026-04-01",
        counterpart_public="Kommunens revisorer", public_text="Svar på revisionsrapport",
    )  # fmt: skip
    c = await _register(
        client, registrator, direction="drawn_up", counterpart_public="",
        public_text="Tjänsteskrivelse om föreningsbidrag", case_file_id=diarium["case_file"]["id"],
        series_code=None,
    )  # fmt: skip

    async def numbers(headers, **params) -> list[str]:
        response = await client.get(f"{BASE}/search", headers=headers, params=params)
        assert response.status_code == 200, response.text
        return [d["number"] for d in response.json()["items"]]

    assert await numbers(registrator, q="föreningsbidrag") == [c["number"], a["number"]]
    assert await numbers(registrator, q="föreningsbidrag", series_code="TSÖK") == [a["number"]]
    assert await numbers(registrator, q="revisionsrapport revisorer") == [b["number"]]
    assert await numbers(registrator, series_code="TSÖK", direction="out") == [b["number"]]
    assert await numbers(
        registrator, series_code="TSÖK", date_from="2026-03-31", date_to="2026-04-30"
    ) == [b["number"]]
    assert await numbers(
        registrator, q="föreningsbidrag", case_file_id=diarium["case_file"]["id"]
    ) == [c["number"]]
    assert await numbers(registrator, series_code="TSÖK", year=1999) == []
    # the protected text is searched only for those who may read it
    assert await numbers(registrator, q="Björkvägen") == [a["number"]]
    supervisor = await auth_headers("supervisor")
    assert await numbers(supervisor, q="Björkvägen") == []
    found = (
        await client.get(
            f"{BASE}/search", headers=supervisor, params={"q": "Lärkan", "series_code": "TSÖK"}
        )
    ).json()
    assert found["items"][0]["protected"] is None and found["items"][0]["protected_withheld"]
    mine = (
        await client.get(f"{BASE}/search", headers=registrator, params={"q": "Björkvägen"})
    ).json()
    assert mine["items"][0]["protected"]["text"] == "Hemlig adress Björkvägen 7"
    # the number itself is searchable
    assert a["number"] in await numbers(registrator, q=a["number"])
    # keyset paging: no row twice, none lost
    first = (
        await client.get(
            f"{BASE}/search", headers=registrator, params={"series_code": "TSÖK", "limit": 1}
        )
    ).json()
    assert first["next_cursor"] and first["total"] is None
    second = (
        await client.get(
            f"{BASE}/search",
            headers=registrator,
            params={"series_code": "TSÖK", "limit": 5, "cursor": first["next_cursor"]},
        )
    ).json()
    assert [d["number"] for d in first["items"] + second["items"]] == [b["number"], a["number"]]
    assert second["next_cursor"] is None


async def test_search_refuses_bad_input(client, diarium, auth_headers) -> None:
    registrator = await auth_headers("registrator")
    for params, status in (
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, 400),
        ({"date_from": "1 maj"}, 400),
        ({"direction": "up"}, 400),
        ({"series_code": "NOSUCH"}, 404),
        ({"cursor": "garbage"}, 400),
        ({"q": "!!!"}, 400),
        ({"sort": "x"}, 400),
    ):
        response = await client.get(f"{BASE}/search", headers=registrator, params=params)
        assert response.status_code == status, (params, response.text)
    assert (
        await client.get(f"{BASE}/search", headers=await auth_headers("agent"))
    ).status_code == 403


@pytest.mark.parametrize("window", WINDOWS[1:])
async def test_newest_window_then_the_rest(
    client, diarium, auth_headers, monkeypatch, window
) -> None:
    """PostgreSQL asks the newest ids first (more of them for rare words), then the rest: a
    tiny window gives the same pages as one query over everything."""
    from plugins.diarium.registry import search

    registrator = await auth_headers("registrator")
    params = {"q": "föreningsbidrag", "limit": 1}

    async def pages() -> list[str]:
        seen, cursor = [], None
        for _ in range(10):
            query = {**params, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(f"{BASE}/search", headers=registrator, params=query)).json()
            seen += [d["number"] for d in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        return seen

    whole = await pages()
    set_window(monkeypatch, search, window)
    assert await pages() == whole and len(whole) >= 2


def test_tsquery_terms_stay_inside_their_literal() -> None:
    """PostgreSQL gets the words in the statement text (planned for them, not a generic plan):
    only letters, digits, prefixes and phrases reach it; anything else is refused."""
    import pytest

    from plugins.diarium.registry.search import _tokens, _tsquery_literal, words_of

    terms = [_tsquery_literal(t) for t in _tokens(words_of("e-tjänst KS 2026/12 'x'); --"))]
    assert terms == [
        "to_tsquery('simple', 'e:* <-> tjänst:*')",
        "to_tsquery('simple', 'ks:*')",
        "to_tsquery('simple', '2026:* <-> 12:*')",
        "to_tsquery('simple', 'x:*')",
    ]
    for bad in ("a'b:*", "a\\b:*", "a:* | b:*", ""):
        with pytest.raises(ValueError):
            _tsquery_literal(bad)


async def test_the_same_pages_after_many_runs(client, diarium, auth_headers) -> None:
    """A word and a place asked again and again (PostgreSQL would switch a prepared statement
    to a generic plan after five runs) keeps giving the same newest-first page."""
    from plugins.diarium.registry import series

    await series.create(
        "test",
        code="TUPP",
        name="Upprepad sökning",
        board="Kommunstyrelsen",
        pattern="{code} {year}/{seq}",
    )
    registrator = await auth_headers("registrator")
    made = [
        await _register(
            client,
            registrator,
            series_code="TUPP",
            public_text=f"Ansökan om gungbräda, Vimmerby {n}:1",
        )
        for n in range(3)
    ]
    await _register(
        client, registrator, series_code="TUPP", public_text="Ansökan om gungbräda, Åseda 1:1"
    )
    await _register(
        client,
        registrator,
        series_code="TUPP",
        public_text="Klagomål, Vimmerby 2:2",
        protected_text="x",
    )
    await _register(
        client,
        registrator,
        series_code="TUPP",
        public_text="Ansökan, Vimmerby 3:3",
        protected_text="gungbrädan",
    )
    expected = [made[2]["number"], made[1]["number"], made[0]["number"]]
    for _ in range(8):
        response = await client.get(
            f"{BASE}/search", headers=registrator, params={"q": "gungbräda Vimmerby", "limit": 10}
        )
        assert response.status_code == 200, response.text
        numbers = [d["number"] for d in response.json()["items"]]
        # the newest: 'gungbräda' only in its protected text, which the registrator may read
        assert numbers[1:] == expected and numbers[0].startswith("TUPP"), numbers
        assert len(numbers) == 4
    supervisor = await auth_headers("supervisor")
    for _ in range(6):
        response = await client.get(
            f"{BASE}/search", headers=supervisor, params={"q": "gungbräda Vimmerby", "limit": 10}
        )
        assert [d["number"] for d in response.json()["items"]] == expected


@pytest.mark.parametrize("window", WINDOWS)
async def test_filters_without_words_across_the_window(
    client, diarium, auth_headers, monkeypatch, window
) -> None:
    """Series, period and direction without words (PostgreSQL: ids from the covering index,
    then the page's rows) give the same newest-first pages however the window is asked."""
    from plugins.diarium.registry import search, series

    await series.create(
        "test", code=f"TF{window[:2].upper()}", name="Filter", board="Kommunstyrelsen",
        pattern="{code} {year}/{seq}",
    )  # fmt: skip
    registrator = await auth_headers("registrator")
    code = f"TF{window[:2].upper()}"
    made = [
        await _register(
            client, registrator, series_code=code, direction=direction, document_date=day
        )
        for direction, day in (
            ("out", "2025-01-10"), ("in", "2025-01-11"), ("out", "2025-01-12"),
            ("out", "2025-02-01"), ("out", "2025-01-20"),
        )
    ]  # fmt: skip
    set_window(monkeypatch, search, window)
    params = {"series_code": code, "direction": "out", "date_from": "2025-01-01",
              "date_to": "2025-01-31", "limit": 2}  # fmt: skip
    first = (await client.get(f"{BASE}/search", headers=registrator, params=params)).json()
    second = (
        await client.get(
            f"{BASE}/search",
            headers=registrator,
            params={**params, "cursor": first["next_cursor"]},
        )
    ).json()
    assert [d["number"] for d in first["items"] + second["items"]] == [
        made[4]["number"], made[2]["number"], made[0]["number"],
    ]  # fmt: skip
    assert second["next_cursor"] is None
