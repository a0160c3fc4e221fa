"""The CAP 1.2 feed, checked against the specification: every alert (Alert, Update, Cancel;
Actual and Exercise) validates against the OASIS CAP 1.2 schema (``schemas/CAP-v1.2.xsd``,
with lxml), and the required elements, their order and the value lists are asserted one by
one as well; the Atom index lists the current alert and links documents that validate."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from tests.plugins.crisis_mode.messages.conftest import MESSAGES, PUBLIC, draft_body

NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "CAP-v1.2.xsd")))

# The specification's element order (3.2 data dictionary) and which elements are required.
ALERT_ORDER = [
    "identifier", "sender", "sent", "status", "msgType", "source", "scope", "restriction",
    "addresses", "code", "note", "references", "incidents", "info",
]  # fmt: skip
ALERT_REQUIRED = {"identifier", "sender", "sent", "status", "msgType", "scope"}
INFO_ORDER = [
    "language", "category", "event", "responseType", "urgency", "severity", "certainty",
    "audience", "eventCode", "effective", "onset", "expires", "senderName", "headline",
    "description", "instruction", "web", "contact", "parameter", "resource", "area",
]  # fmt: skip
INFO_REQUIRED = {"category", "event", "urgency", "severity", "certainty"}
AREA_ORDER = ["areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling"]
VALUES = {
    "status": {"Actual", "Exercise", "System", "Test", "Draft"},
    "msgType": {"Alert", "Update", "Cancel", "Ack", "Error"},
    "scope": {"Public", "Restricted", "Private"},
    "category": {
        "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport",
        "Infra", "CBRNE", "Other",
    },
    "responseType": {
        "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear",
        "None",
    },
    "urgency": {"Immediate", "Expected", "Future", "Past", "Unknown"},
    "severity": {"Extreme", "Severe", "Moderate", "Minor", "Unknown"},
    "certainty": {"Observed", "Likely", "Possible", "Unlikely", "Unknown"},
}  # fmt: skip
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
RESTRICTED = re.compile(r"[\s,<&]")


def _name(element: etree._Element) -> str:
    assert element.tag.startswith(f"{{{NS}}}"), f"{element.tag} is outside the CAP namespace"
    return etree.QName(element).localname


def _check_order(parent: etree._Element, order: list[str], required: set[str], where: str):
    names = [_name(child) for child in parent]
    assert required <= set(names), f"{where}: missing {required - set(names)}"
    unknown = [n for n in names if n not in order]
    assert not unknown, f"{where}: elements outside the specification {unknown}"
    positions = [order.index(n) for n in names]
    assert positions == sorted(positions), f"{where}: out of order {names}"
    return names


def check_cap(document: bytes) -> etree._Element:
    """Validate one alert against the schema and the specification's rules; returns it."""
    root = etree.fromstring(document)
    SCHEMA.assertValid(etree.ElementTree(root))
    assert _name(root) == "alert"
    names = _check_order(root, ALERT_ORDER, ALERT_REQUIRED, "alert")
    for single in set(names) - {"code", "info"}:
        assert names.count(single) == 1, f"alert: {single} more than once"
    fields = {_name(c): c.text for c in root if _name(c) != "info"}
    for key in ("status", "msgType", "scope"):
        assert fields[key] in VALUES[key], (key, fields[key])
    assert CAP_TIME.match(fields["sent"]), fields["sent"]
    assert not RESTRICTED.search(fields["identifier"]) and not RESTRICTED.search(fields["sender"])
    if fields["msgType"] in ("Update", "Cancel"):
        assert fields.get("references"), "an Update or Cancel references the earlier alerts"
    for reference in (fields.get("references") or "").split():
        sender, identifier, sent = reference.split(",")
        assert sender == fields["sender"] and identifier and CAP_TIME.match(sent)
    for info in root.findall(f"{{{NS}}}info"):
        info_names = _check_order(info, INFO_ORDER, INFO_REQUIRED, "info")
        for child in info:
            name = _name(child)
            if name in VALUES:
                assert child.text in VALUES[name], (name, child.text)
            if name in ("effective", "onset", "expires"):
                assert CAP_TIME.match(child.text), child.text
        assert "language" in info_names
        for area in info.findall(f"{{{NS}}}area"):
            _check_order(area, AREA_ORDER, {"areaDesc"}, "area")
            assert area.findtext(f"{{{NS}}}areaDesc")
    return root


def _text(element: etree._Element, name: str) -> str | None:
    return element.findtext(f"{{{NS}}}{name}")


def _infos(root: etree._Element) -> dict[str, etree._Element]:
    return {_text(info, "language"): info for info in root.findall(f"{{{NS}}}info")}


def test_the_schema_refuses_what_the_specification_forbids():
    """The schema in the tests is strict: order, value lists and the time pattern."""
    good = (
        f'<alert xmlns="{NS}"><identifier>a-1</identifier><sender>s@x.example</sender>'
        "<sent>2026-12-02T04:20:00+01:00</sent><status>Actual</status><msgType>Alert</msgType>"
        "<scope>Public</scope><info><language>sv</language><category>Safety</category>"
        "<event>E</event><urgency>Immediate</urgency><severity>Severe</severity>"
        "<certainty>Observed</certainty><area><areaDesc>Ekeby</areaDesc></area></info></alert>"
    )
    check_cap(good.encode())
    for bad in (
        good.replace("+01:00", "Z"),  # no offset
        good.replace("<status>Actual", "<status>Real"),  # not in the list
        good.replace("<scope>Public</scope>", "").replace(
            "<msgType>", "<scope>Public</scope><msgType>"
        ),  # out of order
        good.replace("<event>E</event>", ""),  # required element missing
        good.replace("<category>Safety", "<category>Weather"),
    ):
        with pytest.raises(etree.DocumentInvalid):
            check_cap(bad.encode())


