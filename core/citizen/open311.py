"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): services from the public case
types, service requests as cases, in XML and JSON.

Resources take their format as a suffix (``/services.xml``, ``/requests/KC-2026-000001.json``).
Errors are answered in the requested format as the specification shows them:
``<errors><error><code>…</code><description>…</description></error></errors>`` or
``[{"code": …, "description": …}]``; the description is in Swedish or English by
Accept-Language (else the installation's default language, as for problem details). Posting
a request needs an API key (see :mod:`core.citizen.api`); it registers a web contact opening
a case in one transaction, as the Open311 client (actor ``open311:<id>:<name>``). The
location is kept in the case description as a compact "Plats:" block; only requests that
came in through Open311 show their description and location to the public, and secret cases
and non-public case types are never shown.
"""

from __future__ import annotations

import hashlib
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import msgspec
import msgspec.inspect
from litestar import Controller, Request, Response, get, post, route
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.params import PathParameter

from core.auth.service import Principal
from core.cases import service as cases
from core.cases import states
from core.cases.tables import Case, Contact
from core.citizen.tables import ApiClient
from core.db import raw
from core.errors import DomainError
from core.i18n import N_, gettext
from core.org.tables import CaseType
from core.web.openapi import PROBLEM_REF
from core.web.problems import PROBLEM_JSON, language_of
from core.web.types import text

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
MAX_DESCRIPTION = 4000
REF_PREFIX = "open311:"
PLACE = "Plats: "
COORDS = "Koordinater: "
MEDIA = "Bild: "
_SUFFIX_LINES = (PLACE, COORDS, MEDIA)


class Open311Error(Exception):
    """An error answered in Open311 form with HTTP status ``code``.

    ``message`` is an English msgid with ``{placeholders}`` filled from ``params``; the
    description is rendered in the request's language (:meth:`describe`).
    """

    def __init__(self, code: int, message: str, /, **params: Any) -> None:
        super().__init__(message.format(**params) if params else message)
        self.code = code
        self.message = message
        self.params = params

    @classmethod
    def from_domain(cls, exc: DomainError) -> Open311Error:
        """A refusal of the case service, keeping its translatable message."""
        return cls(exc.status, exc.message, **exc.params)

    def describe(self, lang: str) -> str:
        """The description in ``lang`` (sv or en)."""
        text = gettext(self.message, lang)
        try:
            return text.format(**self.params)
        except (KeyError, IndexError):  # a translation with a broken placeholder
            return self.message.format(**self.params)


# -- formats -------------------------------------------------------------------------------
def split_format(name: str) -> tuple[str, str]:
    """``"services.xml"`` -> ``("services", "xml")``; an unknown suffix is a 400."""
    base, dot, fmt = name.rpartition(".")
    if not dot or not base:
        raise Open311Error(
            400, N_("Add the response format to the resource: {name}.json or .xml"), name=name
        )
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise Open311Error(400, N_("Unsupported format '{fmt}'; use json or xml"), fmt=fmt)
    return base, fmt


def guess_format(name: str) -> str:
    fmt = name.rpartition(".")[2].lower()
    return fmt if fmt in FORMATS else "json"


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))  # characters XML 1.0 cannot carry


def _xml_fill(parent: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            singular = {"attributes": "attribute", "values": "value"}.get(key, "item")
            for item in value:
                _xml_fill(ET.SubElement(child, singular), item)
        elif isinstance(value, dict):
            _xml_fill(child, value)
        else:
            text = _xml_value(value)
            if text is not None:
                child.text = text


def to_xml(root: str, item: str | None, payload: list[dict[str, Any]] | dict[str, Any]) -> bytes:
    """An XML document: ``<root><item>…</item>…</root>`` or ``<root>…</root>`` for a dict."""
    element = ET.Element(root)
    if isinstance(payload, dict):
        _xml_fill(element, payload)
    else:
        for entry in payload:
            _xml_fill(ET.SubElement(element, item or "item"), entry)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def respond(
    fmt: str,
    root: str,
    item: str | None,
    payload: list[dict[str, Any]] | dict[str, Any],
    status: int = 200,
) -> Response:
    content = to_xml(root, item, payload) if fmt == "xml" else msgspec.json.encode(payload)
    return Response(content, status_code=status, media_type=FORMATS[fmt])


def error_response(fmt: str, code: int, description: str) -> Response:
    """An Open311 error document with HTTP status ``code``."""
    errors = [{"code": code, "description": description}]
    return respond(fmt, "errors", "error", errors, status=code)


# -- services ------------------------------------------------------------------------------
def _language(request: Request) -> str:
    """sv or en from Accept-Language, else the installation's default (as problem details)."""
    return language_of(request)


async def _public_types(code: str | None = None) -> list[dict[str, Any]]:
    query = CaseType.select(
        CaseType.id,
        CaseType.code,
        CaseType.name_sv,
        CaseType.name_en,
        CaseType.description_sv,
        CaseType.description_en,
        CaseType.keywords,
        CaseType.department.name_sv,
        CaseType.department.name_en,
    ).where((CaseType.public == True) & (CaseType.active == True))  # noqa: E712
    if code is not None:
        query = query.where(CaseType.code == code)
    return await query.order_by(CaseType.code)


def _service(row: dict[str, Any], lang: str) -> dict[str, Any]:
    keywords = raw.json_column(row["keywords"], [])
    if not isinstance(keywords, list):
        keywords = []
    return {
        "service_code": row["code"],
        "service_name": row[f"name_{lang}"] or row["name_sv"],
        "description": row[f"description_{lang}"] or row["description_sv"],
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(str(k) for k in keywords),
        "group": row[f"department.name_{lang}"] or row["department.name_sv"],
    }


async def list_services(lang: str) -> list[dict[str, Any]]:
    """Every public, active case type as an Open311 service."""
    return [_service(row, lang) for row in await _public_types()]


async def service_definition(code: str) -> dict[str, Any]:
    """The service definition; case types carry no extra attributes."""
    if not await _public_types(code):
        raise Open311Error(404, N_("No service with service_code '{code}'"), code=code)
    return {"service_code": code, "attributes": []}


# -- API keys ------------------------------------------------------------------------------
def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


async def client_for_key(api_key: str) -> dict[str, Any] | None:
    """The active API client holding ``api_key``, or None."""
    if not api_key or len(api_key) > 200:
        return None
    return (
        await ApiClient.select(ApiClient.id, ApiClient.name)
        .where((ApiClient.key_hash == key_hash(api_key)) & (ApiClient.active == True))  # noqa: E712
        .first()
    )


def client_principal(client: dict[str, Any]) -> Principal:
    """The system principal an Open311 client acts as (no staff user behind it)."""
    return Principal(
        user_id=None,  # type: ignore[arg-type]
        username=f"{REF_PREFIX}{client['id']}:{client['name']}"[:150],
        full_name=f"Open311: {client['name']}"[:200],
        roles=(),
        permissions=frozenset({"contacts.register"}),
    )


# -- posting a request ---------------------------------------------------------------------
class RequestForm(msgspec.Struct, forbid_unknown_fields=True):
    """POST requests: the fields of GeoReport v2 (``attribute[…]`` is read separately).

    Texts may not carry NUL characters (a 400 naming the field)."""

    api_key: text(200) = ""
    jurisdiction_id: text(200) = ""
    service_code: text(100) = ""
    lat: float | None = None
    long: float | None = None
    address_string: text(500) = ""
    address_id: text(200) = ""
    email: text(254) = ""
    device_id: text(200) = ""
    account_id: text(200) = ""
    first_name: text(100) = ""
    last_name: text(100) = ""
    phone: text(40) = ""
    description: text(2 * MAX_DESCRIPTION) = ""
    media_url: text(1000) = ""


def _field_schema(info: Any) -> Schema:
    if isinstance(info, msgspec.inspect.UnionType):  # float | None
        return Schema(type=OpenAPIType.NUMBER)
    return Schema(type=OpenAPIType.STRING, max_length=info.max_length, pattern=info.pattern)


def request_form_schema() -> Schema:
    """The OpenAPI schema of :class:`RequestForm` (``api_key`` and ``service_code`` are
    required; the handler reads the body itself, so Litestar cannot derive it)."""
    fields = msgspec.inspect.type_info(RequestForm).fields  # type: ignore[union-attr]
    return Schema(
        type=OpenAPIType.OBJECT,
        properties={f.name: _field_schema(f.type) for f in fields},
        required=["api_key", "service_code"],
        description="GeoReport v2 service request; a location is lat and long, "
        "address_string or address_id. Extra attribute[…] fields are accepted.",
    )


@dataclass
class PostRequestsOperation(Operation):
    """POST requests.{format}: documents the request body (form, multipart or JSON) and the
    answer, which Litestar cannot see because the handler reads the body itself."""

    def __post_init__(self) -> None:
        schema = request_form_schema()
        self.request_body = RequestBody(
            required=True,
            content={
                media: OpenAPIMediaType(schema=schema)
                for media in (
                    "application/x-www-form-urlencoded",
                    "multipart/form-data",
                    "application/json",
                )
            },
        )
        answer = Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "service_request_id": Schema(type=OpenAPIType.STRING),
                    "service_notice": Schema(type=OpenAPIType.STRING),
                    "account_id": Schema(type=OpenAPIType.NULL),
                    "access_code": Schema(
                        type=OpenAPIType.STRING,
                        description="The code that opens the request in Mina ärenden",
                    ),
                },
                required=["service_request_id", "service_notice", "access_code"],
            ),
        )
        errors = Schema(
            type=OpenAPIType.ARRAY,
            items=_record(
                ["code", "description"],
                code=Schema(type=OpenAPIType.INTEGER),
                description=_text(),
            ),
        )
        self.responses = {
            **(self.responses or {}),
            "403": OpenAPIResponse(
                description="Invalid or missing api_key: no request was created",
                content={
                    PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref=PROBLEM_REF)),
                    "application/json": OpenAPIMediaType(schema=errors),
                    "text/xml": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
                },
            ),
            "201": OpenAPIResponse(
                description="The request was created (XML: the same fields)",
                content={
                    FORMATS["json"]: OpenAPIMediaType(schema=answer),
                    FORMATS["xml"]: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
                },
            ),
        }


