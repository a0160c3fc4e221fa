"""A self-signed appliance certificate trusted by its SHA-256 fingerprint: signing in and the
live events over TLS with full verification; a wrong fingerprint or an unpinned self-signed
certificate is refused."""

from __future__ import annotations

import asyncio
import ssl
import time

import httpx
import pytest

from desktop.api import tls
from desktop.api.live import LiveEvents
from desktop.viewmodels.signin import SignInModel
from installer import tls as installer_tls
from tests.desktop.conftest import AGENT_PASSWORD, until
from tests.support import services


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory, runtime):
    """One ``kontakt serve`` over TLS with a self-signed certificate, for this module's tests
    (none of them stops it or changes its settings)."""
    tmp_path = tmp_path_factory.mktemp("tls-server")
    cert_path, key_path = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert = installer_tls.make_self_signed(cert_path, key_path, ["localhost", "127.0.0.1"])
    port = services.free_port()
    env = {"KONTAKT_TLS_CERT": str(cert_path), "KONTAKT_TLS_KEY": str(key_path)}
    server = services.start_kontakt(["serve", "--port", str(port)], tmp_path / "serve-tls.log", env)
    server.url = f"https://localhost:{port}"
    trusted = ssl.create_default_context(cafile=str(cert_path))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.proc.poll() is None, server.log()
        try:
            httpx.get(server.url + "/api/v1/health", verify=trusted, timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield server, installer_tls.fingerprint(cert)
    server.stop()


def test_a_pinned_certificate_signs_in_and_streams_events(tls_server, role_users, run):
    server, fingerprint = tls_server
    model = SignInModel()
    assert model.problems(server.url, "agent", "x", fingerprint) == []

    async def scenario() -> None:
        client = await model.sign_in(
            server.url, role_users["agent"], AGENT_PASSWORD, fingerprint.lower()
        )
        assert client.pinned is not None and client.pinned.fingerprint == fingerprint
        assert client.me["username"] == role_users["agent"]
        live = LiveEvents(client, on_event=lambda event: None)
        task = asyncio.get_running_loop().create_task(live.run())
        await until(lambda: live.connected, what="the live events over wss")
        assert live.url().startswith("wss://")
        task.cancel()
        await asyncio.wait([task])
        await client.sign_out()
        await client.close()

    run(scenario())


def test_a_wrong_fingerprint_is_refused(tls_server, role_users, run):
    server, fingerprint = tls_server
    # another first byte (a fixed "00:" is the real fingerprint once in 256 certificates)
    wrong = ("01:" if fingerprint.startswith("00:") else "00:") + fingerprint[3:]
    with pytest.raises(tls.FingerprintMismatch):
        run(SignInModel().sign_in(server.url, role_users["agent"], AGENT_PASSWORD, wrong))


def test_an_unpinned_self_signed_certificate_is_not_trusted(tls_server, role_users, run):
    server, _fingerprint = tls_server
    with pytest.raises(ssl.SSLError):
        run(SignInModel().sign_in(server.url, role_users["agent"], AGENT_PASSWORD))


def test_fingerprints_are_read_in_any_spelling():
    digits = "AB" * 32
    assert tls.normalise(" ab:" + "ab" * 31) == digits
    with pytest.raises(ValueError):
        tls.normalise("AB:CD")
    problems = SignInModel().problems("http://kc.kommun.se", "u", "p", "AB" * 32)
    assert problems == ["Ett fingeravtryck kräver en https://-adress."]
