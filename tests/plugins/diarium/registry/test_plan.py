"""The classification plan (KLASSA) and the informationshanteringsplan: imported from CSV and
XLSX, faults naming the row and the column (nothing changed), the plan kept as data."""

from __future__ import annotations

import io

from openpyxl import Workbook

from core.db import raw
from tests.plugins.diarium.conftest import BASE, PLAN_CSV

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _import(client, headers, body: bytes, version: str, filename: str, lang: str = "en"):
    return await client.post(
        f"{BASE}/classification/import",
        headers={**headers, "Content-Type": "text/csv", "Accept-Language": lang},
        params={"plan_version": version, "filename": filename},
        content=body,
    )


async def test_plan_from_csv_and_xlsx(client, diarium, auth_headers) -> None:
    head = await auth_headers("head_registrator")
    assert diarium["plan"] == {
        "plan_version": "test",
        "classes": 6,
        "levels": {"verksamhetsomrade": 1, "processgrupp": 2, "process": 3},
    }
    book = _xlsx(
        [
            ["Klass", "Rubrik", "Beskrivning"],
            ["2", "Ge stöd", None],
            ["2.1", "Hantera ekonomi", None],
            ["2.1.1", "Betala fakturor", "Leverantörsreskontra"],
        ]
    )
    imported = await _import(client, head, book, "xlsx1", "plan.xlsx")
    assert imported.status_code == 200, imported.text
    assert imported.json()["levels"] == {"verksamhetsomrade": 1, "processgrupp": 1, "process": 1}
    plan = await client.get(
        f"{BASE}/classification",
        headers=await auth_headers("case_officer"),
        params={"plan_version": "xlsx1"},
    )
    assert [(c["code"], c["level"], c["parent_code"]) for c in plan.json()["items"]] == [
        ("2", "verksamhetsomrade", ""),
        ("2.1", "processgrupp", "2"),
        ("2.1.1", "process", "2.1"),
    ]
    # re-importing a version replaces it as a whole
    again = await _import(client, head, PLAN_CSV.encode(), "xlsx1", "plan.csv")
    assert again.json()["classes"] == 6
    codes = await raw.fetch("SELECT code FROM diarium_class WHERE plan_version = 'xlsx1'")
    assert "2.1.1" not in {r["code"] for r in codes}
    # only the head registrator (diarium.admin) imports
    registrator = await auth_headers("registrator")
    assert (await _import(client, registrator, book, "x", "p.xlsx")).status_code == 403


async def test_plan_faults_name_row_and_column(client, diarium, auth_headers) -> None:
    head = await auth_headers("head_registrator")
    before = await raw.fetch("SELECT COUNT(*) AS n FROM diarium_class")
    bad = [
        ("kod;rubrik\n1;Styra\n1.x;Fel\n", "Row 3, column kod", "not a KLASSA dot code"),
        ("kod;rubrik\n1;Styra\n1.1.1;Utan grupp\n", "Row 3, column kod", "parent 1.1"),
        ("kod;rubrik\n1;Styra\n1;Igen\n", "Row 3, column kod", "already on row 2"),
        ("kod;nivå;rubrik\n1;process;Styra\n", "Row 2, column nivå", "verksamhetsomrade by"),
        ("kod;rubrik\n1;Styra\n1.1;\n", "Row 3, column rubrik", "a title is required"),
        ("rubrik\nStyra\n", "no column kod", ""),
    ]
    for csv_text, where, what in bad:
        response = await _import(client, head, csv_text.encode(), "bad", "plan.csv")
        assert response.status_code == 422, response.text
        assert where in response.json()["detail"] and what in response.json()["detail"]
    book = _xlsx([["Kod", "Rubrik"], ["1", "Styra"], ["1.1", None]])
    response = await _import(client, head, book, "bad", "plan.xlsx", lang="sv")
    assert response.status_code == 422
    assert response.json()["detail"] == "Rad 3, kolumn rubrik: en rubrik krävs"
    junk = await _import(client, head, b"PK\x03\x04 not a workbook", "bad", "plan.xlsx")
    assert junk.status_code == 422
    assert await raw.fetch("SELECT COUNT(*) AS n FROM diarium_class") == before