# -- documented paths ----------------------------------------------------------------------
_FORMAT = r"\.([jJ][sS][oO][nN]|[xX][mM][lL])$"


def _resource(base: str, description: str) -> Any:
    """A path segment ``{base}.{format}`` as the document states it; the handler checks it
    itself (an Open311 error document, not a problem), so the pattern only documents."""
    return PathParameter(description=description, schema_extra={"pattern": f"^{base}{_FORMAT}"})


DiscoveryName = Annotated[str, _resource("discovery", "discovery.json or discovery.xml")]
Collection = Annotated[
    str, _resource("(services|requests)", "services.{format} or requests.{format}")
]
Requests = Annotated[str, _resource("requests", "requests.json or requests.xml")]
Code = Annotated[str, _resource("[^\\x00]+", "The service_code with the format: {code}.json")]
RequestId = Annotated[
    str, _resource("[^\\x00]+", "The service_request_id with the format: {id}.json")
]


# -- documented answers --------------------------------------------------------------------
def _text(nullable: bool = False, **extra: Any) -> Schema:
    kinds = [OpenAPIType.STRING, OpenAPIType.NULL] if nullable else OpenAPIType.STRING
    return Schema(type=kinds, **extra)


def _record(required: list[str], /, **properties: Schema) -> Schema:
    return Schema(type=OpenAPIType.OBJECT, properties=properties, required=required)


