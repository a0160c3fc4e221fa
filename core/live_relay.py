"""One box without Redis: live events published outside the API process still reach clients.

Only the API process holds the in-memory channel its websocket clients listen on. Another
process of the same installation — the huey worker (a host reminder, a mailbox draft, an
automatic sign-out), a CLI command — sends each encoded event as one datagram to a Unix socket
that the API process listens on and publishes from. The socket is ``live_relay_socket`` when
set, else ``live-events.sock`` in the data directory (owner-only) or, when that path is too long
for a socket name, in a private folder under the temporary directory named after the data
directory.

Live events are notices, not records: when no API process listens, the event is dropped,
exactly as it was before the relay, and nothing that was stored is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import json
import logging
import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger(__name__)

SOCKET_NAME = "live-events.sock"
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux
MAX_DATAGRAM = 200_000  # below Linux's default socket buffer


def socket_path(settings: Settings) -> Path:
    """The relay socket of this installation (``live_relay_socket``, else in the data dir)."""
    if settings.live_relay_socket is not None:
        return settings.live_relay_socket
    data_dir = settings.data_dir
    path = data_dir.resolve() / SOCKET_NAME
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(os.fsencode(data_dir.resolve())).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"kontakt-{digest}" / SOCKET_NAME


def send(path: Path, message: str) -> bool:
    """Hand one encoded event to the API process; False when none listens (or it is too big)."""
    data = message.encode()
    if len(data) > MAX_DATAGRAM:
        log.warning("live event of %d bytes is too big for the relay; dropped", len(data))
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        try:
            sock.sendto(data, os.fsencode(path))
        except OSError as exc:  # no API process, or its buffer is full
            log.debug("live-event relay %s: %s; event dropped", path, exc)
            return False
    return True


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, deliver: Callable[[str], None]) -> None:
        self.deliver = deliver

    def datagram_received(self, data: bytes, addr: object) -> None:
        try:
            text = data.decode()
            message = json.loads(text)
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise ValueError("not an event")
        except (UnicodeDecodeError, ValueError) as exc:
            log.warning("live-event relay: malformed datagram ignored (%s)", exc)
            return
        try:
            self.deliver(text)
        except Exception:
            log.exception("live-event relay: delivering %s failed", message["type"])


def _in_use(path: Path) -> bool:
    """Is another live process bound to this socket (rather than a stale file)?"""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(os.fsencode(path))
        except OSError as exc:
            return exc.errno not in (errno.ECONNREFUSED, errno.ENOENT)
    return True


def _bind(path: Path) -> socket.socket | None:
    """The relay's bound socket, replacing a stale file; None when it is held or fails."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.exists():
            if _in_use(path):
                log.warning("live-event relay %s is held by another process; not listening", path)
                return None
            path.unlink()
    except OSError as exc:
        log.error("live-event relay %s cannot listen: %s", path, exc)
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(os.fsencode(path))
        os.chmod(path, 0o600)
    except OSError as exc:  # the API still serves; only other processes' live events are lost
        sock.close()
        log.error("live-event relay %s cannot listen: %s", path, exc)
        return None
    return sock


async def listen(path: Path, deliver: Callable[[str], None]) -> asyncio.BaseTransport | None:
    """Receive relayed events on ``path`` and hand each to ``deliver`` (the API process).

    Returns the transport to close at shutdown, or None when another process already listens
    or the socket cannot be made."""
    sock = _bind(path)
    if sock is None:
        return None
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: _Receiver(deliver), sock=sock
    )
    return transport


def close(transport: asyncio.BaseTransport | None, path: Path) -> None:
    """Stop listening and remove the socket file."""
    if transport is None:
        return
    transport.close()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