async def test_alert_update_and_cancel_validate_and_reference_the_earlier_alerts(
    client, clean, crisis_headers, auth_headers
):
    writer = await auth_headers("supervisor")
    leader = await crisis_headers("leader")
    assert (await client.get(f"{PUBLIC}/cap.xml")).status_code in (200, 404)

    first = (await client.post(MESSAGES, json=draft_body(), headers=writer)).json()
    approved = await client.post(f"{MESSAGES}/{first['id']}/approve", json={}, headers=leader)
    assert approved.status_code == 200, approved.text
    response = await client.get(f"{PUBLIC}/cap.xml")  # public: no token
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/cap+xml")
    alert = check_cap(response.content)
    assert _text(alert, "status") == "Actual" and _text(alert, "msgType") == "Alert"
    assert _text(alert, "scope") == "Public" and _text(alert, "references") is None
    assert _text(alert, "identifier") == approved.json()["version"]["cap_identifier"]
    infos = _infos(alert)
    assert list(infos) == ["sv", "en", "fi", "ar"]  # one info per language, with its code
    sv = infos["sv"]
    assert _text(sv, "headline") == "Strömavbrott i norra Ekeby"
    assert _text(sv, "category") == "Infra" and _text(sv, "event") == "Strömavbrott"
    assert _text(sv, "urgency") == "Expected" and _text(sv, "severity") == "Moderate"
    assert "strömlöst" in _text(sv, "description")
    assert _text(sv, "instruction").startswith("Använd inte levande ljus")
    assert _text(sv, "senderName") and _text(sv, "web").endswith("/public/page?lang=sv")
    assert _text(sv, "web").startswith("http://")  # absolute: the request's address
    assert sv.findtext(f"{{{NS}}}area/{{{NS}}}areaDesc") == "Norra Ekeby"
    assert _text(infos["ar"], "headline") == "انقطاع التيار الكهربائي في شمال إيكيبي"

    second = (await client.post(MESSAGES, json=draft_body(tag="Nytt: "), headers=writer)).json()
    await client.post(f"{MESSAGES}/{second['id']}/approve", json={}, headers=leader)
    update = check_cap((await client.get(f"{PUBLIC}/cap.xml")).content)
    assert _text(update, "msgType") == "Update"
    sender, identifier, sent = _text(update, "references").split(",")
    assert (sender, identifier, sent) == (
        _text(alert, "sender"),
        _text(alert, "identifier"),
        _text(alert, "sent"),
    )
    assert _text(update, "incidents") == _text(alert, "incidents")
    # the first alert stays fetchable by its identifier, so references resolve
    earlier = await client.get(f"{PUBLIC}/cap/{_text(alert, 'identifier')}")
    assert earlier.status_code == 200 and check_cap(earlier.content) is not None
    assert _text(etree.fromstring(earlier.content), "msgType") == "Alert"

    # the Atom index lists the current alert and links its CAP document
    atom = await client.get(f"{PUBLIC}/alerts.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(atom.content)
    entries = feed.findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    ours = [link for link in links if link.endswith(_text(update, "identifier"))]
    assert len(ours) == 1 and feed.findtext(f"{ATOM}updated")
    linked = await client.get(urlsplit(ours[0]).path)
    assert check_cap(linked.content).findtext(f"{{{NS}}}identifier") == _text(update, "identifier")

    cancelled = await client.post(
        f"{MESSAGES}/cancel", json={"note": "Strömmen är tillbaka."}, headers=leader
    )
    assert cancelled.status_code == 200, cancelled.text
    cancel = check_cap((await client.get(f"{PUBLIC}/cap.xml")).content)
    assert _text(cancel, "msgType") == "Cancel"
    references = _text(cancel, "references").split()
    assert [r.split(",")[1] for r in references] == [
        _text(alert, "identifier"),
        _text(update, "identifier"),
    ]
    assert _text(_infos(cancel)["sv"], "description") == "Strömmen är tillbaka."
    assert (await client.get(f"{PUBLIC}/cap/no-such-alert")).status_code == 404


async def test_an_exercise_is_labelled_in_the_cap_alert(
    client, clean, crisis_headers, auth_headers
):
    writer = await auth_headers("supervisor")
    leader = await crisis_headers("leader")
    body = draft_body(languages=("sv", "en", "ar"), exercise=True)
    draft = (await client.post(MESSAGES, json=body, headers=writer)).json()
    assert draft["exercise"] is True
    await client.post(f"{MESSAGES}/{draft['id']}/approve", json={}, headers=leader)
    alert = check_cap((await client.get(f"{PUBLIC}/cap.xml")).content)
    assert _text(alert, "status") == "Exercise"
    assert "ÖVNING" in _text(alert, "note") and "EXERCISE" in _text(alert, "note")
    infos = _infos(alert)
    assert _text(infos["sv"], "headline").startswith("ÖVNING: ")
    assert _text(infos["en"], "headline").startswith("EXERCISE: ")
    assert _text(infos["ar"], "headline").startswith("EXERCISE: ")
