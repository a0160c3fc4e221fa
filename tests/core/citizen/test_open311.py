"""Open311 GeoReport v2: services, service definitions, posting and following requests, in
JSON and XML, with the specification's error documents; and the API keys behind posting."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import jsonschema_rs
import pytest

from core.audit.tables import AuditEntry
from core.cases.tables import Case, Contact
from core.citizen.tables import ApiClient, OutboundMessage
from core.parties.tables import Party
from tests.core.citizen.conftest import open_case

CASE_STATUS = "/api/v1/public/case-status"

V2 = "/open311/v2"


def xml(response) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.headers
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def assert_error(response, status: int, fmt: str = "json") -> str:
    """The response is the spec's error document with ``status``; returns the description."""
    assert response.status_code == status, response.text
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors"
        error = root.find("error")
        assert error.findtext("code") == str(status)
        return error.findtext("description")
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == status
    return body[0]["description"]


@pytest.fixture(scope="session")
async def api_key(client, auth_headers) -> str:
    admin = await auth_headers("it_admin")
    response = await client.post(
        "/api/v1/open311/clients",
        json={"name": f"Felanmälan-appen {uuid.uuid4().hex[:6]}"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return response.json()["api_key"]


async def post_request(client, api_key: str, citizen_org, fmt: str = "json", **fields):
    form = {
        "api_key": api_key,
        "service_code": citizen_org.public_type,
        "lat": "59.858562",
        "long": "17.638927",
        "address_string": "Vaksalagatan 1, Uppsala",
        "description": "Gungan på lekplatsen är trasig, kedjan har gått av.",
        **fields,
    }
    form = {k: v for k, v in form.items() if v is not None}
    return await client.post(f"{V2}/requests.{fmt}", data=form)


async def test_services_list_public_case_types_in_json_and_xml(client, citizen_org):
    response = await client.get(f"{V2}/services.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    services = {s["service_code"]: s for s in response.json()}
    assert citizen_org.internal_type not in services
    service = services[citizen_org.public_type]
    assert service == {
        "service_code": citizen_org.public_type,
        "service_name": "Trasiga lekredskap",
        "description": "Anmäl trasiga gungor, rutschkanor och klätterställningar.",
        "metadata": False,
        "type": "realtime",
        "keywords": "lekplats,gunga",
        "group": "Tekniska nämnden",
    }
    english = await client.get(f"{V2}/services.json", headers={"Accept-Language": "en"})
    names = {s["service_code"]: s["service_name"] for s in english.json()}
    assert names[citizen_org.public_type] == "Broken playground equipment"
    root = xml(await client.get(f"{V2}/services.xml"))
    assert root.tag == "services"
    nodes = [
        n for n in root.findall("service") if n.findtext("service_code") == citizen_org.public_type
    ]
    assert len(nodes) == 1
    node = nodes[0]
    assert node.findtext("service_name") == "Trasiga lekredskap"
    assert node.findtext("metadata") == "false" and node.findtext("type") == "realtime"
    assert node.findtext("group") == "Tekniska nämnden"


async def test_service_definition_and_its_errors(client, citizen_org):
    response = await client.get(f"{V2}/services/{citizen_org.public_type}.json")
    assert response.status_code == 200
    assert response.json() == {"service_code": citizen_org.public_type, "attributes": []}
    root = xml(await client.get(f"{V2}/services/{citizen_org.public_type}.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == citizen_org.public_type
    assert root.find("attributes") is not None and list(root.find("attributes")) == []
    assert_error(await client.get(f"{V2}/services/no-such-service.json"), 404)
    assert_error(await client.get(f"{V2}/services/{citizen_org.internal_type}.xml"), 404, "xml")
    assert_error(await client.get(f"{V2}/services.html"), 400)
    assert_error(await client.get(f"{V2}/services"), 400)
    assert_error(await client.get(f"{V2}/nothing.xml"), 404, "xml")


async def test_discovery_document(client):
    response = await client.get("/open311/discovery.json")
    assert response.status_code == 200
    endpoint = response.json()["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml(await client.get("/open311/discovery.xml"))
    assert root.find("endpoints/endpoint/formats/format") is not None


async def test_post_a_request_creates_a_web_contact_and_case(client, api_key, citizen_org):
    email = f"lisa-{uuid.uuid4().hex[:6]}@example.org"
    response = await post_request(
        client,
        api_key,
        citizen_org,
        email=email,
        first_name="Lisa",
        last_name="Larsson",
        phone="070-222 33 44",
        media_url="https://example.org/gunga.jpg",
        **{"attribute[WHISPERING]": "ignored"},
    )
    assert response.status_code == 201, response.text
    [entry] = response.json()
    assert set(entry) == {"service_request_id", "service_notice", "account_id", "access_code"}
    assert entry["account_id"] is None
    number = entry["service_request_id"]
    assert number in entry["service_notice"]
    case = await Case.select().where(Case.number == number).first()
    assert case["channel"] == "web" and case["status"] == "received"
    assert "Plats: Vaksalagatan 1, Uppsala" in case["description"]
    assert "59.858562, 17.638927" in case["description"]
    contact = await Contact.select().where(Contact.case == case["id"]).first()
    assert contact["channel"] == "web" and contact["external_ref"].startswith("open311:")
    party = await Party.select().where(Party.id == case["party"]).first()
    assert party["email"] == email and party["name"] == "Lisa Larsson"
    assert party["phone"] == "+46702223344"
    receipt = await OutboundMessage.select().where(
        (OutboundMessage.case_number == number) & (OutboundMessage.template == "receipt")
    )
    assert [r["recipient"] for r in receipt] == [email]
    created = await AuditEntry.select().where(
        (AuditEntry.action == "case.create") & (AuditEntry.object_id == number)
    )
    assert created[0]["actor"].startswith("open311:")

    # follow it: GET requests/{id} in both formats
    one = await client.get(f"{V2}/requests/{number}.json")
    assert one.status_code == 200, one.text
    [request] = one.json()
    assert request["service_request_id"] == number
    assert request["status"] == "open" and request["status_notes"] == "Mottaget"
    assert request["service_code"] == citizen_org.public_type
    assert request["service_name"] == "Trasiga lekredskap"
    assert request["description"] == "Gungan på lekplatsen är trasig, kedjan har gått av."
    assert request["address"] == "Vaksalagatan 1, Uppsala"
    assert request["lat"] == pytest.approx(59.858562) and request["long"] == pytest.approx(
        17.638927
    )
    assert request["media_url"] == "https://example.org/gunga.jpg"
    requested = datetime.fromisoformat(request["requested_datetime"])
    assert requested.tzinfo is not None
    assert abs(requested - datetime.now(UTC)) < timedelta(minutes=5)
    assert datetime.fromisoformat(request["updated_datetime"]).tzinfo is not None
    assert email not in one.text and "Larsson" not in one.text
    root = xml(await client.get(f"{V2}/requests/{number}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == number
    assert root.findtext("request/status") == "open"
    assert float(root.findtext("request/lat")) == pytest.approx(59.858562)


async def test_post_in_xml_with_a_json_body(client, api_key, citizen_org):
    response = await client.post(
        f"{V2}/requests.xml",
        json={
            "api_key": api_key,
            "service_code": citizen_org.public_type,
            "lat": 59.86,
            "long": 17.64,
            "description": "Rutschkanan har en vass kant.\x07",
        },
    )
    assert response.status_code == 201, response.text
    root = xml(response)
    assert root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    assert number and root.find("request/account_id") is not None
    case = await Case.select(Case.party, Case.description).where(Case.number == number).first()
    assert case["party"] is None and "Koordinater: 59.860000, 17.640000" in case["description"]
    back = xml(await client.get(f"{V2}/requests/{number}.xml"))  # no control character in XML
    assert back.findtext("request/description") == "Rutschkanan har en vass kant."


async def test_bad_posts_get_the_spec_errors(client, api_key, citizen_org):
    before = await Case.count()
    assert "api_key" in assert_error(await post_request(client, "", citizen_org), 403)
    assert_error(await post_request(client, "kc311_not-a-key", citizen_org, fmt="xml"), 403, "xml")
    assert_error(await post_request(client, api_key, citizen_org, service_code=""), 400)
    assert_error(await post_request(client, api_key, citizen_org, service_code="no-such"), 404)
    assert_error(
        await post_request(client, api_key, citizen_org, service_code=citizen_org.internal_type),
        404,
    )
    no_place = await post_request(
        client, api_key, citizen_org, lat=None, long=None, address_string=None
    )
    assert "En plats krävs" in assert_error(no_place, 400)  # Swedish unless asked otherwise
    assert_error(await post_request(client, api_key, citizen_org, lat="north"), 400)
    assert_error(await post_request(client, api_key, citizen_org, lat="91"), 400)
    assert_error(await post_request(client, api_key, citizen_org, long=None), 400)
    assert_error(await post_request(client, api_key, citizen_org, email="not-an-address"), 400)
    assert_error(await post_request(client, api_key, citizen_org, description="x" * 4001), 400)
    assert_error(await post_request(client, api_key, citizen_org, favourite_colour="blå"), 400)
    assert_error(await post_request(client, api_key, citizen_org, fmt="csv"), 400)
    assert_error(await client.post(f"{V2}/services.json", data={"api_key": api_key}), 404)
    malformed = await client.post(
        f"{V2}/requests.json", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(malformed, 400)
    assert await Case.count() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        (None, "Okänd status 'pending'; använd open eller closed"),
        ("sv-SE,sv;q=0.9", "Okänd status 'pending'; använd open eller closed"),
        ("en", "Unknown status 'pending'; use open or closed"),
        ("en-GB,en;q=0.8,sv;q=0.2", "Unknown status 'pending'; use open or closed"),
    ],
)
async def test_error_descriptions_follow_accept_language(client, fmt, accept_language, expected):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = await client.get(
        f"{V2}/requests.{fmt}", params={"status": "pending"}, headers=headers
    )
    assert assert_error(response, 400, fmt) == expected
    assert response.headers["content-language"] == ("en" if "Unknown" in expected else "sv")


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_every_kind_of_error_is_translated(client, api_key, citizen_org, fmt):
    english, swedish = {"Accept-Language": "en"}, {"Accept-Language": "sv"}
    unknown = f"no-such-{uuid.uuid4().hex[:6]}"
    url = f"{V2}/services/{unknown}.{fmt}"
    assert assert_error(await client.get(url, headers=english), 404, fmt) == (
        f"No service with service_code '{unknown}'"
    )
    assert assert_error(await client.get(url, headers=swedish), 404, fmt) == (
        f"Det finns ingen tjänst med service_code '{unknown}'"
    )
    # a refusal of the case service keeps its own translated message
    form = {
        "api_key": api_key,
        "service_code": citizen_org.public_type,
        "address_string": "Vaksalagatan 1",
        "email": "not-an-address",
    }
    for headers, expected in (
        (swedish, "Ogiltig e-postadress: not-an-address"),
        (english, "Not a valid e-mail address: not-an-address"),
    ):
        refused = await client.post(f"{V2}/requests.{fmt}", data=form, headers=headers)
        assert assert_error(refused, 400, fmt) == expected


async def test_the_missing_format_error_and_the_installation_default(client, app, monkeypatch):
    swedish = assert_error(await client.get(f"{V2}/services"), 400)
    assert swedish == "Ange svarsformatet: services.json eller services.xml"
    english = await client.get(f"{V2}/services", headers={"Accept-Language": "en"})
    assert assert_error(english, 400) == "Add the response format: services.json or services.xml"
    # without Accept-Language the installation's default language decides, as for problems
    monkeypatch.setattr(app.state, "default_language", "en")
    no_header = await client.get(f"{V2}/services.yaml")
    assert assert_error(no_header, 400) == "Unsupported format 'yaml'; use json or xml"
    asked = await client.get(f"{V2}/services.yaml", headers={"Accept-Language": "sv"})
    assert assert_error(asked, 400) == "Formatet 'yaml' stöds inte; använd json eller xml"


async def test_api_keys_are_managed_audited_and_revocable(client, auth_headers, citizen_org):
    admin = await auth_headers("it_admin")
    supervisor = await auth_headers("supervisor")
    agent = await auth_headers("agent")
    name = f"Testklient {uuid.uuid4().hex[:6]}"
    created = await client.post("/api/v1/open311/clients", json={"name": name}, headers=supervisor)
    assert created.status_code == 201, created.text
    body = created.json()
    key, client_id = body["api_key"], body["id"]
    stored = await ApiClient.select().where(ApiClient.id == client_id).first()
    assert key not in str(stored) and len(stored["key_hash"]) == 64
    listed = await client.get("/api/v1/open311/clients", headers=admin)
    assert listed.status_code == 200
    mine = [c for c in listed.json() if c["id"] == client_id]
    assert mine == [
        {"id": client_id, "name": name, "active": True, "created_at": body["created_at"]}
    ]
    assert key not in listed.text
    assert (await client.get("/api/v1/open311/clients", headers=agent)).status_code == 403
    assert (
        await client.post("/api/v1/open311/clients", json={"name": "x"}, headers=agent)
    ).status_code == 403
    assert (
        await client.post("/api/v1/open311/clients", json={"name": "  "}, headers=admin)
    ).status_code == 400
    assert (await post_request(client, key, citizen_org)).status_code == 201
    revoked = await client.delete(f"/api/v1/open311/clients/{client_id}", headers=admin)
    assert revoked.status_code == 204
    assert_error(await post_request(client, key, citizen_org), 403)
    again = await client.post(f"/api/v1/open311/clients/{client_id}/revoke", headers=admin)
    assert again.status_code == 409
    missing = await client.delete("/api/v1/open311/clients/99999999", headers=admin)
    assert missing.status_code == 404
    assert body["created_at"].endswith("Z")  # ISO 8601 UTC, as every time in the API
    assert abs(datetime.fromisoformat(body["created_at"]) - datetime.now(UTC)) < timedelta(1)
    for url in (f"/api/v1/open311/clients/{2**70}", "/api/v1/open311/clients/0"):
        assert (await client.delete(url, headers=admin)).status_code == 400
    nul = await client.post("/api/v1/open311/clients", json={"name": "A\u0000B"}, headers=admin)
    assert nul.status_code == 400
    assert [e["field"] for e in nul.json()["errors"]] == ["name"]
    actions = [
        r["action"]
        for r in await AuditEntry.select(AuditEntry.action).where(
            (AuditEntry.object_type == "api_client") & (AuditEntry.object_id == str(client_id))
        )
    ]
    assert actions == ["open311_client.create", "open311_client.revoke"]


async def test_get_requests_filters(client, auth_headers, api_key, citizen_org):
    created = []
    for text in ("Trasig gunga vid skolan", "Klätterställningen vickar"):
        response = await post_request(client, api_key, citizen_org, description=text)
        assert response.status_code == 201
        created.append(response.json()[0]["service_request_id"])
    agent = await auth_headers("agent")
    closed = await client.post(
        f"/api/v1/cases/{created[1]}/status",
        json={"status": "closed", "public_text": "Lagad", "reason": "Lagad på plats"},
        headers=agent,
    )
    assert closed.status_code == 200, closed.text
    phone_case = (await open_case(client, agent, citizen_org.public_type, description="Internt"))[
        "case"
    ]["number"]
    internal_case = (await open_case(client, agent, citizen_org.internal_type))["case"]["number"]
    secret_case = (await open_case(client, agent, citizen_org.public_type, secret=True))["case"][
        "number"
    ]

    listed = await client.get(
        f"{V2}/requests.json", params={"service_code": citizen_org.public_type}
    )
    assert listed.status_code == 200
    by_id = {r["service_request_id"]: r for r in listed.json()}
    assert set(created) <= set(by_id) and phone_case in by_id
    assert internal_case not in by_id and secret_case not in by_id
    assert by_id[created[1]]["status"] == "closed"
    assert by_id[created[1]]["status_notes"] == "Avslutat"
    assert by_id[phone_case]["description"] is None and by_id[phone_case]["address"] is None
    stamps = [r["requested_datetime"] for r in listed.json()]
    assert stamps == sorted(stamps, reverse=True)

    only_open = await client.get(
        f"{V2}/requests.json", params={"service_code": citizen_org.public_type, "status": "open"}
    )
    open_ids = {r["service_request_id"] for r in only_open.json()}
    assert created[0] in open_ids and created[1] not in open_ids
    only_closed = await client.get(f"{V2}/requests.xml", params={"status": "closed"})
    closed_ids = {n.findtext("service_request_id") for n in xml(only_closed).findall("request")}
    assert created[1] in closed_ids and created[0] not in closed_ids

    picked = await client.get(
        f"{V2}/requests.json", params={"service_request_id": f"{created[0]},{internal_case}"}
    )
    assert [r["service_request_id"] for r in picked.json()] == [created[0]]

    now = datetime.now(UTC)
    window = {
        "start_date": (now - timedelta(hours=1)).isoformat(),
        "end_date": (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
    }
    in_window = await client.get(f"{V2}/requests.json", params=window)
    assert set(created) <= {r["service_request_id"] for r in in_window.json()}
    old = {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00+01:00"}
    assert (await client.get(f"{V2}/requests.json", params=old)).json() == []

    assert_error(await client.get(f"{V2}/requests.json", params={"start_date": "igår"}), 400)
    assert_error(
        await client.get(f"{V2}/requests.xml", params={"end_date": "2026-13-45T99:00:00Z"}),
        400,
        "xml",
    )
    backwards = {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}
    assert_error(await client.get(f"{V2}/requests.json", params=backwards), 400)
    too_long = {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"}
    assert "90 dagar" in assert_error(await client.get(f"{V2}/requests.json", params=too_long), 400)
    in_english = await client.get(
        f"{V2}/requests.json", params=too_long, headers={"Accept-Language": "en"}
    )
    assert "90 days" in assert_error(in_english, 400)
    assert_error(await client.get(f"{V2}/requests.json", params={"status": "pending"}), 400)
    assert_error(await client.get(f"{V2}/requests/{secret_case}.json"), 404)
    assert_error(await client.get(f"{V2}/requests/{internal_case}.xml"), 404, "xml")
    assert_error(await client.get(f"{V2}/requests/KC-1999-000001.json"), 404)
    assert_error(await client.get(f"{V2}/requests/{created[0]}.yaml"), 400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_request_without_e_mail_answers_with_its_mina_arenden_code(
    client, as_client, api_key, citizen_org, fmt
):
    response = await post_request(client, api_key, citizen_org, fmt=fmt)
    assert response.status_code == 201, response.text
    if fmt == "xml":
        entry = xml(response).find("request")
        number, code = entry.findtext("service_request_id"), entry.findtext("access_code")
        notice = entry.findtext("service_notice")
    else:
        [answer] = response.json()
        number, code, notice = (
            answer["service_request_id"],
            answer["access_code"],
            answer["service_notice"],
        )
    assert code and code in notice and "Mina ärenden" in notice
    case = await Case.select(Case.party).where(Case.number == number).first()
    assert case["party"] is None  # nobody to send a receipt to
    follow = await as_client().post(CASE_STATUS, json={"number": number, "code": code})
    assert follow.status_code == 200, follow.text
    assert follow.json()["number"] == number and follow.json()["status"] == "received"


async def test_nul_characters_are_refused_naming_the_field(client, api_key, citizen_org):
    before = await Case.count()
    for field in ("description", "address_string", "first_name"):
        refused = await post_request(client, api_key, citizen_org, **{field: "Gunga\x00trasig"})
        assert field in assert_error(refused, 400)
    assert await Case.count() == before


async def test_the_post_body_is_in_the_openapi_document(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    operation = schema["paths"]["/open311/v2/{resource}"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "application/json",
    }
    form = content["application/x-www-form-urlencoded"]["schema"]
    assert {"api_key", "service_code", "lat", "long", "description", "email"} <= set(
        form["properties"]
    )
    assert set(form["required"]) == {"api_key", "service_code"}
    assert form["properties"]["lat"]["type"] == "number"
    answer = operation["responses"]["201"]["content"]["application/json; charset=utf-8"]
    assert "access_code" in answer["schema"]["items"]["properties"]


async def test_nul_in_a_query_or_path_is_a_400_naming_it(client):
    for url, params, field in (
        (f"{V2}/requests.json", {"service_request_id": "KC\x00"}, "service_request_id"),
        (f"{V2}/requests.xml", {"service_code": "a\x00b"}, "service_code"),
        (f"{V2}/requests/KC-2026-1%00.json", {}, "resource"),
        (f"{V2}/services/gunga%00.json", {}, "resource"),
    ):
        fmt = "xml" if ".xml" in url else "json"
        assert field in assert_error(await client.get(url, params=params), 400, fmt)


def documented_answer(schema: dict, path: str) -> dict:
    """The JSON schema of the documented 200 answer of GET ``path``."""
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json; charset=utf-8", "text/xml; charset=utf-8"}
    return content["application/json; charset=utf-8"]["schema"]


async def test_get_answers_are_documented_and_conform(client, api_key, citizen_org):
    posted = await post_request(client, api_key, citizen_org)
    assert posted.status_code == 201, posted.text
    number = posted.json()[0]["service_request_id"]
    schema = (await client.get("/api/schema/openapi.json")).json()
    for path, url, kind in (
        ("/open311/{name}", "/open311/discovery.json", "object"),
        ("/open311/v2/{resource}", f"{V2}/services.json", None),
        ("/open311/v2/{resource}", f"{V2}/requests.json", None),
        ("/open311/v2/services/{code}", f"{V2}/services/{citizen_org.public_type}.json", "object"),
        ("/open311/v2/requests/{request_id}", f"{V2}/requests/{number}.json", "array"),
    ):
        answer = documented_answer(schema, path)
        assert answer.get("type", kind) == kind or "anyOf" in answer, (path, answer)
        validator = jsonschema_rs.Draft202012Validator(answer, validate_formats=True)
        response = await client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body, url
        assert validator.is_valid(body), (url, body)
        # and the documented schema really checks: a field of another type fails
        entry = body[0] if isinstance(body, list) else body
        key = "service_code" if "service_code" in entry else "endpoints"
        broken = {**entry, key: 7}
        assert not validator.is_valid([broken] if isinstance(body, list) else broken), url


async def test_the_document_states_the_format_suffix_of_every_resource(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    paths = schema["paths"]
    assert "/open311/v2/services" not in paths and "/open311/v2/requests" not in paths
    for path, method, good, bad in (
        ("/open311/{name}", "get", "discovery.XML", "discovery"),
        ("/open311/v2/{resource}", "get", "services.json", "services"),
        ("/open311/v2/{resource}", "post", "requests.xml", "services.json"),
        ("/open311/v2/services/{code}", "get", "a.b.json", "gunga"),
        ("/open311/v2/requests/{request_id}", "get", "KC-2026-000001.json", "0"),
    ):
        (parameter,) = paths[path][method]["parameters"]
        pattern = re.compile(parameter["schema"]["pattern"])
        assert pattern.match(good) and not pattern.match(bad), (path, method)
        # what the document refuses, the server refuses too (an Open311 error document)
        url = path.replace("{" + parameter["name"] + "}", bad)
        answer = await client.request(method.upper(), url, data={})
        assert answer.status_code in (400, 404), (url, answer.text)


async def test_a_post_without_a_valid_key_is_a_documented_403(client, citizen_org):
    schema = (await client.get("/api/schema/openapi.json")).json()
    documented = schema["paths"]["/open311/v2/{resource}"]["post"]["responses"]["403"]
    errors = documented["content"]["application/json"]["schema"]
    refused = await post_request(client, "kc311_not-a-key", citizen_org)
    assert_error(refused, 403)
    assert jsonschema_rs.Draft202012Validator(errors).is_valid(refused.json())
    assert "text/xml" in documented["content"]