def _number_or_null() -> Schema:
    return Schema(type=[OpenAPIType.NUMBER, OpenAPIType.NULL])


def _moment(nullable: bool) -> Schema:
    return _text(nullable, format="date-time")


SERVICE_SCHEMA = _record(
    ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
    service_code=_text(),
    service_name=_text(),
    description=_text(),
    metadata=Schema(type=OpenAPIType.BOOLEAN),
    type=Schema(type=OpenAPIType.STRING, enum=["realtime", "batch", "blackbox"]),
    keywords=_text(description="Comma-separated"),
    group=_text(),
)
REQUEST_SCHEMA = _record(
    ["service_request_id", "status", "service_name", "service_code", "requested_datetime"],
    service_request_id=_text(),
    status=Schema(type=OpenAPIType.STRING, enum=["open", "closed"]),
    status_notes=_text(nullable=True),
    service_name=_text(),
    service_code=_text(),
    description=_text(nullable=True),
    agency_responsible=_text(nullable=True),
    service_notice=_text(nullable=True),
    requested_datetime=_moment(nullable=False),
    updated_datetime=_moment(nullable=True),
    expected_datetime=_moment(nullable=True),
    address=_text(nullable=True),
    address_id=_text(nullable=True),
    zipcode=_text(nullable=True),
    lat=_number_or_null(),
    long=_number_or_null(),
    media_url=_text(nullable=True),
)
ATTRIBUTE_SCHEMA = _record(
    ["variable", "code", "datatype", "required", "order", "description"],
    variable=Schema(type=OpenAPIType.BOOLEAN),
    code=_text(),
    datatype=Schema(
        type=OpenAPIType.STRING,
        enum=["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"],
    ),
    required=Schema(type=OpenAPIType.BOOLEAN),
    datatype_description=_text(nullable=True),
    order=Schema(type=OpenAPIType.INTEGER),
    description=_text(),
    values=Schema(
        type=OpenAPIType.ARRAY, items=_record(["key", "name"], key=_text(), name=_text())
    ),
)
DEFINITION_SCHEMA = _record(
    ["service_code", "attributes"],
    service_code=_text(),
    attributes=Schema(type=OpenAPIType.ARRAY, items=ATTRIBUTE_SCHEMA),
)
DISCOVERY_SCHEMA = _record(
    ["changeset", "contact", "key_service", "endpoints"],
    changeset=_moment(nullable=False),
    contact=_text(),
    key_service=_text(),
    endpoints=Schema(
        type=OpenAPIType.ARRAY,
        items=_record(
            ["specification", "url", "changeset", "type", "formats"],
            specification=_text(),
            url=_text(),
            changeset=_moment(nullable=False),
            type=Schema(type=OpenAPIType.STRING, enum=["production", "test"]),
            formats=Schema(type=OpenAPIType.ARRAY, items=_text()),
        ),
    ),
)
SERVICES_SCHEMA = Schema(type=OpenAPIType.ARRAY, items=SERVICE_SCHEMA)
REQUESTS_SCHEMA = Schema(type=OpenAPIType.ARRAY, items=REQUEST_SCHEMA)


