"""Find every user-facing msgid in a source tree with ``ast``: the literal messages passed to
DomainError subclasses (found transitively) and to the gettext markers ``_``/``N_``/``gettext``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

BASE_ERRORS = {
    "DomainError",
    "InvalidInput",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "Locked",
    "TooManyRequests",
}
MARKERS = {"_", "N_", "gettext"}


@dataclass(frozen=True)
class Msgid:
    text: str
    where: str  # path:line


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _trees(root: Path) -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts
    ]


def error_classes(trees: list[tuple[Path, ast.Module]]) -> set[str]:
    """Names of every DomainError subclass defined in the trees (and the core ones)."""
    names = set(BASE_ERRORS)
    classes = [
        (node.name, {_name(b) for b in node.bases})
        for _, tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]
    changed = True
    while changed:
        changed = False
        for name, bases in classes:
            if name not in names and bases & names:
                names.add(name)
                changed = True
    return names


def scan(root: Path, base: Path | None = None) -> tuple[list[Msgid], list[str]]:
    """(msgids, problems): problems are error messages built with f-strings or ``+``/``%``,
    which can never be translated."""
    trees = _trees(root)
    errors = error_classes(trees)
    found: list[Msgid] = []
    problems: list[str] = []
    for path, tree in trees:
        rel = path.relative_to(base or root.parent)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name not in errors and name not in MARKERS:
                continue
            arg = node.args[0] if node.args else None
            for kw in node.keywords:
                if kw.arg == "message":
                    arg = kw.value
            where = f"{rel}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append(Msgid(arg.value, where))
            elif isinstance(arg, ast.JoinedStr | ast.BinOp) and name in errors:
                problems.append(f"{where}: {name}(...) message is built at run time")
    return found, problems
