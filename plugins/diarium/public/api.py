"""The public side's HTTP API, under ``/api/v1/plugins/diarium``.

``/public/search`` is the webbdiarium's JSON (public, no token); ``/requests/…`` is the
staff's handling of requests for public documents (``diarium.requests``). Only translation
to the services here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter

from core import paging
from core.errors import InvalidInput
from core.i18n import LANGUAGES
from core.web.problems import language_of
from core.web.security import principal_of
from core.web.types import IdPath, bounded_int, text
from plugins.diarium.public import masking, page, requests, search

PDF = "application/pdf"
REQUESTS = {"permission": "diarium.requests"}
Direction = Literal["in", "drawn_up", "out"]
Channel = Literal["phone", "desk", "mail", "email"]
Delivery = Literal["email", "post", "pickup", "view"]
Outcome = Literal["handed_out", "partly_handed_out", "refused"]
StatusFilter = Literal[
    "open", "received", "in_progress", "handed_out", "partly_handed_out", "refused"
]
DateQuery = Annotated[str | None, QueryParameter(pattern=r"^\d{4}-\d{2}-\d{2}$")]
DocumentQuery = Annotated[str | None, QueryParameter(pattern=r"^[^\x00]*$", max_length=60)]
LangQuery = Annotated[str | None, QueryParameter(pattern=r"^(sv|en)$")]
Epoch = bounded_int(0, 2**40)
Points = Annotated[float, msgspec.Meta(ge=0, le=20000)]


@get(
    "/public/search",
    opt={"public": True},
    tags=["diarium: public"],
    summary="The webbdiarium: search the public diary entries (public fields only)",
)
async def public_search(
    request: Request,
    q: Annotated[str | None, QueryParameter(pattern=r"^[^\x00]*$", max_length=200)] = None,
    series: Annotated[str | None, QueryParameter(pattern=r"^[^\x00]*$", max_length=20)] = None,
    direction: Annotated[Direction | None, QueryParameter()] = None,
    date_from: DateQuery = None,
    date_to: DateQuery = None,
    cursor: paging.Cursor = None,
    limit: Annotated[int, QueryParameter(ge=1, le=search.MAX_LIMIT)] = search.DEFAULT_LIMIT,
    lang: LangQuery = None,
) -> Response[dict[str, Any]]:
    """Newest registration first; ``total`` is exact up to 500 matches (else null with
    ``total_at_least``). Never protected text, protected counterpart or personnummer."""
    chosen = lang if lang in LANGUAGES else language_of(request)
    result = await search.search(
        search.Filters(
            q=q or "",
            series=series or "",
            direction=direction or "",
            date_from=date_from or "",
            date_to=date_to or "",
        ),
        cursor,
        limit,
    )
    t = page.texts(chosen)
    for item in result["items"]:
        item["direction_label"] = t.get(item["direction"], "")
    result["language"] = chosen
    headers = {"Content-Language": chosen, "Cache-Control": "no-store"}
    return Response(result, headers=headers)


#: The hard bound of the body; the service refuses more than requests.MAX_DOCUMENTS (400).
DocumentNumbers = Annotated[list[text(60)], msgspec.Meta(max_length=200)]  # type: ignore[valid-type]


class NewRequestBody(msgspec.Struct, forbid_unknown_fields=True):
    """A request made by phone, at the desk, by letter or by e-mail, logged by staff.
    ``received_at`` (epoch seconds) is when it came in; now when left out.
    ``document_number`` is the first document asked for, ``document_numbers`` any further
    ones (at most 20 in all); ``requester_email`` gets the receipt and the decision."""

    channel: Channel
    description: text(5000) = ""  # type: ignore[valid-type]
    document_number: text(60) = ""  # type: ignore[valid-type]
    document_numbers: DocumentNumbers = []
    requester_name: text(200) = ""  # type: ignore[valid-type]
    requester_email: text(254) = ""  # type: ignore[valid-type]
    requester_address: text(500) = ""  # type: ignore[valid-type]
    delivery: Delivery = "email"
    language: Literal["sv", "en"] = "sv"
    received_at: Epoch | None = None  # type: ignore[valid-type]


class NoteBody(msgspec.Struct, forbid_unknown_fields=True):
    note: text(2000) = ""  # type: ignore[valid-type]


class BoxBody(msgspec.Struct, forbid_unknown_fields=True):
    """An area to black out, in PDF points from the page's top left corner."""

    page: bounded_int(1, 10000)  # type: ignore[valid-type]
    x: Points
    y: Points
    width: Points
    height: Points
    provision: text(120, 1)  # type: ignore[valid-type]


class TextMaskBody(msgspec.Struct, forbid_unknown_fields=True):
    """Text to black out wherever it occurs."""

    text: text(300, 2)  # type: ignore[valid-type]
    provision: text(120, 1)  # type: ignore[valid-type]


class MaskBody(msgspec.Struct, forbid_unknown_fields=True):
    """What to mask in the copy of one of the request's documents: ``document`` (its number;
    by default the first one registered in the diary)."""

    boxes: list[BoxBody] = []
    texts: list[TextMaskBody] = []
    document: text(60) = ""  # type: ignore[valid-type]


