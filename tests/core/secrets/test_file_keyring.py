"""The headless keyring backend: an AES-GCM encrypted JSON file with a master key."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from core.secrets.file_keyring import KeyringUnavailable, KontaktFileKeyring
from tests.support import services

SERVICE = "kontaktcenter"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip_replace_and_delete(tmp_path: Path) -> None:
    ring = KontaktFileKeyring(tmp_path / "creds")
    assert ring.get_password(SERVICE, "smtp-password") is None
    ring.set_password(SERVICE, "smtp-password", "hemligt lösenord ✓")
    ring.set_password(SERVICE, "other", "x")
    assert ring.get_password(SERVICE, "smtp-password") == "hemligt lösenord ✓"
    # a second instance (another process) reads the same values from disk
    again = KontaktFileKeyring(tmp_path / "creds")
    assert again.get_password(SERVICE, "smtp-password") == "hemligt lösenord ✓"
    again.set_password(SERVICE, "smtp-password", "new value")
    assert ring.get_password(SERVICE, "smtp-password") == "new value"
    ring.delete_password(SERVICE, "smtp-password")
    assert again.get_password(SERVICE, "smtp-password") is None
    assert again.get_password(SERVICE, "other") == "x"


def test_files_are_private_and_hold_no_plaintext(tmp_path: Path) -> None:
    directory = tmp_path / "creds"
    ring = KontaktFileKeyring(directory)
    secret = "Sommar2026-ValvKod"
    ring.set_password(SERVICE, "smtp-password", secret)
    assert mode(directory) == 0o700
    assert mode(directory / "keyring.json") == 0o600
    assert mode(directory / "master.key") == 0o600
    stored = (directory / "keyring.json").read_bytes()
    assert secret.encode() not in stored
    assert base64.b64encode(secret.encode()).rstrip(b"=")[:16] not in stored
    blob = base64.b64decode(json.loads(stored)[SERVICE]["smtp-password"])
    assert secret.encode() not in blob
    assert len(base64.b64decode((directory / "master.key").read_bytes())) == 32
    leftovers = [p.name for p in directory.iterdir() if ".tmp" in p.name]
    assert leftovers == []


def test_swapped_ciphertexts_are_detected(tmp_path: Path) -> None:
    directory = tmp_path / "creds"
    ring = KontaktFileKeyring(directory)
    ring.set_password(SERVICE, "alpha", "value of alpha")
    ring.set_password(SERVICE, "beta", "value of beta")
    path = directory / "keyring.json"
    data = json.loads(path.read_text())
    entries = data[SERVICE]
    entries["alpha"], entries["beta"] = entries["beta"], entries["alpha"]
    path.write_text(json.dumps(data))
    fresh = KontaktFileKeyring(directory)
    for name in ("alpha", "beta"):
        with pytest.raises(KeyringUnavailable, match="does not decrypt"):
            fresh.get_password(SERVICE, name)
    # moving a value to another service is detected as well
    data[SERVICE]["alpha"], data[SERVICE]["beta"] = entries["beta"], entries["alpha"]
    data["someone-else"] = {"alpha": data[SERVICE]["alpha"]}
    path.write_text(json.dumps(data))
    assert fresh.get_password(SERVICE, "alpha") == "value of alpha"
    with pytest.raises(KeyringUnavailable):
        fresh.get_password("someone-else", "alpha")


WRITER = """
import sys
from core.secrets.file_keyring import KontaktFileKeyring
ring = KontaktFileKeyring(sys.argv[1])
for i in range(int(sys.argv[3])):
    ring.set_password("kontaktcenter", f"{sys.argv[2]}-{i}", f"value-{sys.argv[2]}-{i}")
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "creds"  # empty: both processes also race to make the master key
    count = 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(directory), who, str(count)],
            cwd=services.ROOT,
            env=services.kontakt_env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("left", "right")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    ring = KontaktFileKeyring(directory)
    for who in ("left", "right"):
        for i in range(count):
            assert ring.get_password(SERVICE, f"{who}-{i}") == f"value-{who}-{i}"
    assert len(json.loads((directory / "keyring.json").read_text())[SERVICE]) == 2 * count


def test_missing_master_key_is_an_error_and_no_new_key_is_made(tmp_path: Path) -> None:
    directory = tmp_path / "creds"
    KontaktFileKeyring(directory).set_password(SERVICE, "alpha", "a")
    (directory / "master.key").rename(tmp_path / "master.key.backup")
    ring = KontaktFileKeyring(directory)
    with pytest.raises(KeyringUnavailable) as failure:
        ring.get_password(SERVICE, "alpha")
    assert "master key is missing" in failure.value.problem
    assert "restore master.key" in failure.value.fix
    with pytest.raises(KeyringUnavailable):
        ring.set_password(SERVICE, "beta", "b")
    assert not (directory / "master.key").exists()  # never silently replaced
    (tmp_path / "master.key.backup").rename(directory / "master.key")
    assert KontaktFileKeyring(directory).get_password(SERVICE, "alpha") == "a"


def test_wrong_master_key_is_an_error(tmp_path: Path) -> None:
    directory = tmp_path / "creds"
    KontaktFileKeyring(directory).set_password(SERVICE, "alpha", "a")
    (directory / "master.key").write_bytes(base64.b64encode(os.urandom(32)))
    with pytest.raises(KeyringUnavailable, match="wrong master key"):
        KontaktFileKeyring(directory).get_password(SERVICE, "alpha")


def test_master_key_from_systemd_credentials_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "creds"
    KontaktFileKeyring(directory).set_password(SERVICE, "alpha", "a")
    systemd = tmp_path / "run-credentials"
    systemd.mkdir()
    (directory / "master.key").rename(systemd / "master.key")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(systemd))
    ring = KontaktFileKeyring(directory)
    assert ring.get_password(SERVICE, "alpha") == "a"
    ring.set_password(SERVICE, "beta", "b")
    assert not (directory / "master.key").exists()
    assert ring.master_key_candidates()[0] == systemd / "master.key"
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    with pytest.raises(KeyringUnavailable, match="master key is missing"):
        KontaktFileKeyring(directory).get_password(SERVICE, "beta")
