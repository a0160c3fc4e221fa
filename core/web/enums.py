"""The valid values of a closed list (a ``Literal`` or ``enum.Enum``) in a handler's
request schema, so that a 400 for an unknown value can name them.

msgspec says only "Invalid enum value 'novel'"; :func:`allowed_values` finds the field the
error points at (``kind``, ``members[0].kind``, a query parameter) in the handler's body
type or signature and returns its values.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import msgspec
from litestar.handlers.base import BaseRouteHandler

_INDEX = re.compile(r"\[\d+\]")


def _values_of(info: Any, path: list[str]) -> tuple[Any, ...] | None:
    """Walk msgspec type info along ``path`` (field names) to a closed list's values."""
    if isinstance(info, msgspec.inspect.UnionType):
        for member in info.types:
            found = _values_of(member, path)
            if found:
                return found
        return None
    if isinstance(info, msgspec.inspect.Metadata):
        return _values_of(info.type, path)
    if isinstance(info, (msgspec.inspect.ListType, msgspec.inspect.SetType)):
        return _values_of(info.item_type, path)
    if isinstance(info, msgspec.inspect.DictType):
        return _values_of(info.value_type, path)
    if not path:
        if isinstance(info, msgspec.inspect.LiteralType):
            return tuple(info.values)
        if isinstance(info, msgspec.inspect.EnumType):
            return tuple(member.value for member in info.cls)
        return None
    if isinstance(info, msgspec.inspect.StructType):
        for field in info.fields:
            if path[0] in (field.name, field.encode_name):
                return _values_of(field.type, path[1:])
    return None


@lru_cache(maxsize=2048)
def _cached(handler: BaseRouteHandler, source: str, key: str) -> tuple[Any, ...] | None:
    signature = handler.parsed_fn_signature
    path = [part for part in _INDEX.sub("", key).split(".") if part]
    if source == "body":
        field = signature.parameters.get("data")
    else:
        field = signature.parameters.get(path[0]) if path else None
        if field is None:  # the parameter is known by another name (?from=)
            for candidate in signature.parameters.values():
                alias = getattr(candidate.kwarg_definition, "name", None)
                if path and alias == path[0]:
                    field = candidate
        path = []
    if field is None:
        return None
    annotation = field.annotation
    try:
        info = msgspec.inspect.type_info(annotation)
    except (TypeError, ValueError):
        return None
    return _values_of(info, path)


def allowed_values(handler: Any, source: str, key: str) -> tuple[Any, ...] | None:
    """The values a closed-list field allows (None if the field is not a closed list)."""
    if not isinstance(handler, BaseRouteHandler):
        return None
    try:
        return _cached(handler, source, key)
    except TypeError:  # an unhashable handler: no cache
        return _cached.__wrapped__(handler, source, key)
