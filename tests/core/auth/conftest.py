"""Auth tests reuse the citizen tests' client from a fresh address (the login back-off
counts per client address, as Mina ärenden's guard does)."""

from tests.core.citizen.conftest import as_client

__all__ = ["as_client"]
