"""One box without Redis: a live event published by another process of the installation (the
worker, a CLI command) reaches the websocket clients of the real API process through the relay
socket; malformed datagrams and unknown event types are ignored, and the socket is owner-only.

The servers here run without Redis on this session's database (SQLite or PostgreSQL: one box
may run on either), with a relay socket of their own (the session's in-process app holds the
data directory's default one).
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from core import live_relay
from tests.core.test_events import _login, _next, _open
from tests.support import services

PUBLISH = """
import sys
from core import events
from core.contracts import Event, EventType
from core.settings import load_settings
events.configure_publisher(load_settings())
events.install_types([EventType(sys.argv[1], "events.subscribe")])
events.publish(Event(sys.argv[1], {"text": sys.argv[2]}))
"""


def publish_elsewhere(server: services.Process, kind: str, text: str) -> None:
    """Publish an event from a separate process with the server's settings (as the worker)."""
    done = subprocess.run(
        [sys.executable, "-c", PUBLISH, kind, text],
        env=server.env,
        cwd=services.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


async def test_another_processs_event_reaches_the_api_processs_clients(
    server_factory, role_users, relay_socket
):
    socket = relay_socket
    server = server_factory({"KONTAKT_REDIS_URL": "", "KONTAKT_LIVE_RELAY_SOCKET": str(socket)})
    assert socket.exists() and stat.S_IMODE(socket.stat().st_mode) == 0o600
    ws = await _open(server, await _login(server, role_users["agent"]))
    try:
        # garbage and an unregistered type never reach a client; the next good event does
        assert live_relay.send(socket, "not json")
        assert live_relay.send(socket, json.dumps({"type": "x.unknown", "data": {}}))
        text = f"relayed {uuid.uuid4().hex[:8]}"
        publish_elsewhere(server, "system.notice", text)
        seen = [await _next(ws) for _ in range(1)]
        while seen[-1]["type"] != "system.notice":  # other live events may come first
            seen.append(await _next(ws))
        assert [m["data"] for m in seen if m["type"] == "system.notice"] == [{"text": text}]
    finally:
        await ws.close()
    assert "malformed datagram ignored" in server.log()
    assert "unknown type ignored" in server.log()


async def test_without_a_listening_api_process_the_event_is_dropped_quietly(
    server_factory, relay_socket
):
    socket = relay_socket
    assert not live_relay.send(socket, json.dumps({"type": "system.notice", "data": {}}))
    server = server_factory({"KONTAKT_REDIS_URL": "", "KONTAKT_LIVE_RELAY_SOCKET": str(socket)})
    server.stop()
    assert not socket.exists()  # removed at shutdown
    publish_elsewhere(server, "system.notice", "nobody listens")  # no error for the publisher
    socket.touch()  # a stale file left by a crash is replaced at the next start
    server = server_factory({"KONTAKT_REDIS_URL": "", "KONTAKT_LIVE_RELAY_SOCKET": str(socket)})
    assert stat.S_ISSOCK(socket.stat().st_mode)


def test_a_long_data_directory_gets_a_short_private_socket_path(settings):
    deep = Path(tempfile.gettempdir()) / ("d" * 120)
    path = live_relay.socket_path(settings.replace(data_dir=deep, live_relay_socket=None))
    assert len(str(path)) <= live_relay.MAX_SOCKET_PATH
    assert path == live_relay.socket_path(settings.replace(data_dir=deep, live_relay_socket=None))
    short = live_relay.socket_path(settings.replace(live_relay_socket=None))
    assert short == settings.data_dir.resolve() / live_relay.SOCKET_NAME