def answering(json_schema: Schema, what: str) -> type[Operation]:
    """An operation class documenting the 200 answer: ``json_schema`` in JSON, the same
    fields as an XML document (GeoReport v2 answers both; Litestar sees only ``Response``)."""

    @dataclass
    class Answering(Operation):
        def __post_init__(self) -> None:
            self.responses = {
                **(self.responses or {}),
                "200": OpenAPIResponse(
                    description=f"{what} (XML: the same fields)",
                    content={
                        FORMATS["json"]: OpenAPIMediaType(schema=json_schema),
                        FORMATS["xml"]: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
                    },
                ),
            }

    return Answering


async def read_request_form(request: Request) -> RequestForm:
    """The posted fields: form-encoded as the specification says, multipart, or JSON."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    values: dict[str, Any]
    if media == "application/json":
        try:
            values = msgspec.json.decode(await request.body())
        except msgspec.DecodeError as exc:
            raise Open311Error(400, N_("The request body is not valid JSON")) from exc
        if not isinstance(values, dict):
            raise Open311Error(400, N_("The request body must be a JSON object"))
    elif media == "multipart/form-data":
        form = await request.form()
        values = {key: form.get(key) for key in form}
    else:
        body = (await request.body()).decode("utf-8", errors="replace")
        values = dict(parse_qsl(body, keep_blank_values=True))
    values = {k: v for k, v in values.items() if not str(k).startswith("attribute[")}
    for key in ("lat", "long"):
        if values.get(key) in ("", None):
            values.pop(key, None)
    try:
        return msgspec.convert(values, RequestForm, strict=False)
    except msgspec.ValidationError as exc:
        raise Open311Error(400, N_("Invalid request: {error}"), error=str(exc)) from exc


def _location_block(form: RequestForm) -> str:
    lines = []
    if form.address_string.strip():
        lines.append(PLACE + " ".join(form.address_string.split()))
    if form.lat is not None and form.long is not None:
        lines.append(f"{COORDS}{form.lat:.6f}, {form.long:.6f}")
    if form.media_url.strip():
        lines.append(MEDIA + form.media_url.strip())
    return "\n".join(lines)


def split_description(text: str) -> tuple[str, dict[str, Any]]:
    """The citizen's description and the location block written by :func:`post_request`."""
    lines = text.rstrip("\n").split("\n")
    found: dict[str, Any] = {"address": None, "lat": None, "long": None, "media_url": None}
    while lines and lines[-1].startswith(_SUFFIX_LINES):
        line = lines.pop()
        if line.startswith(PLACE):
            found["address"] = line[len(PLACE) :]
        elif line.startswith(MEDIA):
            found["media_url"] = line[len(MEDIA) :]
        else:
            match = re.fullmatch(r"(-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)", line[len(COORDS) :])
            if match:
                found["lat"], found["long"] = float(match.group(1)), float(match.group(2))
    return "\n".join(lines).rstrip(), found


