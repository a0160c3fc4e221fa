"""The server address as the user types it and as the client uses it."""

from __future__ import annotations


def normalise_address(address: str) -> str:
    """``kc.kommun.se`` → ``https://kc.kommun.se``; no trailing slash."""
    address = address.strip().rstrip("/")
    if "://" not in address:
        address = "https://" + address
    return address