async def test_retention_plan_import_and_crud(client, diarium, auth_headers) -> None:
    head = await auth_headers("head_registrator")
    board = "Testnämnden för gallring"
    csv_text = (
        "Handlingstyp;Process;Bevaras/gallras;Gallringsfrist;Beslut\n"
        "Ansökan om bidrag;1.2.1;Gallras;5 år;KS 2019/12\n"
        "Protokoll;1.1.1;Bevaras;;KS 2019/12\n"
    )
    imported = await client.post(
        f"{BASE}/retention-plan/import",
        headers={**head, "Content-Type": "text/csv"},
        params={"board": board},
        content=csv_text.encode(),
    )
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"board": board, "rules": 2}
    rules = (
        await client.get(
            f"{BASE}/retention-plan",
            headers=await auth_headers("registrator"),
            params={"board": board},
        )
    ).json()["items"]
    assert [(r["document_type"], r["action"], r["period_years"]) for r in rules] == [
        ("Ansökan om bidrag", "dispose", 5),
        ("Protokoll", "keep", None),
    ]
    bad = await client.post(
        f"{BASE}/retention-plan/import",
        headers={**head, "Content-Type": "text/csv", "Accept-Language": "en"},
        params={"board": board},
        content=b"Handlingstyp;Bevaras/gallras;Gallringsfrist\nBrev;Gallras;\n",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("Row 2, column gallringsfrist")
    assert (
        len(
            (
                await client.get(f"{BASE}/retention-plan", headers=head, params={"board": board})
            ).json()["items"]
        )
        == 2
    )
    created = await client.post(
        f"{BASE}/retention-plan",
        headers=head,
        json={
            "board": board,
            "document_type": "Delegationsbeslut",
            "action": "dispose",
            "period_years": 10,
        },
    )
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]
    changed = await client.put(
        f"{BASE}/retention-plan/{rule_id}",
        headers=head,
        json={"board": board, "document_type": "Delegationsbeslut", "action": "keep"},
    )
    assert changed.json()["action"] == "keep" and changed.json()["period_years"] is None
    no_period = await client.put(
        f"{BASE}/retention-plan/{rule_id}",
        headers=head,
        json={"board": board, "document_type": "Delegationsbeslut", "action": "dispose"},
    )
    assert no_period.status_code == 422
    assert (
        await client.delete(f"{BASE}/retention-plan/{rule_id}", headers=head)
    ).status_code == 200
    assert (
        await client.delete(f"{BASE}/retention-plan/{rule_id}", headers=head)
    ).status_code == 404
    registrator = await auth_headers("registrator")
    assert (
        await client.post(
            f"{BASE}/retention-plan",
            headers=registrator,
            json={"board": board, "document_type": "x", "action": "keep"},
        )
    ).status_code == 403


async def test_document_type_checked_against_the_plan(client, diarium, auth_headers) -> None:
    from plugins.diarium.registry import series

    head = await auth_headers("head_registrator")
    await series.create(
        "test", code="TGAL", name="Gallringstest", board="Planerade nämnden", pattern="{code}/{seq}"
    )
    await client.post(
        f"{BASE}/retention-plan",
        headers=head,
        json={"board": "Planerade nämnden", "document_type": "Skrivelse", "action": "dispose",
              "period_years": 2},
    )  # fmt: skip
    body = {
        "series_code": "TGAL",
        "direction": "in",
        "document_date": "2026-01-05",
        "counterpart_public": "A",
        "public_text": "B",
    }
    registrator = await auth_headers("registrator")
    ok = await client.post(
        f"{BASE}/documents", headers=registrator, json={**body, "document_type": "skrivelse"}
    )
    assert ok.status_code == 201, ok.text
    unknown = await client.post(
        f"{BASE}/documents", headers=registrator, json={**body, "document_type": "Okänd typ"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "document_type"
