"""Numbers: unique and gap-free under several registrators (asyncio tasks with their own
connections, and OS processes of their own), the yearly reset, cancelled numbers kept and
never given again, and the patterns validated."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from core import db
from core.db import raw
from tests.plugins.diarium.conftest import BASE

ROOT = Path(__file__).resolve().parents[4]


async def _series(code: str, pattern: str = "{code}-{year}-{seq:05}") -> dict:
    from plugins.diarium.registry import series

    try:
        return await series.get_by_code(code)
    except Exception:
        return await series.create(
            "test", code=code, name=f"Serie {code}", board="Barn- och utbildningsnämnden",
            pattern=pattern,
        )  # fmt: skip


async def _case_file(code: str) -> dict:
    from plugins.diarium.registry import casefiles

    return await casefiles.open_case_file(
        "test", series_code=code, title_public="Samlingsakt", classification_code="1.2.1"
    )


def _seqs(numbers: list[str], prefix: str) -> list[int]:
    return sorted(int(n.rsplit(prefix, 1)[1]) for n in numbers)


async def _series_numbers(series_id: int) -> list[str]:
    """Every number the series' counter gave: case files and documents standing alone."""
    rows = await raw.fetch(
        "SELECT number FROM diarium_case_file WHERE series_id = ? UNION ALL "
        "SELECT number FROM diarium_document WHERE series_id = ? AND case_file_id IS NULL",
        series_id,
        series_id,
    )
    return [r["number"] for r in rows]


def _assert_gap_free(seqs: list[int]) -> None:
    assert len(seqs) == len(set(seqs)), "duplicate numbers"
    assert seqs == list(range(1, len(seqs) + 1)), f"gaps: {seqs}"


async def test_concurrent_tasks_take_gap_free_numbers(diarium) -> None:
    """Twelve registrators at once in this process (PostgreSQL: each on a connection of its
    own from the pool), standing alone and in one case file; one of them fails after taking
    its number, so its number goes back."""
    from plugins.diarium.registry import documents

    found = await _series("TBUN")
    case_file = await _case_file("TBUN")
    year = date.today().year

    async def one(n: int) -> str | None:
        try:
            registered = await documents.register(
                f"reg{n % 4}",
                series_code="TBUN",
                case_file_id=case_file["id"] if n % 3 == 0 else None,
                direction="in",
                document_date=date.today().isoformat(),
                counterpart_public="Avsändare",
                public_text=f"Skrivelse {n}",
                # one registration takes its number, then fails on a file that is not stored
                files=[("x.pdf", "0" * 64, "original")] if n == 7 else None,
            )
            return registered["number"]
        except Exception:
            return None

    results = await asyncio.gather(*(one(n) for n in range(36)))
    assert results.count(None) == 1
    numbers = await _series_numbers(found["id"])
    _assert_gap_free(_seqs(numbers, f"TBUN-{year}-"))
    assert all(re.fullmatch(rf"TBUN-{year}-\d{{5}}", n) for n in numbers)
    in_file = await raw.fetch(
        "SELECT doc_seq, number FROM diarium_document WHERE case_file_id = ?", case_file["id"]
    )
    _assert_gap_free(sorted(r["doc_seq"] for r in in_file))
    assert {r["number"] for r in in_file} == {
        f"{case_file['number']}-{r['doc_seq']}" for r in in_file
    }


