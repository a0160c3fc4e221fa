"""The generic CTI webhook: any switch that can POST call events (Zammad / sipgate shape).

The switch posts ``event=newCall|answer|dtmf|hangup`` with ``from``, ``to``, ``direction``
(``in``/``out``), ``callId``, ``user`` (or ``user[]``), ``queue``, ``answeringNumber`` and
``cause`` (``event=dtmf``: the caller's menu choice in ``dtmf``), as a form
(``application/x-www-form-urlencoded``) or as JSON, to
``/api/v1/plugins/telephony_centrex/webhook/<source>`` with the installation's token (keyring
secret ``telephony-webhook-token``) in ``X-Kontakt-Token``, ``Authorization: Bearer`` or
``?token=``. The answer to ``newCall`` may carry an action: ``dial`` (to the overflow
service) or ``reject``, as sipgate's XML ``<Response>`` to a form post and as Zammad's JSON
``{"action": …}`` to a JSON post (or when the switch accepts only JSON).
"""

from __future__ import annotations

import hmac
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape, quoteattr

from core.contracts import PluginNotReady
from core.errors import InvalidInput, Unauthorized
from core.secrets import keystore
from plugins.telephony_centrex import runtime
from plugins.telephony_centrex.callevents import CallEvent
from plugins.telephony_centrex.drivers.base import Capability, Driver

KINDS = {"newCall": "new", "answer": "answer", "dtmf": "dtmf", "hangup": "hangup"}
DIGITS_RE = re.compile(r"^[0-9*#]{1,20}$")
MAX_BODY = 16 * 1024
TOKEN_MAX_AGE = 30.0  # seconds: a rotated token reaches every process within this


class WebhookDriver(Driver):
    """Passive: the switch calls us. It can answer a new call with dial or reject, so it
    supports overflow; everything else needs the operator's portal."""

    name = "webhook"
    capabilities = frozenset({Capability.EVENTS, Capability.OVERFLOW})

    def check_config(self) -> None:
        if not keystore.get(runtime.WEBHOOK_TOKEN_SECRET):
            raise PluginNotReady(
                f"the webhook token is not set: run 'kontakt secrets set "
                f"{runtime.WEBHOOK_TOKEN_SECRET}'"
            )


def check_token(given: str) -> None:
    """Unauthorized unless ``given`` equals the installation's token (constant time)."""
    expected = keystore.get(runtime.WEBHOOK_TOKEN_SECRET, max_age=TOKEN_MAX_AGE) or ""
    if not given or not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("The webhook token is missing or wrong")


def token_of(headers: Any, query_token: str | None) -> str:
    """The token from ``X-Kontakt-Token``, ``Authorization: Bearer`` or ``?token=``."""
    header = headers.get("x-kontakt-token", "")
    if header:
        return header.strip()
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return query_token or ""


def read_body(body: bytes, content_type: str) -> tuple[dict[str, str], bool]:
    """The posted fields and whether they came as JSON (InvalidInput if unreadable)."""
    if len(body) > MAX_BODY:
        raise InvalidInput("The call event is too large")
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The call event is not UTF-8") from exc
    if media == "application/json" or (not media and text.lstrip().startswith("{")):
        try:
            data = json.loads(text or "null")
        except json.JSONDecodeError as exc:
            raise InvalidInput("The call event is not valid JSON") from exc
        if not isinstance(data, dict):
            raise InvalidInput("The call event must be a JSON object")
        fields = {}
        for key, value in data.items():
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            elif value is not None and not isinstance(value, str | int | float | bool):
                raise InvalidInput("The field {name} must be text", name=str(key)[:40])
            fields[str(key)] = "" if value is None else str(value)
        return fields, True
    if media in ("application/x-www-form-urlencoded", ""):
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=50)
        return {key.removesuffix("[]"): ",".join(values) for key, values in parsed.items()}, False
    raise InvalidInput("The call event must be a form or JSON")


def to_event(source: str, fields: dict[str, str], now: float | None = None) -> CallEvent:
    """A :class:`CallEvent` from the posted fields (InvalidInput when one is wrong)."""
    kind = KINDS.get(fields.get("event", ""))
    if kind is None:
        raise InvalidInput("Unknown call event: {event}", event=fields.get("event", "")[:40])
    call_id = fields.get("callId", "")
    if not call_id:
        raise InvalidInput("The call event has no callId")
    direction = fields.get("direction", "in") or "in"
    if direction not in ("in", "out"):
        raise InvalidInput("The direction must be 'in' or 'out'")
    extra = {k: v[:200] for k, v in fields.items() if k in ("callback", "language", "origCallId")}
    if kind == "dtmf":
        digits = fields.get("dtmf", "")
        if not DIGITS_RE.match(digits):
            raise InvalidInput("The dtmf event needs the chosen key (0-9, * or #)")
        extra["digits"] = digits
    return CallEvent(
        source=source,
        call_id=call_id,
        kind=kind,  # type: ignore[arg-type]
        at=time.time() if now is None else now,
        direction=direction,  # type: ignore[arg-type]
        from_number=fields.get("from", "")[:40],
        to_number=fields.get("to", "")[:40],
        queue=fields.get("queue") or None,
        user=fields.get("user") or None,
        answering_number=fields.get("answeringNumber", "")[:40],
        cause=fields.get("cause", "")[:40],
        extra=extra,
    )


def render_action(action: dict[str, str] | None, as_json: bool) -> tuple[str, str]:
    """The answer body and media type: sipgate XML or Zammad JSON; empty when no action."""
    if as_json:
        return json.dumps(action or {}), "application/json"
    inner = ""
    if action and action["action"] == "dial":
        inner = f"<Dial><Number>{escape(action['number'])}</Number></Dial>"
    elif action and action["action"] == "reject":
        inner = f"<Reject reason={quoteattr(action.get('reason', 'busy'))} />"
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<Response>{inner}</Response>'
    return xml, "application/xml"
