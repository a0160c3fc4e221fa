"""The permission matrix: every operation in the OpenAPI schema, for every role.

For each operation it checks that a request without a token gets 401 (unless the route is
public), that every role lacking the route's permission gets 403, and that every role holding
it gets past the guard (no 401/403). Requests are built so they cannot change anything:
path parameters name objects that do not exist, and bodies carry an unknown field that every
endpoint must refuse with 400 (``forbid_unknown_fields``). Later issues extend the matrix by
adding sample path values in ``PATH_SAMPLES``, never by writing their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.auth import permissions
from core.contracts import ROLES

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
PATH_SAMPLES: dict[str, str] = {"username": "no-such-user", "name": "no-such-plugin"}
PROBE_BODY = {"__probe_unknown_field__": True}


@dataclass
class Operation:
    method: str
    path: str
    permission: str | None
    public: bool
    has_body: bool
    own_token: bool = False  # public, but guarded by a token of its own (a switch's webhook)

    def url(self) -> str:
        return re.sub(
            r"\{(\w+)(?::\w+)?\}", lambda m: PATH_SAMPLES.get(m.group(1), "999999"), self.path
        )


def operations(app, schema: dict[str, Any]) -> list[Operation]:
    """Every operation of the schema, joined with the permission its handler declares."""
    handlers: dict[tuple[str, str], Any] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                handlers[(method.lower(), _normalise(route.path))] = handler
    ops = []
    for path, item in schema["paths"].items():
        for method, spec in item.items():
            if method not in HTTP_METHODS:
                continue
            handler = handlers.get((method, _normalise(path)))
            assert handler is not None, f"no handler for {method.upper()} {path}"
            ops.append(
                Operation(
                    method,
                    path,
                    handler.opt.get("permission"),
                    bool(handler.opt.get("public")),
                    "requestBody" in spec,
                    bool(handler.opt.get("own_token")),
                )
            )
    return ops


def _normalise(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", r"{\1}", path).rstrip("/") or "/"


async def check(
    client, app, auth_headers, fresh_headers, only: Callable[[Operation], bool] | None = None
) -> list[str]:
    """Run the matrix; returns a list of violations (empty when all is well).

    ``auth_headers(role)`` gives cached headers; ``fresh_headers(role)`` a new login, used for
    the rare operation that would end the session it runs with (logout). ``only`` limits the
    run to some operations: a plugin's test walks its own routes (tests/core walks the core's;
    each whole walk costs some 1,500 requests).
    """
    schema = (await client.get("/api/schema/openapi.json")).json()
    problems: list[str] = []
    for op in operations(app, schema):
        if only is not None and not only(op):
            continue
        label = f"{op.method.upper()} {op.path}"
        body = {"json": PROBE_BODY} if op.has_body else {}
        if not op.public:
            response = await client.request(op.method, op.url(), **body)
            if response.status_code != 401:
                problems.append(f"{label} without token: {response.status_code}, expected 401")
        for role in ROLES:
            allowed = op.public or (op.permission in permissions.for_roles([role]))
            ends_session = op.path.endswith(("/logout", "/renew"))
            headers = await (fresh_headers(role) if ends_session else auth_headers(role))
            response = await client.request(op.method, op.url(), headers=headers, **body)
            status = response.status_code
            if not allowed and status != 403:
                problems.append(f"{label} as {role}: {status}, expected 403")
            elif op.own_token:  # no role holds the route's own token: 401 for every role
                if status != 401:
                    problems.append(f"{label} as {role}: {status}, expected 401 (own token)")
            elif allowed and status in (401, 403):
                problems.append(f"{label} as {role}: {status}, expected to pass the guard")
            elif allowed and op.has_body and status != 400:
                problems.append(f"{label} as {role}: unknown body field gave {status}, not 400")
            elif status >= 500:
                problems.append(f"{label} as {role}: server error {status}")
    return problems