async def post_request(form: RequestForm, lang: str) -> dict[str, Any]:
    """Validate and register one service request; returns the spec's response entry."""
    client = await client_for_key(form.api_key.strip())
    if client is None:
        raise Open311Error(403, N_("Invalid or missing api_key; no request was created"))
    code = form.service_code.strip()
    if not code:
        raise Open311Error(400, N_("service_code was not provided"))
    types = await _public_types(code)
    if not types:
        raise Open311Error(404, N_("No service with service_code '{code}'"), code=code)
    has_point = form.lat is not None and form.long is not None
    if (form.lat is None) != (form.long is None):
        raise Open311Error(400, N_("Give both lat and long, or neither"))
    if has_point and not (-90 <= form.lat <= 90 and -180 <= form.long <= 180):  # type: ignore[operator]
        raise Open311Error(400, N_("lat must be within -90..90 and long within -180..180"))
    if not (has_point or form.address_string.strip() or form.address_id.strip()):
        raise Open311Error(
            400, N_("A location is required: lat and long, address_string or address_id")
        )
    description = form.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(
            400, N_("description may be at most {limit} characters"), limit=MAX_DESCRIPTION
        )
    if form.media_url.strip() and not re.match(r"^https?://\S+$", form.media_url.strip()):
        raise Open311Error(400, N_("media_url must be an http or https URL"))
    service = types[0]
    name = " ".join(f"{form.first_name} {form.last_name}".split())
    party = None
    if form.email.strip() or form.phone.strip() or name:
        party = {"kind": "person", "name": name, "preferred_language": lang}
        if form.email.strip():
            party["email"] = form.email.strip()
        if form.phone.strip():
            party["phone"] = form.phone.strip()
    location = _location_block(form)
    if form.address_id.strip() and not form.address_string.strip():
        location = "\n".join(filter(None, [PLACE + form.address_id.strip(), location]))
    full_text = "\n\n".join(filter(None, [description, location]))
    first_line = description.split("\n", 1)[0][:200]
    data = cases.ContactInput(
        channel="web",
        summary=description[:2000] or service["name_sv"],
        case_type=code,
        open_case=True,
        subject=first_line or service[f"name_{lang}"] or service["name_sv"],
        description=full_text,
        language=lang,
        feedback_channel="email" if form.email.strip() else "none",
        party=party,
        external_ref=f"{REF_PREFIX}{client['id']}",
    )
    try:
        created = await cases.register_contact(client_principal(client), data)
    except DomainError as exc:
        raise Open311Error.from_domain(exc) from exc
    number, code = created["case"]["number"], created["access_code"]
    notice = gettext("Thank you. Your request has number {number}.", lang).format(number=number)
    if form.email.strip():
        notice += " " + gettext("A receipt with a code for My cases is sent by e-mail.", lang)
    else:
        notice += " " + gettext("Follow it in My cases with the code {code}.", lang).format(
            code=code
        )
    # an extra field, as GeoReport v2 allows: without an e-mail address the citizen has no
    # other way to the code that opens the request in Mina ärenden
    return {
        "service_request_id": number,
        "service_notice": notice,
        "account_id": None,
        "access_code": code,
    }


