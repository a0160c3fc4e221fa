"""Every route must declare a known permission or be public: the app and the plugin loader
refuse handlers that do not (``core.web.security.check_routes``)."""

from __future__ import annotations

import pytest
from litestar import get, route

from core.web.security import check_routes


@get("/unguarded", sync_to_thread=False)
def unguarded() -> str:
    return "open to everybody by mistake"


@get("/unknown", opt={"permission": "no.such.permission"}, sync_to_thread=False)
def unknown_permission() -> str:
    return "guarded by nothing"


@get("/guarded", opt={"permission": "cases.read"}, sync_to_thread=False)
def guarded() -> str:
    return "fine"


@get("/public", opt={"public": True}, sync_to_thread=False)
def public() -> str:
    return "fine"


@route("/sneaky", http_method=["OPTIONS"], sync_to_thread=False)
def options_handler() -> str:  # named like Litestar's own pre-flight handler
    return "not Litestar's"


def test_a_route_without_permission_is_refused(runtime):
    with pytest.raises(RuntimeError, match="declares no permission"):
        check_routes([guarded, unguarded])


def test_a_route_with_an_unknown_permission_is_refused(runtime):
    with pytest.raises(RuntimeError, match="unknown permission 'no.such.permission'"):
        check_routes([unknown_permission])


def test_a_handler_named_like_litestars_options_handler_is_not_exempt(runtime):
    with pytest.raises(RuntimeError, match="declares no permission"):
        check_routes([options_handler])


def test_guarded_and_public_routes_pass(runtime):
    check_routes([guarded, public])
