"""The registry end to end through the HTTP API: documents with OSL 5:2's fields as public and
protected text, personnummer kept only encrypted, secrecy markings shown and their reads
audited, content-addressed files, case files handled by their officer, KC cases linked and
registered (both sides show it), and problems for bad input that change nothing."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from core.db import raw
from tests.plugins.diarium.conftest import BASE

TODAY = date.today().isoformat()
PNR = "19811218-9876"


def _doc(**fields) -> dict:
    return {
        "direction": "in",
        "document_date": TODAY,
        "counterpart_public": "Bostadsrättsföreningen Eken",
        "public_text": "Ansökan om bidrag",
        **fields,
    }


async def _count(table: str) -> int:
    return (await raw.fetchrow(f"SELECT COUNT(*) AS n FROM {table}"))["n"]


async def _audits(action: str, object_id: str) -> list[dict]:
    return await raw.fetch(
        "SELECT actor, action, object_id, details FROM audit_entry WHERE action = ? "
        "AND object_id = ? ORDER BY seq",
        action,
        object_id,
    )


async def test_document_public_and_protected_text(client, diarium, auth_headers) -> None:
    headers = await auth_headers("registrator")
    case_file = diarium["case_file"]
    response = await client.post(
        f"{BASE}/documents",
        headers=headers,
        json=_doc(
            case_file_id=case_file["id"],
            counterpart_protected=f"Anna Andersson, {PNR}",
            protected_text=f"Uppgifter om hälsa för {PNR}",
        ),
    )
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["number"].startswith(case_file["number"] + "-")
    assert doc["document_date"] == TODAY and doc["registered_by"] == diarium["registrator"]
    assert doc["protected"] == {
        "counterpart": f"Anna Andersson, {PNR}",
        "text": f"Uppgifter om hälsa för {PNR}",
    }
    assert doc["has_personnummer"] is True
    stored = await raw.fetchrow(
        "SELECT protected_text, counterpart_protected, personnummer_encrypted "
        "FROM diarium_document WHERE id = ?",
        doc["id"],
    )
    assert "9876" not in stored["protected_text"] + stored["counterpart_protected"]
    assert "[personnummer 1]" in stored["counterpart_protected"]
    assert "9876" not in stored["personnummer_encrypted"]
    # the supervisor reads the registry but not protected text; a case officer who is not the
    # case file's officer neither; the officer does (and that read is audited)
    for role in ("supervisor",):
        seen = await client.get(f"{BASE}/documents/{doc['id']}", headers=await auth_headers(role))
        assert seen.status_code == 200, seen.text
        assert seen.json()["protected"] is None and seen.json()["protected_withheld"] is True
        assert seen.json()["public_text"] == "Ansökan om bidrag"
    officer = await client.get(
        f"{BASE}/documents/{doc['id']}", headers=await auth_headers("case_officer")
    )
    assert officer.json()["protected"]["text"].endswith(PNR)
    reads = await _audits("read", doc["number"])
    assert reads and reads[-1]["actor"] == diarium["officer"]


async def test_bad_documents_change_nothing(client, diarium, auth_headers) -> None:
    headers = {**await auth_headers("registrator"), "Accept-Language": "en"}
    before = await _count("diarium_document"), await _count("diarium_counter")
    counter = await raw.fetchrow(
        "SELECT last_value FROM diarium_counter WHERE series_id = ?", diarium["series"]["id"]
    )
    cases = [
        (_doc(series_code="TKS", document_date=None), 422, "document_date"),
        (_doc(series_code="TKS", document_date="2026-13-45"), 400, "document_date"),
        (_doc(series_code="TKS", document_date=(date.today() + timedelta(days=3)).isoformat()),
         422, "document_date"),
        (_doc(series_code="TKS", public_text=""), 422, "public_text"),
        (_doc(series_code="TKS", counterpart_public=""), 422, "counterpart_public"),
        (_doc(series_code="TKS", public_text=f"Brev från {PNR}"), 422, "public_text"),
        (_doc(series_code="TKS", files=[{"sha256": "a" * 64, "filename": "x.pdf"}]), 404, None),
        (_doc(series_code="TKS", secrecy={"provision": "hemligt", "authority": "KS"}), 422,
         "provision"),
        (_doc(series_code="NOSUCH"), 404, None),
        (_doc(case_file_id=999999), 404, None),
        (_doc(series_code="TKS", direction="sideways"), 400, "direction"),
        (_doc(series_code="TKS", unknown_field=1), 400, None),
    ]  # fmt: skip
    for body, status, field in cases:
        response = await client.post(f"{BASE}/documents", headers=headers, json=body)
        assert response.status_code == status, (body, response.text)
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["detail"]
        if field:
            assert field in {e["field"] for e in problem.get("errors", [])}, problem
    assert (await _count("diarium_document"), await _count("diarium_counter")) == before
    assert (
        await raw.fetchrow(
            "SELECT last_value FROM diarium_counter WHERE series_id = ?", diarium["series"]["id"]
        )
    ) == counter
    no_date = await client.post(
        f"{BASE}/documents",
        headers={**headers, "Accept-Language": "sv"},
        json=_doc(series_code="TKS", document_date=None),
    )
    assert "datum" in no_date.json()["detail"]


async def test_secrecy_marking_warns_and_audits(client, diarium, auth_headers) -> None:
    headers = await auth_headers("registrator")
    response = await client.post(
        f"{BASE}/documents",
        headers=headers,
        json=_doc(
            series_code="TKS",
            protected_text="Orosanmälan om barn",
            secrecy={
                "provision": "OSL 26 kap. 1 §",
                "authority": "Socialnämnden",
                "reason": "Uppgifter om enskilds personliga förhållanden",
            },
        ),
    )
    assert response.status_code == 201, response.text
    doc = response.json()
    warning = doc["secrecy"]
    assert warning["markings"][0]["provision"] == "OSL 26 kap. 1 §"
    assert warning["markings"][0]["authority"] == "Socialnämnden"
    assert warning["markings"][0]["date"] == TODAY
    assert "Sekretessmarkerad enligt OSL 26 kap. 1 §" in warning["text_sv"]
    assert doc["secret"] is True
    # every view carries the warning: the supervisor's (without protected text) too
    supervisor = await auth_headers("supervisor")
    seen = (await client.get(f"{BASE}/documents/{doc['id']}", headers=supervisor)).json()
    assert seen["secrecy"]["markings"][0]["provision"] == "OSL 26 kap. 1 §"
    assert seen["protected"] is None and seen["files_withheld"] is False
    listed = await client.get(f"{BASE}/search", headers=supervisor, params={"q": "Eken"})
    row = next(d for d in listed.json()["items"] if d["id"] == doc["id"])
    assert row["secret"] is True and row["protected"] is None
    # every read of the marked document is audited, whoever reads it
    reads = await _audits("read", doc["number"])
    assert [r["actor"] for r in reads][-1] == "supervisor-user"
    await client.get(f"{BASE}/documents/{doc['id']}", headers=headers)
    assert len(await _audits("read", doc["number"])) == len(reads) + 1
    # lifting is the head registrator's; the registrator may not
    marking_id = warning["markings"][0]["id"]
    lift = f"{BASE}/documents/{doc['id']}/secrecy/{marking_id}/lift"
    assert (await client.post(lift, headers=headers, json={"reason": "x"})).status_code == 403
    lifted = await client.post(
        lift, headers=await auth_headers("head_registrator"), json={"reason": "Prövad"}
    )
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["secrecy"] is None and lifted.json()["secret"] is False


async def test_case_file_marking_covers_its_documents(client, diarium, auth_headers) -> None:
    headers = await auth_headers("registrator")
    opened = await client.post(
        f"{BASE}/case-files",
        headers=headers,
        json={
            "series_code": "TKS",
            "title_public": "Utredning enligt SoL",
            "title_protected": f"Utredning om {PNR}",
            "classification_code": "1.2.2",
            "officer": diarium["officer"],
            "secrecy": {"provision": "26 kap. 1 § OSL", "authority": "Socialnämnden"},
        },
    )
    assert opened.status_code == 201, opened.text
    case_file = opened.json()
    assert case_file["secrecy"]["markings"][0]["on"] == "case_file"
    before = await _count("diarium_case_file")
    bad = await client.post(
        f"{BASE}/case-files",
        headers=headers,
        json={
            "series_code": "TKS",
            "title_public": "Utredning",
            "classification_code": "1.2.2",
            "secrecy": {"provision": "hemligt", "authority": "Socialnämnden"},
        },
    )
    assert bad.status_code == 422 and await _count("diarium_case_file") == before
    assert case_file["protected"]["title"] == f"Utredning om {PNR}"
    added = await client.post(
        f"{BASE}/documents", headers=headers, json=_doc(case_file_id=case_file["id"])
    )
    assert added.json()["secret"] is True
    assert added.json()["secrecy"]["markings"][0]["provision"] == "26 kap. 1 § OSL"
    other = await client.get(
        f"{BASE}/case-files/{case_file['id']}", headers=await auth_headers("supervisor")
    )
    assert other.json()["protected"] is None and other.json()["secrecy"]["marked"] is True
    assert other.json()["documents"][0]["protected"] is None


async def test_files_are_content_addressed(client, diarium, auth_headers, settings) -> None:
    headers = await auth_headers("registrator")
    content = b"%PDF-1.4 skannat brev " + TODAY.encode()
    sha = hashlib.sha256(content).hexdigest()
    first = await client.post(
        f"{BASE}/files", headers={**headers, "Content-Type": "application/pdf"}, content=content
    )
    assert first.status_code == 201, first.text
    assert first.json()["sha256"] == sha and first.json()["size"] == len(content)
    path = settings.data_dir / "diarium" / "blobs" / sha[:2] / sha
    assert path.read_bytes() == content
    inode = path.stat().st_ino
    again = await client.post(
        f"{BASE}/files", headers={**headers, "Content-Type": "application/pdf"}, content=content
    )
    assert again.json()["sha256"] == sha
    assert path.stat().st_ino == inode  # stored once, never rewritten
    assert (await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_blob WHERE sha256 = ?", sha))[
        "n"
    ] == 1
    empty = await client.post(f"{BASE}/files", headers=headers, content=b"")
    assert empty.status_code == 400
    doc = await client.post(
        f"{BASE}/documents",
        headers=headers,
        json=_doc(series_code="TKS", files=[{"sha256": sha, "filename": "brev.pdf"}]),
    )
    assert doc.status_code == 201, doc.text
    view = (await client.get(f"{BASE}/documents/{doc.json()['id']}", headers=headers)).json()
    assert [(f["filename"], f["sha256"], f["role"]) for f in view["files"]] == [
        ("brev.pdf", sha, "original")
    ]
    download = await client.get(
        f"{BASE}/documents/{view['id']}/files/{view['files'][0]['id']}", headers=headers
    )
    assert download.status_code == 200 and download.content == content
    # the raw blob by hash only for holders of diarium.secret (and audited)
    assert (await client.get(f"{BASE}/files/{sha}", headers=headers)).content == content
    supervisor = await auth_headers("supervisor")
    assert (await client.get(f"{BASE}/files/{sha}", headers=supervisor)).status_code == 403


async def test_officer_handles_own_case_file(client, diarium, auth_headers, role_users) -> None:
    registrator = await auth_headers("registrator")
    officer = await auth_headers("case_officer")
    opened = await client.post(
        f"{BASE}/case-files",
        headers=registrator,
        json={
            "series_code": "TKS",
            "title_public": "Medborgarförslag om lekplats",
            "classification_code": "1.1.1",
            "officer": role_users["case_officer"],
        },
    )
    case_file = opened.json()
    assert case_file["classification"]["title"] == "Ta fram mål och budget"
    base = f"{BASE}/case-files/{case_file['id']}"
    # the case officer may not open case files nor register what came in
    refused = await client.post(
        f"{BASE}/case-files",
        headers=officer,
        json={"series_code": "TKS", "title_public": "x", "classification_code": "1.1.1"},
    )
    assert refused.status_code == 403
    incoming = await client.post(f"{base}/documents", headers=officer, json=_doc())
    assert incoming.status_code == 403
    drawn_up = await client.post(
        f"{base}/documents",
        headers=officer,
        json=_doc(direction="drawn_up", counterpart_public="", public_text="Tjänsteskrivelse"),
    )
    assert drawn_up.status_code == 201, drawn_up.text
    assert drawn_up.json()["number"] == f"{case_file['number']}-1"
    closing = await client.post(f"{base}/close", headers=officer, json={})
    assert closing.status_code == 422  # no decision yet
    decided = await client.post(
        f"{base}/decision", headers=officer, json={"decision": "Förslaget bifalls"}
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "Förslaget bifalls"
    closed = await client.post(f"{base}/close", headers=officer, json={})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_by"] == role_users["case_officer"]
    late = await client.post(
        f"{BASE}/documents", headers=registrator, json=_doc(case_file_id=case_file["id"])
    )
    assert late.status_code == 409
    # someone else's case file: 403 for a case officer
    other = diarium["case_file"]
    await client.patch(
        f"{BASE}/case-files/{other['id']}", headers=registrator, json={"officer": "admin"}
    )
    foreign = await client.post(
        f"{BASE}/case-files/{other['id']}/decision", headers=officer, json={"decision": "x"}
    )
    assert foreign.status_code == 403
    await client.patch(
        f"{BASE}/case-files/{other['id']}",
        headers=registrator,
        json={"officer": role_users["case_officer"]},
    )
    reopened = await client.post(
        f"{base}/reopen", headers=await auth_headers("head_registrator"), json={"reason": "Fel"}
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"


async def test_every_case_file_is_classified(client, diarium, auth_headers) -> None:
    headers = {**await auth_headers("registrator"), "Accept-Language": "en"}
    before = await _count("diarium_case_file")
    for code, wanted in (("9.9.9", "not in the classification plan"), ("1.2", "a processgrupp")):
        response = await client.post(
            f"{BASE}/case-files",
            headers=headers,
            json={"series_code": "TKS", "title_public": "x", "classification_code": code},
        )
        assert response.status_code == 422, response.text
        assert wanted in response.json()["detail"]
    assert await _count("diarium_case_file") == before


async def test_cancelled_case_file_keeps_its_number(client, diarium, auth_headers) -> None:
    headers = await auth_headers("registrator")
    opened = (
        await client.post(
            f"{BASE}/case-files",
            headers=headers,
            json={
                "series_code": "TKS",
                "title_public": "Felöppnad",
                "classification_code": "1.1.1",
            },
        )
    ).json()
    cancelled = await client.post(
        f"{BASE}/case-files/{opened['id']}/cancel", headers=headers, json={"reason": "Dubblett"}
    )
    assert cancelled.status_code == 200
    assert (
        cancelled.json()["status"] == "cancelled" and cancelled.json()["number"] == opened["number"]
    )
    listed = await client.get(
        f"{BASE}/case-files", headers=headers, params={"status": "cancelled", "series_code": "TKS"}
    )
    assert opened["number"] in [c["number"] for c in listed.json()["items"]]


async def test_kc_case_linked_and_registered(client, diarium, auth_headers) -> None:
    from core.org import service as org

    headers = await auth_headers("registrator")
    agent = await auth_headers("agent")
    await org.save_department("test", "TDIA", {"name_sv": "Testförvaltningen"})
    await org.save_case_type(
        "test", "tdia-fraga", {"name_sv": "Fråga", "department": "TDIA", "rosa_level": 2}
    )

    async def new_case(subject: str) -> str:
        response = await client.post(
            "/api/v1/contacts",
            headers=agent,
            json={
                "channel": "phone",
                "summary": subject,
                "case_type": "tdia-fraga",
                "open_case": True,
                "subject": subject,
            },
        )
        assert response.status_code == 201, response.text
        return response.json()["case"]["number"]

    kc_number = await new_case("Fråga om bygglov som rör flera förvaltningar")
    case_file = diarium["case_file"]
    linked = await client.post(
        f"{BASE}/case-files/{case_file['id']}/kc-link", headers=headers, json={"kc_case": kc_number}
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["kc_case"]["number"] == kc_number
    core_case = (await client.get(f"/api/v1/cases/{kc_number}", headers=agent)).json()
    notes = [e["text"] for e in core_case["timeline"] if e["kind"] == "note"]
    assert any(case_file["number"] in text for text in notes), core_case["timeline"]
    found = await client.get(f"{BASE}/case-files", headers=headers, params={"kc_case": kc_number})
    assert [c["number"] for c in found.json()["items"]] == [case_file["number"]]

    second = await new_case("Klagomål på snöröjning")
    registered = await client.post(
        f"{BASE}/case-files/from-kc-case",
        headers=headers,
        json={"kc_case": second, "series_code": "TKS", "classification_code": "1.2.2"},
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["title_public"] == "Klagomål på snöröjning"
    assert registered.json()["kc_case"]["number"] == second
    core_second = (await client.get(f"/api/v1/cases/{second}", headers=agent)).json()
    assert any(registered.json()["number"] in e["text"] for e in core_second["timeline"])
    twice = await client.post(
        f"{BASE}/case-files/from-kc-case",
        headers=headers,
        json={"kc_case": second, "series_code": "TKS", "classification_code": "1.2.2"},
    )
    assert twice.status_code == 409
    missing = await client.post(
        f"{BASE}/case-files/{case_file['id']}/kc-link", headers=headers, json={"kc_case": "KC-0"}
    )
    assert missing.status_code == 404