async def test_processes_take_gap_free_numbers(diarium, settings) -> None:
    """Three registrators in OS processes of their own, against the same database."""
    found = await _series("TSBN", "{code} {year}/{seq}")
    case_file = await _case_file("TSBN")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    count = 12
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.plugins.diarium.registry.register_worker",
            "TSBN",
            str(case_file["id"]),
            str(count),
            f"proc{n}",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        for n in range(3)
    ]
    outputs = [await p.communicate() for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
    taken = [n for out, _ in outputs for n in json.loads(out.decode().strip().splitlines()[-1])]
    assert len(taken) == 3 * count and len(set(taken)) == len(taken)
    year = date.today().year
    numbers = await _series_numbers(found["id"])
    assert set(taken) <= set(numbers) | {
        r["number"]
        for r in await raw.fetch(
            "SELECT number FROM diarium_document WHERE case_file_id = ?", case_file["id"]
        )
    }
    _assert_gap_free(_seqs(numbers, f"TSBN {year}/"))
    in_file = await raw.fetch(
        "SELECT doc_seq FROM diarium_document WHERE case_file_id = ?", case_file["id"]
    )
    _assert_gap_free(sorted(r["doc_seq"] for r in in_file))
    assert len(in_file) == 3 * count // 2


async def test_yearly_reset_and_cancelled_numbers_kept(client, diarium, auth_headers) -> None:
    from plugins.diarium.registry import series

    found = await _series("TÅR", "{code} {year}/{seq}")
    async with db.transaction():
        assert await series.take_number(found["id"], 2031) == 1
        assert await series.take_number(found["id"], 2031) == 2
        assert await series.take_number(found["id"], 2032) == 1  # a new year starts at 1
    # a rolled-back transaction gives its number back
    with pytest.raises(RuntimeError):
        async with db.transaction():
            assert await series.take_number(found["id"], 2032) == 2
            raise RuntimeError("registration failed")
    async with db.transaction():
        assert await series.take_number(found["id"], 2032) == 2

    headers = await auth_headers("registrator")
    body = {
        "series_code": "TÅR",
        "direction": "drawn_up",
        "document_date": date.today().isoformat(),
        "public_text": "Tjänsteskrivelse",
    }
    first = (await client.post(f"{BASE}/documents", headers=headers, json=body)).json()
    cancelled = await client.post(
        f"{BASE}/documents/{first['id']}/cancel", headers=headers, json={"reason": "Fel serie"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["number"] == first["number"]
    again = await client.post(
        f"{BASE}/documents/{first['id']}/cancel", headers=headers, json={"reason": "Igen"}
    )
    assert again.status_code == 409
    second = (await client.post(f"{BASE}/documents", headers=headers, json=body)).json()
    assert second["number"] != first["number"]
    assert int(second["number"].rsplit("/", 1)[1]) == int(first["number"].rsplit("/", 1)[1]) + 1
    listed = await client.get(
        f"{BASE}/search", headers=headers, params={"series_code": "TÅR", "status": "cancelled"}
    )
    assert [d["number"] for d in listed.json()["items"]] == [first["number"]]


@pytest.mark.parametrize(
    ("pattern", "status"),
    [
        ("{code} {year}", 422),  # no sequence
        ("{code} {year}/{seq}/{seq}", 422),  # the sequence twice
        ("{code}-{name}-{seq}", 422),  # an unknown field
        ("{code} {year}/{seq:x}", 422),  # a format that is not padding
        ("{code {seq}", 422),  # not a pattern
    ],
)
async def test_bad_patterns_are_refused(client, diarium, auth_headers, pattern, status) -> None:
    headers = await auth_headers("head_registrator")
    response = await client.post(
        f"{BASE}/series",
        headers={**headers, "Accept-Language": "en"},
        json={"code": "TBAD", "name": "Fel", "pattern": pattern},
    )
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["status"] == status
    assert problem["errors"][0]["field"] == "pattern"
    assert await raw.fetchrow("SELECT id FROM diarium_series WHERE code = 'TBAD'") is None


async def test_pattern_problem_in_swedish(client, diarium, auth_headers) -> None:
    headers = await auth_headers("head_registrator")
    response = await client.post(
        f"{BASE}/series",
        headers={**headers, "Accept-Language": "sv"},
        json={"code": "TBAD", "name": "Fel", "pattern": "{code} {year}"},
    )
    assert response.status_code == 422
    assert "{seq}" in response.json()["detail"]
    assert "exakt en gång" in response.json()["detail"]


async def test_series_admin_and_unknown_series(client, diarium, auth_headers) -> None:
    head = await auth_headers("head_registrator")
    created = await client.post(
        f"{BASE}/series",
        headers=head,
        json={
            "code": "TKFN",
            "name": "Kultur- och fritidsnämndens diarium",
            "board": "Kultur- och fritidsnämnden",
            "pattern": "{code}-{year}-{seq:04}",
            "doc_pattern": "{case}:{doc:02}",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["example"] == "TKFN-2026-0045:03"
    twice = await client.post(
        f"{BASE}/series", headers=head, json={"code": "TKFN", "name": "x", "pattern": "{seq}"}
    )
    assert twice.status_code == 409
    # the registrator may not create series
    registrator = await auth_headers("registrator")
    refused = await client.post(
        f"{BASE}/series", headers=registrator, json={"code": "TX", "name": "x", "pattern": "{seq}"}
    )
    assert refused.status_code == 403
    missing = await client.get(f"{BASE}/series/NOSUCH", headers=registrator)
    assert missing.status_code == 404
    register = await client.post(
        f"{BASE}/documents",
        headers=registrator,
        json={
            "series_code": "NOSUCH",
            "direction": "in",
            "document_date": date.today().isoformat(),
            "counterpart_public": "A",
            "public_text": "B",
        },
    )
    assert register.status_code == 404, register.text
    closed = await client.patch(f"{BASE}/series/TKFN", headers=head, json={"active": False})
    assert closed.status_code == 200 and closed.json()["active"] is False
    refused_closed = await client.post(
        f"{BASE}/documents",
        headers=registrator,
        json={
            "series_code": "TKFN",
            "direction": "in",
            "document_date": date.today().isoformat(),
            "counterpart_public": "A",
            "public_text": "B",
        },
    )
    assert refused_closed.status_code == 409