# -- reading requests ----------------------------------------------------------------------
def parse_datetime(name: str, value: str, zone: str) -> datetime:
    """An ISO 8601 date-time (a missing offset means local time); 400 when malformed."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(
            400, N_("{name} must be an ISO 8601 date-time such as 2026-05-01T08:00:00Z"), name=name
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed


def _stamp(epoch: int | None, zone: str) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, ZoneInfo(zone)).isoformat(timespec="seconds")


@dataclass
class RequestFilter:
    ids: list[str]
    codes: list[str]
    start: int
    end: int
    statuses: list[str]


def parse_filter(params: dict[str, str], zone: str, now: float | None = None) -> RequestFilter:
    """The GET requests query; service_request_id overrides every other parameter."""
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    statuses = [s.strip().lower() for s in params.get("status", "").split(",") if s.strip()]
    for status in statuses:
        if status not in ("open", "closed"):
            raise Open311Error(
                400, N_("Unknown status '{status}'; use open or closed"), status=status
            )
    if len(ids) > MAX_RESULTS:
        raise Open311Error(400, N_("At most {limit} service_request_id values"), limit=MAX_RESULTS)
    now_dt = datetime.fromtimestamp(now or time.time(), ZoneInfo(zone))
    end = parse_datetime("end_date", params["end_date"], zone) if params.get("end_date") else None
    start = (
        parse_datetime("start_date", params["start_date"], zone)
        if params.get("start_date")
        else None
    )
    if end is None:
        end = min(now_dt, start + MAX_SPAN) if start else now_dt
    if start is None:
        start = end - MAX_SPAN
    if end < start:
        raise Open311Error(400, N_("end_date is before start_date"))
    if end - start > MAX_SPAN:
        raise Open311Error(
            400, N_("The date range may not span more than {days} days"), days=MAX_SPAN.days
        )
    return RequestFilter(ids, codes, int(start.timestamp()), int(end.timestamp()), statuses)


async def find_requests(flt: RequestFilter, lang: str, zone: str) -> list[dict[str, Any]]:
    """Service requests (public case types, never secret ones), newest first."""
    query = Case.select(
        Case.id,
        Case.number,
        Case.status,
        Case.description,
        Case.created_at,
        Case.updated_at,
        Case.resolution_due,
        Case.case_type.code,
        Case.case_type.name_sv,
        Case.case_type.name_en,
        Case.department.name_sv,
        Case.department.name_en,
    ).where(
        (Case.secret == False)  # noqa: E712
        & (Case.case_type.public == True)  # noqa: E712
    )
    if flt.ids:
        query = query.where(Case.number.is_in(flt.ids))
    else:
        query = query.where((Case.created_at >= flt.start) & (Case.created_at <= flt.end))
        if flt.codes:
            query = query.where(Case.case_type.code.is_in(flt.codes))
        if flt.statuses == ["open"]:
            query = query.where(Case.status != "closed")
        elif flt.statuses == ["closed"]:
            query = query.where(Case.status == "closed")
    rows = await query.order_by(Case.created_at, ascending=False).limit(MAX_RESULTS)
    via_open311: set[int] = set()
    if rows:
        refs = await Contact.select(Contact.case).where(
            Contact.case.is_in([r["id"] for r in rows])
            & Contact.external_ref.like(REF_PREFIX + "%")
        )
        via_open311 = {r["case"] for r in refs}
    return [_request_view(row, row["id"] in via_open311, lang, zone) for row in rows]


def _request_view(row: dict[str, Any], own: bool, lang: str, zone: str) -> dict[str, Any]:
    description, place = split_description(row["description"]) if own else ("", {})
    return {
        "service_request_id": row["number"],
        "status": "closed" if row["status"] == "closed" else "open",
        "status_notes": states.public_status(row["status"], lang),
        "service_name": row[f"case_type.name_{lang}"] or row["case_type.name_sv"],
        "service_code": row["case_type.code"],
        "description": description or None,
        "agency_responsible": row[f"department.name_{lang}"] or row["department.name_sv"],
        "service_notice": None,
        "requested_datetime": _stamp(row["created_at"], zone),
        "updated_datetime": _stamp(row["updated_at"], zone),
        "expected_datetime": _stamp(row["resolution_due"], zone)
        if row["status"] != "closed"
        else None,
        "address": place.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": place.get("lat"),
        "long": place.get("long"),
        "media_url": place.get("media_url"),
    }


# -- HTTP ----------------------------------------------------------------------------------
class Open311Controller(Controller):
    """GeoReport v2 under /open311/v2 (public; posting needs an API key)."""

    path = "/open311"
    tags = ["open311"]
    # the GeoReport v2 query parameters the handlers read themselves (core/web/security.py)
    opt = {
        "public": True,
        "query": ("jurisdiction_id", "service_request_id", "service_code", "start_date")
        + ("end_date", "status", "api_key"),
        # error documents in JSON or XML besides problems (core/web/openapi.py)
        "problem_media_types": ("application/json", "text/xml"),
    }

    @get(
        "/{name:str}",
        opt={"public": True},
        summary="Service discovery: discovery.{format}",
        operation_class=answering(DISCOVERY_SCHEMA, "The discovery document"),
    )
    async def discovery_doc(self, request: Request, name: DiscoveryName) -> Response:
        async def run(fmt: str) -> Response:
            base, _ = split_format(name)
            if base != "discovery":
                raise Open311Error(404, N_("No resource '{name}'"), name=base)
            return await _discovery(request, fmt)

        return await _guarded(request, name, run)

    @get(
        "/v2/{resource:str}",
        opt={"public": True},
        summary="GET services.{format} or requests.{format}",
        operation_class=answering(
            Schema(any_of=[SERVICES_SCHEMA, REQUESTS_SCHEMA]),
            "services: the service list; requests: the service requests, newest first",
        ),
    )
    async def get_collection(self, request: Request, resource: Collection) -> Response:
        async def run(fmt: str) -> Response:
            base, _ = split_format(resource)
            lang, zone = _language(request), request.app.state.settings.timezone
            if base == "services":
                return respond(fmt, "services", "service", await list_services(lang))
            if base == "requests":
                flt = parse_filter(dict(request.query_params), zone)
                found = await find_requests(flt, lang, zone)
                return respond(fmt, "service_requests", "request", found)
            raise Open311Error(404, N_("No resource '{name}'"), name=base)

        return await _guarded(request, resource, run)

    @get(
        "/v2/services/{code:str}",
        opt={"public": True},
        summary="GET a service definition",
        operation_class=answering(DEFINITION_SCHEMA, "The service definition"),
    )
    async def get_definition(self, request: Request, code: Code) -> Response:
        async def run(fmt: str) -> Response:
            base, _ = split_format(code)
            return respond(fmt, "service_definition", None, await service_definition(base))

        return await _guarded(request, code, run)

    @get(
        "/v2/requests/{request_id:str}",
        opt={"public": True},
        summary="GET one service request",
        operation_class=answering(REQUESTS_SCHEMA, "The service request (a list of one)"),
    )
    async def get_request(self, request: Request, request_id: RequestId) -> Response:
        async def run(fmt: str) -> Response:
            base, _ = split_format(request_id)
            lang, zone = _language(request), request.app.state.settings.timezone
            flt = RequestFilter([base], [], 0, 0, [])
            found = await find_requests(flt, lang, zone)
            if not found:
                raise Open311Error(404, N_("No service request with id '{id}'"), id=base)
            return respond(fmt, "service_requests", "request", found)

        return await _guarded(request, request_id, run)

    @route(
        ["/v2/services", "/v2/requests"],
        http_method=["GET", "POST"],
        opt={"public": True},
        summary="Without a format suffix: an error naming the formats",
        # not an operation of the API (it only ever answers 400): kept out of the document
        include_in_schema=False,
    )
    async def without_format(self, request: Request) -> Response:
        name = request.url.path.rstrip("/").rpartition("/")[2]
        error = Open311Error(
            400, N_("Add the response format: {name}.json or {name}.xml"), name=name
        )
        return error_response("json", error.code, error.describe(_language(request)))

    @post(
        "/v2/{resource:str}",
        opt={"public": True},
        status_code=201,
        summary="POST requests.{format}: create a service request (needs api_key)",
        operation_class=PostRequestsOperation,
    )
    async def post_collection(self, request: Request, resource: Requests) -> Response:
        async def run(fmt: str) -> Response:
            base, _ = split_format(resource)
            if base != "requests":
                raise Open311Error(404, N_("No resource '{name}' to post to"), name=base)
            form = await read_request_form(request)
            entry = await post_request(form, _language(request))
            return respond(fmt, "service_requests", "request", [entry], status=201)

        return await _guarded(request, resource, run)


def _refuse_nul(values: dict[str, str]) -> None:
    """A NUL character in a path or query value is a 400 naming it (no database stores it)."""
    for field, value in values.items():
        if "\x00" in field or "\x00" in value:
            raise Open311Error(
                400, N_("The field {field} contains a NUL character"), field=field.strip("\x00")
            )


async def _guarded(request: Request, name: str, run: Any) -> Response:
    """Run ``run(fmt)``; an Open311Error becomes an error document in the request's language."""
    fmt = guess_format(name)
    try:
        _refuse_nul({"resource": name, **dict(request.query_params)})
        return await run(fmt)
    except Open311Error as exc:
        lang = _language(request)
        response = error_response(fmt, exc.code, exc.describe(lang))
        response.headers["Content-Language"] = lang
        return response


async def _discovery(request: Request, fmt: str) -> Response:
    settings = request.app.state.settings
    base = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    doc = {
        "changeset": "2026-01-01T00:00:00Z",
        "contact": f"Kontaktcenter, {settings.municipality_name}",
        "key_service": "Ask the municipality's IT administration for an API key",
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": f"{base}/open311/v2",
                "changeset": "2026-01-01T00:00:00Z",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if fmt == "xml":
        root = ET.Element("discovery")
        for key in ("changeset", "contact", "key_service"):
            ET.SubElement(root, key).text = doc[key]
        endpoints = ET.SubElement(root, "endpoints")
        for endpoint in doc["endpoints"]:
            node = ET.SubElement(endpoints, "endpoint")
            for key in ("specification", "url", "changeset", "type"):
                ET.SubElement(node, key).text = endpoint[key]
            formats = ET.SubElement(node, "formats")
            for media in endpoint["formats"]:
                ET.SubElement(formats, "format").text = media
        body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
        return Response(body.encode(), media_type=FORMATS["xml"])
    return respond(fmt, "discovery", None, doc)
