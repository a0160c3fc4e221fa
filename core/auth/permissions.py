"""Roles and permissions: which role holds which permission, as core and plugins register them."""

from __future__ import annotations

from core.contracts import ROLES, Permission

_permissions: dict[str, Permission] = {}
_by_role: dict[str, frozenset[str]] = {role: frozenset() for role in ROLES}


def install(permissions: list[Permission]) -> None:
    """Replace the registry with the permissions from the ``register_permissions`` hook."""
    global _permissions, _by_role
    table: dict[str, Permission] = {}
    for permission in permissions:
        unknown = set(permission.roles) - set(ROLES)
        if unknown:
            raise ValueError(
                f"permission {permission.name!r} names unknown roles {sorted(unknown)}"
            )
        table[permission.name] = permission
    _permissions = table
    _by_role = {
        role: frozenset(p.name for p in table.values() if role in p.roles) for role in ROLES
    }


def known(name: str) -> bool:
    return name in _permissions


def for_roles(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Every permission held through any of ``roles``."""
    result: frozenset[str] = frozenset()
    for role in roles:
        result |= _by_role.get(role, frozenset())
    return result


def all_permissions() -> list[Permission]:
    return sorted(_permissions.values(), key=lambda p: p.name)


def roles_with(name: str) -> tuple[str, ...]:
    permission = _permissions.get(name)
    return permission.roles if permission else ()
