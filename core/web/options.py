"""Litestar's automatic OPTIONS answer names every method of its path.

Litestar builds the OPTIONS handler of a path with the first partial route it sees; when
a controller's handlers for the same path are merged into one route afterwards, the
``Allow`` header still lists only the first handler's methods (``OPTIONS, POST`` where
GET is served too). :func:`fix_allow_headers` points each automatic OPTIONS handler at the
merged route, so ``Allow`` lists exactly the methods the path supports.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute

from core.web.security import is_framework_handler


def fix_allow_headers(app: Litestar) -> int:
    """Re-point the OPTIONS handlers of ``app``'s routes; returns how many were fixed."""
    fixed = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not is_framework_handler(handler):
                continue
            for cell in getattr(handler.fn, "__closure__", None) or ():
                if isinstance(cell.cell_contents, HTTPRoute) and cell.cell_contents is not route:
                    cell.cell_contents = route
                    fixed += 1
    return fixed