class DocumentOutcomeBody(msgspec.Struct, forbid_unknown_fields=True):
    """What is decided for one of the request's documents (by its number)."""

    number: text(60, 1)  # type: ignore[valid-type]
    outcome: Outcome


class DecisionBody(msgspec.Struct, forbid_unknown_fields=True):
    """The outcome; a refusal (also a partial one) names its provisions and reasons.
    ``documents`` decides documents one by one (the others take ``outcome``); the request's
    outcome then follows from them: partly_handed_out when they differ."""

    outcome: Outcome
    provisions: list[text(120, 1)] = []  # type: ignore[valid-type]
    reason: text(5000) = ""  # type: ignore[valid-type]
    documents: Annotated[list[DocumentOutcomeBody], msgspec.Meta(max_length=200)] = []


class RequestController(Controller):
    path = "/requests"
    tags = ["diarium: requests"]

    @get("/", opt=REQUESTS, summary="Requests for public documents, newest first")
    async def list_requests(
        self,
        status: Annotated[StatusFilter | None, QueryParameter()] = None,
        cursor: paging.Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        return await requests.list_requests(status, cursor, limit)

    @post("/", opt=REQUESTS, status_code=201, summary="Log a request made by phone, desk or mail")
    async def log_request(self, request: Request, data: JSONBody[NewRequestBody]) -> dict[str, Any]:
        return await requests.log_request(
            principal_of(request),
            requests.NewRequest(
                channel=data.channel,
                description=data.description,
                document_ref=data.document_number,
                document_refs=list(data.document_numbers),
                requester_name=data.requester_name,
                requester_email=data.requester_email,
                requester_address=data.requester_address,
                delivery=data.delivery,
                language=data.language,
                received_at=data.received_at,
            ),
        )

    @get("/{request_id:int}", opt=REQUESTS, summary="One request with its history and timers")
    async def get_request(self, request_id: IdPath) -> dict[str, Any]:
        return await requests.get(request_id)

    @post("/{request_id:int}/start", opt=REQUESTS, status_code=200,
          summary="Start handling a request (in progress)")  # fmt: skip
    async def start(
        self, request: Request, request_id: IdPath, data: JSONBody[NoteBody]
    ) -> dict[str, Any]:
        return await requests.start(principal_of(request), request_id, data.note)

    @post("/{request_id:int}/masked-copy", opt=REQUESTS, status_code=201,
          summary="Make the masked copy of the request's document")  # fmt: skip
    async def masked_copy(
        self, request: Request, request_id: IdPath, data: JSONBody[MaskBody]
    ) -> dict[str, Any]:
        principal = principal_of(request)
        found = await requests.row(request_id)
        requests.ensure_open(found)
        doc = await requests.named_document(found, data.document)
        source, sha = await requests.source_pdf(found, principal, doc)
        label = f"{doc['document_ref']} ({found['number']})"
        pdf, details = masking.masked_copy(
            source,
            [masking.Box(b.page, b.x, b.y, b.width, b.height, b.provision) for b in data.boxes],
            [masking.Redaction(t.text, t.provision) for t in data.texts],
            label=label,
            lang=found["language"],
        )
        return await requests.add_masked_copy(
            principal, request_id, pdf, {**details, "source": sha}, doc
        )

    @post("/{request_id:int}/decision", opt=REQUESTS, status_code=200,
          summary="Decide: handed out, partly handed out or refused")  # fmt: skip
    async def decide(
        self, request: Request, request_id: IdPath, data: JSONBody[DecisionBody]
    ) -> dict[str, Any]:
        principal = principal_of(request)
        return await requests.decide(
            principal,
            request_id,
            data.outcome,
            provisions=list(data.provisions),
            reason=data.reason,
            documents=_chosen(data.documents),
        )

    @get("/{request_id:int}/masked-copy", opt={**REQUESTS, "media_types": (PDF,)},
         summary="The masked copy as PDF (the latest, or that of ?document=)")  # fmt: skip
    async def masked_copy_pdf(
        self,
        request_id: IdPath,
        document: DocumentQuery = None,
    ) -> Response[bytes]:
        body, name = await requests.stored_file(request_id, "masked_copy", document or "")
        return Response(
            body, media_type=PDF, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @get("/{request_id:int}/decision", opt={**REQUESTS, "media_types": (PDF,)},
         summary="The written decision as PDF")  # fmt: skip
    async def decision_pdf(self, request_id: IdPath) -> Response[bytes]:
        body, name = await requests.stored_file(request_id, "decision")
        return Response(
            body, media_type=PDF, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )


def _chosen(documents: list[DocumentOutcomeBody]) -> dict[str, str]:
    """Per-document outcomes by number; a number given twice is a 400."""
    chosen: dict[str, str] = {}
    for item in documents:
        number = " ".join(item.number.split())
        if number in chosen:
            raise InvalidInput(
                "The document {document} is decided twice",
                document=number,
                location=("body", "documents"),
            )
        chosen[number] = item.outcome
    return chosen


ROUTES = [public_search, RequestController]
